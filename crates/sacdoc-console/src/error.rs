//! The errors of the session and of the command runner, in one place below both: each can carry
//! the other (a command needs a cmd prompt first; a session step can fail on a command), so they
//! are defined together, and the session (`sac`) and the runner (`runner`) re-export them. This
//! module uses only the line and typing below it.

use crate::line::LineError;
use crate::typing::TypeError;

/// Why the session could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The link could not be opened (the OpenError names the target and the cause).
    #[error(transparent)]
    Open(sacdoc_link::OpenError),
    /// The transcript could not be started, so the target was not used.
    #[error("cannot start the transcript, so the console was not used")]
    Record(#[source] sacdoc_transcript::TranscriptError),
    #[error("SAC did not answer: {detail}")]
    NoSac { detail: String },
    #[error("the machine has crashed: the console shows !SAC> (only !SAC commands work; restart the VM with `sacdoc sac TARGET -- restart`)")]
    Crashed,
    #[error("cannot open a cmd channel: {0}")]
    CmdUnavailable(String),
    #[error("SAC has no channel named {0:?}")]
    NoChannel(String),
    #[error("login as {}{user} failed: wrong user name, domain or password (not retried, to avoid locking the account); check the credentials and run again", if domain.is_empty() { String::new() } else { format!("{domain}\\") })]
    LoginFailed { user: String, domain: String },
    #[error("login as {}{user} failed, but the line lost or garbled keys while the login was typed ({repairs} repairs): the password may have been garbled on the way rather than wrong. Not retried, to spare the account's lockout count; check the line (speed, cable, console server) and run again", if domain.is_empty() { String::new() } else { format!("{domain}\\") })]
    LoginFailedOnNoisyLine { user: String, domain: String, repairs: u32 },
    /// The link was cut right after the password was submitted, and once it was back the channel
    /// asked for a login again: the password may have been refused. Not typed again.
    #[error("the link was cut right after the password for {}{user} was submitted, and the channel then asked for a login again: the password may have been refused. Not typed again, to spare the account's lockout count; check the credentials and run again", if domain.is_empty() { String::new() } else { format!("{domain}\\") })]
    LoginOutcomeLost { user: String, domain: String },
    /// The link was cut right after the password was submitted: the login's outcome is unknown
    /// until the channel is seen again ([`SessionError::LoginOutcomeLost`] if it asks for a login).
    #[error("the link was cut right after the password for {}{user} was submitted; whether the login worked is unknown", if domain.is_empty() { String::new() } else { format!("{domain}\\") })]
    LoginCut { user: String, domain: String },
    /// The password was submitted, but noise on the line hid the console's answer: the login's
    /// outcome is unknown until the channel is seen again ([`SessionError::LoginAnswerUnread`] if
    /// it asks for a login).
    #[error("the password for {}{user} was submitted, but noise on the line hid the console's answer; whether the login worked is unknown", if domain.is_empty() { String::new() } else { format!("{domain}\\") })]
    LoginUnconfirmed { user: String, domain: String },
    /// The console's answer to the password was unreadable, and when the channel was viewed again
    /// it asked for a login: the password may have been refused. Not typed again.
    #[error("the console's answer to the password for {}{user} was garbled on the line, and the channel then asked for a login again: the password may have been refused. Not typed again, to spare the account's lockout count; check the credentials and the line, and run again", if domain.is_empty() { String::new() } else { format!("{domain}\\") })]
    LoginAnswerUnread { user: String, domain: String },
    #[error("{0}")]
    Unexpected(String),
    #[error(transparent)]
    Typing(#[from] TypeError),
    #[error(transparent)]
    Line(#[from] LineError),
    #[error(transparent)]
    Run(#[from] RunError),
}

/// Why a command could not be run to completion.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the command did not finish within {secs} s (sent Ctrl+C to stop it)")]
    Timeout { secs: u64 },
    /// Nothing arrived for `secs` seconds (`--timeout`) while the command ran.
    #[error(
        "nothing arrived for {secs} s while the command ran (--timeout; sent Ctrl+C to stop it)"
    )]
    NoProgress { secs: u64 },
    /// The command ran past `--max-time`.
    #[error("the command ran past --max-time {secs} s (sent Ctrl+C to stop it)")]
    MaxTime { secs: u64 },
    #[error("the output passed the limit of {limit} bytes (sent Ctrl+C to stop it)")]
    OutputTooLarge { limit: u64 },
    #[error("the link was lost: {0}")]
    LinkLost(String),
    /// The VM went down for a restart while the command ran (the console cleared and SAC's boot
    /// banner came, or the console fell silent right after the command asked for a restart).
    /// The session is gone; connect again once the VM is back (about a minute).
    #[error(
        "the VM is restarting (the console showed the boot banner \"Computer is booting, SAC \
         started and initialized.\" or went silent); connect again once it is back"
    )]
    Restarting,
    /// The session could not type the command or read its output back; see [`SessionFault`].
    #[error(transparent)]
    Session(SessionFault),
    #[error("I/O error on the line: {0}")]
    Io(#[from] std::io::Error),
    /// The link was cut while the command ran and opened again (`--reconnect`). What the console
    /// sent meanwhile is lost; nothing more was typed (no Ctrl+C, no clean-up) until the session
    /// finds its place again. A read-only command may be run again; any other may have run.
    #[error(
        "the link was cut while the command ran and was opened again (--reconnect): the output \
         is incomplete, so none is reported, and the command may or may not have run on the VM"
    )]
    Reconnected,
    /// Noise garbled the console's picture of the cmd prompt beyond what Ctrl+C and `cls`
    /// repair (a painted console repaints only the cells it believes changed). The session views
    /// the channel again, which repaints the whole screen, and takes the command up as after a
    /// reconnect; this error is reported only when that did not help either.
    #[error(
        "noise on the line left the console's screen unreadable (the cursor row shows {row:?}) and \
         viewing the channel again did not bring the prompt back; the command's output is not \
         reported"
    )]
    ScreenLost { row: String },
    /// The link was cut while the command ran; once it was back, the command's spool showed that
    /// it had been stopped before its end (no exit marker).
    #[error(
        "the link was cut while the command ran (--reconnect found the console again), and the \
         command was stopped before its end: it may have done part of its work; its output is \
         not reported"
    )]
    CutShort,
    /// The operator pressed Ctrl+C: the command was stopped on the VM (Ctrl+C into the channel)
    /// and its spool files deleted.
    #[error("interrupted (Ctrl+C): the command was stopped on the VM and its spool files deleted")]
    Interrupted,
}

