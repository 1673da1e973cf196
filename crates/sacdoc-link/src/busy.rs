//! A console server that will not give us the port says so in one line and closes the connection.
//! ser2net (`dataxfer.c`) writes `Port already in use\r\n` when all `max-connections` are taken,
//! `Port's device already in use\r\n` when another port holds the same device, and
//! `Port's device failed open\r\n` when the device cannot be opened, then closes. Without this
//! watch the session would only see "the far end closed the link" after a few stray bytes.
//!
//! [`BusyWatch`] keeps the first bytes a link receives; when the far end closes soon after sending
//! one of those lines, the close becomes a [`super::final_error`] that names the cause.

use std::io;

/// The refusals recognised, as (text, what it means for the user).
const REFUSALS: &[(&str, &str)] = &[
    (
        "Port already in use",
        "another user holds this console port; ask them to disconnect (or end their session on \
         the console server), or raise max-connections / set kickolduser in ser2net.yaml, then \
         try again",
    ),
    (
        "Port's device already in use",
        "another console-server port (or a local program) has the serial device open; close it, \
         then try again",
    ),
    (
        "Port's device failed open",
        "the console server could not open its serial device (unplugged adapter, wrong device \
         path or permissions in ser2net.yaml)",
    ),
];

/// How many leading bytes are kept: a refusal is a short line sent before anything else.
const KEEP: usize = 256;

/// Watches the first bytes of a link for a console server's refusal.
#[derive(Debug, Clone, Default)]
pub struct BusyWatch {
    head: Vec<u8>,
}

impl BusyWatch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records bytes received (only the first [`KEEP`] matter).
    pub fn saw(&mut self, data: &[u8]) {
        if self.head.len() < KEEP {
            let n = data.len().min(KEEP - self.head.len());
            self.head.extend_from_slice(&data[..n]);
        }
    }

    /// The refusal found in the first bytes, as (the server's line, the advice).
    pub fn refusal(&self) -> Option<(&'static str, &'static str)> {
        let text = String::from_utf8_lossy(&self.head);
        // The longest texts first: "Port's device already in use" also ends like the first one.
        let mut found: Option<(&'static str, &'static str)> = None;
        for (line, advice) in REFUSALS {
            if text.contains(line) && found.is_none_or(|(f, _)| line.len() > f.len()) {
                found = Some((line, advice));
            }
        }
        found
    }

    /// An I/O error from the link, replaced by the refusal when one was seen: the server closes
    /// right after its line, so our telnet replies meet a closed socket and the next read fails
    /// with "connection reset" instead of ending cleanly.
    pub fn on_error(&self, name: &str, e: io::Error) -> io::Error {
        if super::is_no_data(&e) {
            return e;
        }
        match self.on_close(name) {
            Err(refusal) => refusal,
            Ok(_) => e,
        }
    }

    /// What a link's `read` returns when the far end closed: `Ok(0)`, or a final error when the
    /// server refused us first.
    pub fn on_close(&self, name: &str) -> io::Result<usize> {
        match self.refusal() {
            Some((line, advice)) => Err(super::final_error(
                io::ErrorKind::ConnectionRefused,
                format!("{name}: the console server refused the connection ({line:?}): {advice}"),
            )),
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_ser2net_refusal_and_nothing_else() {
        let mut w = BusyWatch::new();
        w.saw(b"Port already in use\r\n");
        assert_eq!(w.refusal().map(|r| r.0), Some("Port already in use"));
        let e = w.on_close("telnet://h:2000").unwrap_err();
        assert!(super::super::is_final(&e));
        assert!(e.to_string().contains("another user holds"), "{e}");

        let mut w = BusyWatch::new();
        w.saw(b"Port's device ");
        w.saw(b"already in use\r\n");
        assert_eq!(w.refusal().map(|r| r.0), Some("Port's device already in use"));

        let mut w = BusyWatch::new();
        w.saw(b"\r\nSAC>");
        assert!(w.refusal().is_none());
        assert_eq!(w.on_close("x").unwrap(), 0);
    }
}
