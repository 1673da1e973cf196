//! What every command shares about its output: colour (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`),
//! notes on stderr that `--quiet` silences, the log file of `-v`, JSON failures for `--json`, and
//! a closed pipe (`sacdoc ... | head`) treated as the reader's choice, not an error.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour on a terminal, unless `NO_COLOR` is set (`CLICOLOR_FORCE` forces it).
    #[default]
    Auto,
    Always,
    Never,
}

/// Options every command takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// When to use colour: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// Write a log to the state folder's logs/sacdoc.log: -v for steps, -vv for detail, -vvv
    /// for everything (never passwords or tokens).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print only results and errors: no notes, no progress.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

static QUIET: AtomicBool = AtomicBool::new(false);

/// Applies the global options: colour choice, quiet, and the log file.
pub fn setup(g: &GlobalArgs) {
    let choice = match g.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    QUIET.store(g.quiet, Ordering::Relaxed);
    if g.verbose > 0 {
        start_log(g.verbose);
    }
}

/// True when standard output should carry colour: `--color`, then `NO_COLOR` / `CLICOLOR_FORCE`,
/// then whether it is a terminal (anstream's rules).
pub fn stdout_colour() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// True when standard error should carry colour.
pub fn stderr_colour() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// True under `--quiet`.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A note for the person at the terminal (on stderr; silenced by `--quiet`).
pub fn note(text: &str) {
    if !quiet() {
        let _ = writeln!(std::io::stderr(), "sacdoc: {text}");
    }
    tracing::info!("{text}");
}

/// A warning (on stderr, even under `--quiet`).
pub fn warn(text: &str) {
    let _ = writeln!(std::io::stderr(), "sacdoc: warning: {text}");
    tracing::warn!("{text}");
}

/// Standard output whose errors say `BrokenPipe` when the reader has gone, on Windows too: there
/// a closed pipe fails with ERROR_NO_DATA (232) or ERROR_PIPE_NOT_CONNECTED (233), and the
/// standard library maps only the first to `BrokenPipe`. Every command writes its results here,
/// so `sacdoc ... | more` that quits early ends quietly everywhere.
pub struct Stdout(std::io::Stdout);

/// Standard output for one command's results.
pub fn stdout() -> Stdout {
    Stdout(std::io::stdout())
}

/// A write error with the kind a closed pipe should have.
fn closed_pipe_is_broken(e: std::io::Error) -> std::io::Error {
    const ERROR_BROKEN_PIPE: i32 = 109;
    const ERROR_NO_DATA: i32 = 232;
    const ERROR_PIPE_NOT_CONNECTED: i32 = 233;
    let closed = matches!(
        e.raw_os_error(),
        Some(ERROR_BROKEN_PIPE | ERROR_NO_DATA | ERROR_PIPE_NOT_CONNECTED)
    );
    if cfg!(windows) && closed && e.kind() != std::io::ErrorKind::BrokenPipe {
        return std::io::Error::new(std::io::ErrorKind::BrokenPipe, e);
    }
    e
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(closed_pipe_is_broken)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(closed_pipe_is_broken)
    }
}

/// Writes `text` to standard output.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = stdout();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes `text` and a newline to standard output.
pub fn println(text: &str) -> std::io::Result<()> {
    let mut out = stdout();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// A session error with "connecting to TARGET" in front, unless it already names the target (a
/// link that could not be opened says "cannot open TARGET: ..." itself).
pub fn connecting(e: crate::sac::SessionError, target: &dyn std::fmt::Display) -> anyhow::Error {
    match e {
        crate::sac::SessionError::Open(_) => anyhow::Error::new(e),
        other => anyhow::Error::new(other).context(format!("connecting to {target}")),
    }
}

/// True when the error (or one of its causes) is a closed standard output pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    fn broken(c: &(dyn std::error::Error + 'static)) -> bool {
        let pipe = std::io::ErrorKind::BrokenPipe;
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            // An io::Error may wrap the error that carries the kind (`io::Error::other(json)`).
            return io.kind() == pipe || io.get_ref().is_some_and(|inner| broken(inner));
        }
        c.downcast_ref::<serde_json::Error>().is_some_and(|j| j.io_error_kind() == Some(pipe))
    }
    e.chain().any(broken)
}

