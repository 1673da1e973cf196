//! Links to a serial console. Every link is `Read + Write + Send`.
//!
//! Contract shared by every link (serial port, TCP, telnet, Unix socket, exec'd relay, in-process
//! simulator, replayed transcript):
//! - `read` waits at most a short timeout (about 50 ms) and then fails with
//!   [`std::io::ErrorKind::TimedOut`] or [`std::io::ErrorKind::WouldBlock`]: that means "no data
//!   yet", never an error (see [`is_no_data`]).
//! - `Ok(0)` from `read` means the far end closed the link.
//! - `write` sends bytes as they are; telnet escaping and the like is the link's own business.

use std::io::{Read, Write};

/// A byte link to the console.
pub trait Link: Read + Write + Send {
    /// A short description for status bars and error messages, e.g. `tcp://127.0.0.1:2323`.
    fn describe(&self) -> String;
    /// While `on`, the bytes written are secret (a password): recorders write a redaction marker
    /// instead of them. Links that do not record ignore it.
    fn set_secret(&mut self, _on: bool) {}
    /// Writes a named marker into the recording (for example the command about to run).
    fn mark(&mut self, _label: &str) {}
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
}

/// True when an I/O error only means "no data arrived within the read timeout".
pub fn is_no_data(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut
            | std::io::ErrorKind::WouldBlock
            | std::io::ErrorKind::Interrupted
    )
}
