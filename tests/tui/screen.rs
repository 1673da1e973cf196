//! Screens of the text UI as text: drawn on ratatui's test backend, compared with golden files.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use sacdoc::tui::app::App;
use sacdoc::tui::view;

/// Draws `app` at `w` x `h` and returns the screen as text, one line per row.
pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| view::draw(f, app)).expect("draw");
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Compares a screen with its golden file in `tests/snapshots/tui/`; with
/// `SACDOC_REGEN_SNAPSHOTS=1` the file is written instead (review the diff).
pub fn golden(name: &str, text: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots/tui")
        .join(format!("{name}.txt"));
    let text: String = text.lines().map(|l| l.trim_end().to_string() + "\n").collect();
    if std::env::var_os("SACDOC_REGEN_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, &text).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with SACDOC_REGEN_SNAPSHOTS=1", path.display()));
    assert_eq!(text, want, "{name} differs from {}", path.display());
}
