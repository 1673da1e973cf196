//! Terminal hygiene: raw mode and the alternate screen on the way in, restored on every way out,
//! panics included (a panic hook restores the terminal before the message is printed).

use std::io::Stdout;

use anyhow::Context;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

/// The terminal the UI draws on.
pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Puts the terminal back as it was; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Enters raw mode and the alternate screen, and installs the panic hook.
pub fn enter() -> anyhow::Result<Tui> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        super::log(&format!("panic: {info}"));
        previous(info);
    }));
    enable_raw_mode().context("cannot put the terminal in raw mode (is this a terminal?)")?;
    let mut out = std::io::stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableBracketedPaste) {
        restore();
        return Err(e).context("cannot switch to the alternate screen");
    }
    match Terminal::new(CrosstermBackend::new(out)) {
        Ok(t) => Ok(t),
        Err(e) => {
            restore();
            Err(e).context("cannot start drawing on the terminal")
        }
    }
}

/// Leaves the UI: the terminal is restored even when showing the cursor fails.
pub fn leave(mut t: Tui) -> anyhow::Result<()> {
    let r = t.show_cursor();
    restore();
    r.context("cannot show the cursor again")
}
