//! A live count of what arrives while a command runs: at 115200 baud a big output (`netstat
//! -anob`, `icacls /t`) takes minutes, and a silent terminal looks like a hang. indicatif draws it
//! on stderr, only on a terminal and not with `-q`; the count is of bytes off the line (what the
//! line's speed limits), so it moves for streamed and painted consoles alike.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::transport::{Connector, Link, OpenError};

/// A spinner with the bytes received, their rate and the time so far; hidden unless `show`.
pub fn bytes_received(show: bool, what: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
    let style = ProgressStyle::with_template(
        "{spinner} {msg}: {bytes} received ({bytes_per_sec}), {elapsed}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

/// Opens links through `inner` and counts every byte read from them on `bar`.
#[derive(Debug)]
pub struct Counting {
    inner: Arc<dyn Connector>,
    bar: ProgressBar,
}

impl Counting {
    pub fn new(inner: Arc<dyn Connector>, bar: ProgressBar) -> Counting {
        Counting { inner, bar }
    }
}

impl std::fmt::Display for Counting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl Connector for Counting {
    fn open(&self) -> Result<Box<dyn Link>, OpenError> {
        let link = self.inner.open()?;
        Ok(Box::new(CountingLink { inner: link, bar: self.bar.clone() }))
    }
    fn can_reconnect(&self) -> bool {
        self.inner.can_reconnect()
    }
}

struct CountingLink {
    inner: Box<dyn Link>,
    bar: ProgressBar,
}

impl Read for CountingLink {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

impl Write for CountingLink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Link for CountingLink {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn set_secret(&mut self, on: bool) {
        self.inner.set_secret(on)
    }
    fn mark(&mut self, label: &str) {
        self.inner.mark(label)
    }
    fn reconnects(&self) -> Option<u64> {
        self.inner.reconnects()
    }
    fn pause_recording(&mut self, paused: bool) -> bool {
        self.inner.pause_recording(paused)
    }
    fn send_break(&mut self, d: std::time::Duration) -> Result<(), crate::transport::ControlError> {
        self.inner.send_break(d)
    }
    fn line_settings(&self) -> Option<crate::transport::serial::SerialSettings> {
        self.inner.line_settings()
    }
    fn set_line_settings(
        &mut self,
        s: &crate::transport::serial::SerialSettings,
    ) -> Result<(), crate::transport::ControlError> {
        self.inner.set_line_settings(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_read_is_counted_and_the_link_is_unchanged() {
        let target: crate::target::Target = "sim:healthy?start=sac".parse().unwrap();
        let console: Arc<dyn Connector> = Arc::new(target);
        let bar = ProgressBar::hidden();
        let counting = Counting::new(console.clone(), bar.clone());
        assert_eq!(counting.to_string(), console.to_string());
        let mut link = counting.open().unwrap();
        link.write_all(b"\r").unwrap();
        let mut got = 0u64;
        let mut buf = [0u8; 256];
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !(got > 0 && bar.position() == got) || got < 5 {
            assert!(std::time::Instant::now() < deadline, "nothing arrived");
            match link.read(&mut buf) {
                Ok(n) => got += n as u64,
                Err(e) if crate::transport::is_no_data(&e) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(bar.position(), got);
    }
}
