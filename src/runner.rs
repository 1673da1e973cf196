//! Runs one command line in a logged-in cmd channel and returns its complete output and exit code.
//!
//! STUB: owned by the client-core work; the types below are the contract the doctor and the TUI use.

use serde::Serialize;

/// The complete result of one command.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommandOutput {
    /// The command line as given (for PowerShell one-liners, the whole `powershell ...` line).
    pub command: String,
    /// `%errorlevel%` after the command; `None` when it could not be read.
    pub exit_code: Option<i32>,
    /// Everything the command printed (stdout and stderr merged), lines joined with `\r\n`, console
    /// wrapping undone, without the echo of the command line and without the next prompt.
    pub output: String,
    /// Bytes written to the line for this command (typing, markers, repairs).
    pub bytes_sent: u64,
    /// Bytes read from the line for this command.
    pub bytes_received: u64,
    pub duration_ms: u64,
}

/// Why a command could not be run to completion.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the command did not finish within {secs} s (sent Ctrl+C to stop it)")]
    Timeout { secs: u64 },
    #[error("the output passed the limit of {limit} bytes")]
    OutputTooLarge { limit: u64 },
    #[error("the link was lost: {0}")]
    LinkLost(String),
    #[error("{0}")]
    Session(String),
    #[error("I/O error on the line: {0}")]
    Io(#[from] std::io::Error),
}

/// Something that runs cmd.exe command lines and returns their complete output.
///
/// Implemented by the SAC cmd-channel runner (the real thing, over any link).
pub trait Shell {
    fn run(&mut self, command: &str) -> Result<CommandOutput, RunError>;
}

/// Wraps a PowerShell one-liner into the cmd.exe line that runs it.
pub fn powershell(script: &str) -> String {
    format!("powershell -NoProfile -NonInteractive -Command \"{}\"", script.replace('"', "\\\""))
}
