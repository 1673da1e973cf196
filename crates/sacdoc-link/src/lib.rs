//! Links to a serial console. Every link is `Read + Write + Send`.
//!
//! Contract shared by every link (serial port, TCP, telnet, Unix socket, exec'd relay, in-process
//! simulator, replayed transcript):
//! - `read` waits at most a short timeout (about 50 ms) and then fails with
//!   [`std::io::ErrorKind::TimedOut`] or [`std::io::ErrorKind::WouldBlock`]: that means "no data
//!   yet", never an error (see [`is_no_data`]).
//! - `Ok(0)` from `read` means the far end closed the link.
//! - `write` sends bytes as they are; telnet escaping and the like is the link's own business.
//!
//! One file per kind of link: [`serial`], [`tcp`], [`telnet`], [`rfc2217`], [`unix`], [`pipe`],
//! [`exec`], [`replay`], [`azure`]; [`reconnect`] wraps any of them to reopen a lost link, except
//! after a [`final_error`] (another user took the console, the port is busy), which reopening would
//! not cure. [`busy`] recognises a console server's "port in use" refusal. The in-process simulator link
//! lives in `crate::sim`. [`crate::target::Target::open`] picks the right one.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

use std::io::{Read, Write};
use std::time::Duration;

pub mod azure;
pub mod busy;
pub mod exec;
#[cfg(unix)]
mod fd;
pub mod file_key;
pub mod owner_only;
pub mod pipe;
pub mod reconnect;

pub mod rfc2217;
pub mod serial;
pub mod tcp;
pub mod telnet;
pub mod unix;

/// Opening a link failed: the target, and why (the transport's own error, or the simulator's,
/// the transcript reader's, ... as its [`std::error::Error::source`]).
#[derive(Debug, thiserror::Error)]
#[error("cannot open {target}")]
pub struct OpenError {
    pub target: String,
    #[source]
    pub source: BoxError,
}

/// Any error that can cross threads; what [`OpenError`] keeps as its source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl OpenError {
    /// Opening `target` failed because of `source`.
    pub fn new(target: impl Into<String>, source: impl Into<BoxError>) -> Self {
        OpenError { target: target.into(), source: source.into() }
    }

    /// Why it failed: the source and its own sources, without the target.
    pub fn reason(&self) -> String {
        chain(&*self.source)
    }
}

/// An error followed by its sources, joined by `": "`, as anyhow's `{:#}` prints them: for
/// messages that do not go through anyhow (status lines, events, JSON).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}

/// Something that opens a link to one console, and can open it again after a loss: the binary's
/// parsed target. The layers above hold one of these instead of knowing every kind of target.
pub trait Connector: std::fmt::Display + std::fmt::Debug + Send + Sync {
    /// Opens a new link to the console.
    fn open(&self) -> Result<Box<dyn Link>, OpenError>;
    /// False for links that cannot come back once closed (an in-process simulator, a replay).
    fn can_reconnect(&self) -> bool {
        true
    }
}

impl<C: Connector + ?Sized> Connector for std::sync::Arc<C> {
    fn open(&self) -> Result<Box<dyn Link>, OpenError> {
        (**self).open()
    }
    fn can_reconnect(&self) -> bool {
        (**self).can_reconnect()
    }
}

/// How long a `read` waits for data before reporting "no data yet". Short, so a reader thread
/// notices a stop request quickly; long enough that an idle line costs almost no CPU.
pub const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// How long a `write` may wait for the far end to accept bytes before it is reported as an error.
/// A 115200-baud line drains 4 KB in well under a second; ten seconds means the far end is stuck.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// A byte link to the console.
pub trait Link: Read + Write + Send {
    /// A short description for status bars and error messages, e.g. `tcp://127.0.0.1:2323`.
    fn describe(&self) -> String;
    /// While `on`, the bytes written are secret (a password): recorders write a redaction marker
    /// instead of them. Links that do not record ignore it.
    fn set_secret(&mut self, _on: bool) {}
    /// Writes a named marker into the recording (for example the command about to run).
    fn mark(&mut self, _label: &str) {}
    /// How many times the link was lost and opened again, for a link that reopens itself
    /// ([`reconnect::ReconnectingLink`] and wrappers around one); `None` for one that does not.
    /// A change tells the session that what the console showed before may be gone.
    fn reconnects(&self) -> Option<u64> {
        None
    }
    /// Pauses (`true`) or resumes (`false`) the recording of a link that records, in the same
    /// file: nothing received or sent meanwhile is written, only a marker at each end. Returns
    /// false when nothing records this link.
    fn pause_recording(&mut self, _paused: bool) -> bool {
        false
    }
    /// Holds the line in the break condition for `duration` (the SysRq-style attention signal a
    /// serial console understands). A link that cannot send one says so with
    /// [`ControlError::Unsupported`]: silently doing nothing would leave the user waiting.
    fn send_break(&mut self, _duration: Duration) -> Result<(), ControlError> {
        Err(ControlError::unsupported(self.describe(), Control::Break, UNSUPPORTED_BYTES))
    }
    /// The line settings in force, for links that have a serial line they can set; `None` for
    /// the others (a dialog then has nothing to prefill and says the link cannot change them).
    fn line_settings(&self) -> Option<serial::SerialSettings> {
        None
    }
    /// Changes the line's speed and framing. [`ControlError::Unsupported`] for links without a
    /// serial line of their own to set (a TCP socket to a relay, a pty, a replay).
    fn set_line_settings(
        &mut self,
        _settings: &serial::SerialSettings,
    ) -> Result<(), ControlError> {
        Err(ControlError::unsupported(self.describe(), Control::LineSettings, UNSUPPORTED_BYTES))
    }
}