/// A failure as the one JSON object a `--json` command prints on stdout.
pub fn json_failure(
    e: &anyhow::Error,
    exit_code: i32,
    transcript: Option<&std::path::Path>,
) -> String {
    serde_json::json!({
        "error": format!("{e:#}"),
        "exit_code": exit_code,
        "transcript": transcript.map(|p| p.display().to_string()),
    })
    .to_string()
}

/// Starts the log file (`-v`): `logs/sacdoc.log` in the state folder, appended to.
fn start_log(verbose: u8) {
    let dir = crate::paths::state_dir().join("logs");
    let file = crate::transport::owner_only::create_dir_all(&dir)
        .and_then(|()| crate::transport::owner_only::append(&dir.join("sacdoc.log")));
    let file = match file {
        Ok(f) => f,
        Err(e) => {
            warn(&format!("cannot open the log file in {}: {e}", dir.display()));
            return;
        }
    };
    let level = match verbose {
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        "sacdoc started: {:?}",
        args_without_values()
    );
}

/// The command line for the log, with every value after a flag that could carry a secret
/// replaced (none should: passwords never come from argv, but a user may try).
fn args_without_values() -> Vec<String> {
    let mut hide_next = false;
    std::env::args()
        .map(|a| {
            if hide_next {
                hide_next = false;
                return "<hidden>".to_string();
            }
            if a == "--password" || a == "--token" {
                hide_next = true;
            }
            a
        })
        .collect()
}

/// `text` with control characters from the far end made visible, as `cat -v` and `less` show
/// them (ESC as `^[`, other C0 controls as `^X`, DEL as `^?`, C1 controls as `<U+009B>`), so a
/// VM's output cannot set the operator's clipboard (OSC 52), window title or anything else in
/// their terminal. Newline, tab and carriage return stay as they are.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let needs = |c: char| (c.is_control() && !matches!(c, '\n' | '\t' | '\r')) || c == '\u{7f}';
    if !text.chars().any(needs) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' | '\t' | '\r' => out.push(c),
            '\u{7f}' => out.push_str("^?"),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            c if c.is_control() => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Like [`visible`], but colour sequences (`ESC [ digits ; ... m`, what `less -R` lets through)
/// stay, so a coloured report keeps its colours while anything else is made visible.
pub fn visible_keeping_sgr(text: &str) -> std::borrow::Cow<'_, str> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\x1b') {
        out.push_str(&visible(&rest[..i]));
        let after = &rest[i + 1..];
        let sgr_len = after.strip_prefix('[').and_then(|p| {
            let n = p.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
            (p[n..].starts_with('m') && n <= 32).then_some(n + 2)
        });
        match sgr_len {
            Some(n) => {
                out.push_str(&rest[i..i + 1 + n]);
                rest = &after[n..];
            }
            None => {
                out.push_str("^[");
                rest = after;
            }
        }
    }
    out.push_str(&visible(rest));
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_stay_and_other_sequences_show() {
        assert_eq!(
            visible_keeping_sgr("\x1b[1;31mPROBLEM\x1b[0m \x1b]52;c;eA==\x07"),
            "\x1b[1;31mPROBLEM\x1b[0m ^[]52;c;eA==^G"
        );
        assert_eq!(visible_keeping_sgr("\x1b[2J\x1b"), "^[[2J^[");
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(visible("plain\ttext\r\n"), "plain\ttext\r\n");
        assert_eq!(visible("\x1b]52;c;aGk=\x07x"), "^[]52;c;aGk=^Gx");
        assert_eq!(visible("\x1b]0;title\x1b\\"), "^[]0;title^[\\");
        assert_eq!(visible("a\u{9b}31mb\u{7f}\0"), "a<U+009B>31mb^?^@");
    }
}