/// Why the session could not run a command or read its output back: not the command's own
/// failure, and the session should not be trusted with more commands. Every message stands on its
/// own (callers print [`RunError`] in their own sentences), so details are part of it.
#[derive(Debug, thiserror::Error)]
pub enum SessionFault {
    /// No logged-in cmd prompt to type at.
    #[error(transparent)]
    Session(Box<SessionError>),
    #[error("a command line cannot contain a line break; run one line at a time")]
    LineBreak,
    /// `row` is the text before the cursor.
    #[error("the cmd channel is not at its prompt (the cursor row shows {row:?})")]
    NotAtPrompt { row: String },
    /// The command line's echo stayed wrong.
    #[error(transparent)]
    Typing(TypeError),
    #[error("the captured base64 does not decode: {0}")]
    Base64(base64::DecodeError),
    #[error("certutil's base64 of the output did not come back (is certutil available?)")]
    NoBase64,
    #[error(
        "the painted capture did not start with certutil's BEGIN line (is certutil available on \
         the VM?)"
    )]
    NoBegin,
    /// `screen` is the text of the screen at the end.
    #[error("the painted capture ended without certutil's END line (the screen shows {screen:?})")]
    NoEnd { screen: String },
    /// The pager showed pages of this capture, then answered Enter after Enter with screens
    /// that never showed the next page or the prompt: the line garbled them.
    #[error(
        "the painted capture stopped at an unreadable screen after {probes} Enters (noise on the \
         line garbles the pager's screens)"
    )]
    Unpaged { probes: u32 },
    /// Numbered lines of the capture that stayed missing after the retries.
    #[error("lines {0:?} of the painted capture could not be read back")]
    Unread(Vec<usize>),
    #[error(
        "the painted capture did not hold this command's exit marker {marker} twice in a row; the \
         screen shows {screen:?}"
    )]
    NoMarker { marker: String, screen: String },
    /// The capture never matched the VM's own SHA-256 of the spooled output: the line garbles
    /// bytes (noise), so no output is reported rather than a wrong one.
    #[error(
        "the output read back did not match the VM's SHA-256 of it in {reads} reads: the line \
         garbles bytes (noise on the line); no output is reported rather than a possibly wrong \
         one. Check the line (speed, cable, console server) and run again"
    )]
    Unverified { reads: u32 },
    /// The VM's SHA-256 of the spooled output never came back, so the capture cannot be checked.
    #[error(
        "the VM did not print a SHA-256 of the output (certutil -hashfile) in {reads} reads, so \
         the capture cannot be verified and is not reported"
    )]
    NoChecksum { reads: u32 },
    /// The command line that ran (its values, which the verified spool starts with) was not the
    /// one meant: noise on the line reached what the VM stored. Nothing from it is reported.
    #[error(
        "the VM's copy of the command line differed from the one typed (noise on the line); \
         nothing from it is reported"
    )]
    CommandChanged,
    /// A command line too long to be stored in pieces (see `runner::guard`) on a line whose
    /// echo needed them.
    #[error(
        "the command line is too long to be typed safely on this noisy line (its echo came back \
         wrong, and it needs more than 26 stored pieces); it was not run"
    )]
    CommandTooLong,
}

impl From<SessionFault> for RunError {
    fn from(f: SessionFault) -> RunError {
        RunError::Session(f)
    }
}