/// Why a plain byte link cannot send a break or set the line: what it carries is bytes only.
pub const UNSUPPORTED_BYTES: &str =
    "the link carries bytes only, with no way to signal the serial line behind it";

/// A line control: what [`ControlError`] says could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Break,
    LineSettings,
}

impl std::fmt::Display for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Control::Break => "send a break",
            Control::LineSettings => "change the line settings",
        })
    }
}

/// A break or a change of line settings failed, or the link cannot do it.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The kind of link has no way to do it; `why` says what it lacks.
    #[error("{link} cannot {what}: {why}")]
    Unsupported { link: String, what: Control, why: &'static str },
    /// The link tried and failed.
    #[error("{link}: could not {what}")]
    Failed {
        link: String,
        what: Control,
        #[source]
        source: BoxError,
    },
}

impl ControlError {
    /// `link` cannot do `what` at all, because `why`.
    pub fn unsupported(link: impl Into<String>, what: Control, why: &'static str) -> Self {
        ControlError::Unsupported { link: link.into(), what, why }
    }
    /// `link` tried `what` and failed with `source`.
    pub fn failed(link: impl Into<String>, what: Control, source: impl Into<BoxError>) -> Self {
        ControlError::Failed { link: link.into(), what, source: source.into() }
    }
    /// True when the link cannot do it at all (as opposed to trying and failing).
    pub fn is_unsupported(&self) -> bool {
        matches!(self, ControlError::Unsupported { .. })
    }
}

impl<L: Link + ?Sized> Link for Box<L> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn set_secret(&mut self, on: bool) {
        (**self).set_secret(on)
    }
    fn mark(&mut self, label: &str) {
        (**self).mark(label)
    }
    fn reconnects(&self) -> Option<u64> {
        (**self).reconnects()
    }
    fn pause_recording(&mut self, paused: bool) -> bool {
        (**self).pause_recording(paused)
    }
    fn send_break(&mut self, duration: Duration) -> Result<(), ControlError> {
        (**self).send_break(duration)
    }
    fn line_settings(&self) -> Option<serial::SerialSettings> {
        (**self).line_settings()
    }
    fn set_line_settings(&mut self, settings: &serial::SerialSettings) -> Result<(), ControlError> {
        (**self).set_line_settings(settings)
    }
}

/// How long a break lasts unless the user says otherwise: 500 ms, well beyond the one character
/// time a receiver needs to see it even at 300 baud, and what tio and picocom use.
pub const DEFAULT_BREAK: Duration = Duration::from_millis(500);

/// True when an I/O error only means "no data arrived within the read timeout".
pub fn is_no_data(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut
            | std::io::ErrorKind::WouldBlock
            | std::io::ErrorKind::Interrupted
    )
}

/// The error a link returns from `read` when nothing arrived within [`READ_TIMEOUT`].
pub fn no_data() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "no data yet")
}

/// Marks an I/O error as final: reopening the link would not help (or would do harm, such as taking
/// the console back from a colleague), so [`reconnect::ReconnectingLink`] gives up at once.
#[derive(Debug)]
pub struct Final(pub String);

impl std::fmt::Display for Final {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Final {}

/// An error that [`is_final`] recognises; `kind` says what happened to the link.
pub fn final_error(kind: std::io::ErrorKind, message: impl Into<String>) -> std::io::Error {
    std::io::Error::new(kind, Final(message.into()))
}

/// True for errors made by [`final_error`].
pub fn is_final(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Final>())
}
