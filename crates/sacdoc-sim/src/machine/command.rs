//! What a cmd.exe command sees and gives back, shared by cmd.exe's line handling
//! ([`super::shell`]) and the commands it dispatches to (the `cmd_*` modules, [`super::filters`],
//! [`super::powershell`]). The dependency runs one way: the shell calls the commands; a command
//! that runs other command text (`if`, `for`, `for /f` over a command's output, a native program
//! in PowerShell) does it through the [`Interpreter`] it is given, never by calling the shell.

use super::state::WinState;
use super::{Effect, ExecResult, ShellState};

/// Runs command text for the commands that run other commands. cmd.exe ([`super::shell::Cmd`])
/// implements it.
pub trait Interpreter {
    /// Runs command text that was already expanded (an `if` branch, a `for` body): `start_code`
    /// is the exit code `&&` and `||` at its start look at.
    fn run_text(&self, ctx: &mut Ctx, text: &str, start_code: i32) -> Out;
    /// Runs a command line as `cmd /c` would in a child process (its own copy of the shell
    /// state) and returns what it wrote to stdout, and to stderr.
    fn run_captured(&self, st: &mut WinState, sh: &ShellState, line: &str) -> (String, String);
    /// Runs one line as if typed at the cmd prompt.
    fn run_line(&self, st: &mut WinState, sh: &mut ShellState, line: &str) -> ExecResult;
}

/// Output of one command, with stdout (1) and stderr (2) kept apart for redirection.
#[derive(Debug, Clone, Default)]
pub struct Out {
    pub chunks: Vec<(u8, String)>,
    pub code: i32,
    pub effect: Option<Effect>,
    pub delay_ms: u64,
    pub paged: bool,
    /// Internal commands such as `echo` and `set` leave `%ERRORLEVEL%` as it was.
    pub keep_errorlevel: bool,
}

impl Out {
    pub fn new() -> Out {
        Out::default()
    }
    /// Text on stdout with an exit code.
    pub fn stdout(text: impl Into<String>, code: i32) -> Out {
        let mut o = Out { code, ..Out::default() };
        o.out(text);
        o
    }
    /// Text on stderr with an exit code.
    pub fn stderr(text: impl Into<String>, code: i32) -> Out {
        let mut o = Out { code, ..Out::default() };
        o.err(text);
        o
    }
    pub fn out(&mut self, text: impl Into<String>) {
        let t = text.into();
        if !t.is_empty() {
            self.chunks.push((1, t));
        }
    }
    pub fn err(&mut self, text: impl Into<String>) {
        let t = text.into();
        if !t.is_empty() {
            self.chunks.push((2, t));
        }
    }
    /// A result from another module (stdout and stderr already merged).
    pub fn from_exec(r: ExecResult) -> Out {
        let mut o = Out::stdout(r.output, r.exit_code);
        o.effect = (r.effect != Effect::None).then_some(r.effect);
        o.delay_ms = r.delay_ms;
        o.paged = r.paged;
        o
    }
    /// Everything printed, both streams, in order.
    pub fn text(&self) -> String {
        self.chunks.iter().map(|(_, t)| t.as_str()).collect()
    }
}

/// What a command sees: the machine, its shell, piped or redirected input, and cmd.exe to run
/// other command text with.
pub struct Ctx<'a> {
    pub st: &'a mut WinState,
    pub sh: &'a mut ShellState,
    pub stdin: Option<String>,
    pub cmd: &'a dyn Interpreter,
}

impl Ctx<'_> {
    /// An absolute path for a typed one, against the current directory.
    pub fn path(&self, typed: &str) -> String {
        super::fs::path::resolve(&self.sh.cwd, typed).unwrap_or_else(|_| typed.to_string())
    }

    /// Runs command text that was already expanded in this context; see
    /// [`Interpreter::run_text`].
    pub fn run_text(&mut self, text: &str, start_code: i32) -> Out {
        let cmd = self.cmd;
        cmd.run_text(self, text, start_code)
    }

    /// Runs a command line in a child cmd.exe; see [`Interpreter::run_captured`].
    pub fn run_captured(&mut self, line: &str) -> (String, String) {
        self.cmd.run_captured(self.st, self.sh, line)
    }
}

/// Decodes file bytes as `type` shows them: UTF-16LE when the file starts with its BOM,
/// otherwise bytes as text.
pub fn decode_text(b: &[u8]) -> String {
    if b.len() >= 2 && b[0] == 0xFF && b[1] == 0xFE {
        let units: Vec<u16> =
            b[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(b).into_owned()
    }
}

/// The message cmd prints for a name that is not a command.
pub fn not_recognized(name: &str) -> Out {
    Out::stderr(
        format!("'{name}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"),
        9009,
    )
}
