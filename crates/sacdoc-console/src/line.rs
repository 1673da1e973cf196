//! The console line as the session sees it: a link, every byte received kept in a buffer and fed
//! to an emulated screen, byte counters both ways, and waits with a deadline.
//!
//! A read timeout on the link only means "no data yet"; `Ok(0)` means the far end closed.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::term::Term;
use sacdoc_link::{is_no_data, Link};

/// Why waiting on the line failed.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("the console sent nothing expected for {secs} s while {what}")]
    Timeout { secs: u64, what: String },
    #[error("the link was closed by the far end")]
    Closed,
    #[error("I/O error on the line: {0}")]
    Io(#[from] std::io::Error),
    /// The operator asked to stop (Ctrl+C). Reported once: the clean-up that follows (Ctrl+C
    /// into the channel, deleting the spool, closing the channel) runs normally.
    #[error("interrupted (Ctrl+C)")]
    Interrupted,
    /// SAC's start-up banner arrived while the line was watched for it: the VM restarted.
    #[error("the VM restarted (SAC's boot banner came while {what})")]
    Rebooted { what: String },
    /// More arrived than any answer sacdoc waits for can hold: a flood, or a line without end.
    #[error(
        "the console sent more than {limit} bytes without the answer sacdoc was waiting for (a \
         flood, or a line without end); stopped (--output-limit raises the bound)"
    )]
    Flood { limit: usize },
    /// The link was lost and opened again (`--reconnect`): what the console sent in between is
    /// gone, and it may now show another place. Reported once per reconnect.
    #[error("the link was cut and opened again")]
    Reconnected,
}

/// Longest wait, after a write failed on a link that reopens itself, for it to come back: above
/// the reconnect policy's own span (about a minute), so that its verdict comes first.
const RECONNECT_WAIT: Duration = Duration::from_secs(90);

/// The most bytes kept between two [`Line::clear`]s unless set otherwise: whatever the far end
/// sends, the buffer (and so sacdoc's memory) stays bounded.
pub const DEFAULT_MAX_BUFFER: usize = 64 << 20;

/// SAC's start-up message (sac-protocol.md §1.1); it follows a clear-screen sequence.
const BOOT_BANNER: &[u8] = b"Computer is booting, SAC started and initialized.";
/// How close before the banner the clear-screen must be (`ESC[2J` `\r\n` `\r\n` in the real
/// stream; a little slack for firmware or terminal noise).
const BOOT_CLEAR_WINDOW: usize = 24;

/// A link with a receive buffer, a screen and counters.
pub struct Line {
    link: Box<dyn Link>,
    term: Term,
    buf: Vec<u8>,
    /// The most bytes `buf` may hold ([`LineError::Flood`] past it).
    max_buffer: usize,
    sent: u64,
    received: u64,
    chunk: Vec<u8>,
    /// Learned while typing: the console drops a key that repeats the previous one within this
    /// long, so the typist waits this long before a repeated key.
    pub debounce: Option<std::time::Duration>,
    /// Tries in a row whose echo lost the first repeated key (see `typing::debounce_sign`).
    pub debounce_signs: u32,
    /// The debounce was only suspected from a lost echo, not measured: noise can fake it, and a
    /// later line tests it again (see `runner::retest_debounce`).
    pub debounce_suspected: bool,
    /// Times a suspected debounce was tested again.
    pub debounce_retests: u32,
    /// The console paints its screen (Server 2016/2019), the style known to debounce keys.
    pub painted: bool,
    /// Learned while capturing: a big spool came as plain base64, so the VM has no working
    /// makecab, and a streaming console types big outputs out as text (1x) rather than as
    /// unpacked base64 (4/3x).
    pub no_makecab: bool,
    /// Learned while typing: lines left to type in short runs, after typing met noise (see
    /// `runner::WIDE_RUN`).
    pub short_runs_left: u32,
    /// The last byte written and when.
    pub last_byte: Option<(u8, Instant)>,
    /// The last bytes received, kept to find the boot banner across reads.
    tail: Vec<u8>,
    /// The receive count at the end of the last boot banner seen.
    boot_at: Option<u64>,
    /// While set, [`Line::wait`] fails with [`LineError::Rebooted`] when a boot banner arrives
    /// after this receive count.
    watch_boot: Option<u64>,
    /// Set by the operator's Ctrl+C; the next read fails with [`LineError::Interrupted`] once.
    cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// When the last byte arrived (or the line was made, or last written to).
    last_activity: Instant,
    /// The link's reconnect count already reported (see [`LineError::Reconnected`]).
    reconnects_seen: u64,
    /// Set when the link came back: the screen may be stale and the console elsewhere, so
    /// nothing is typed until the session has found its place again ([`Line::place_found`]).
    place_lost: bool,
}

impl std::fmt::Debug for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Line")
            .field("link", &self.link.describe())
            .field("sent", &self.sent)
            .field("received", &self.received)
            .finish()
    }
}

impl Line {
    /// Watches `flag`: once it is set, the next read reports [`LineError::Interrupted`].
    pub fn set_cancel(&mut self, flag: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>) {
        self.cancel = flag;
    }

    pub fn new(link: Box<dyn Link>) -> Line {
        // A link that came back before this line was made over it (the text UI makes a line per
        // job) owes this line no report.
        let reconnects_seen = link.reconnects().unwrap_or(0);
        Line {
            link,
            term: Term::new(),
            buf: Vec::new(),
            max_buffer: DEFAULT_MAX_BUFFER,
            sent: 0,
            received: 0,
            chunk: vec![0; 4096],
            debounce: None,
            debounce_signs: 0,
            debounce_suspected: false,
            debounce_retests: 0,
            painted: false,
            no_makecab: false,
            short_runs_left: 0,
            last_byte: None,
            tail: Vec::new(),
            boot_at: None,
            watch_boot: None,
            cancel: None,
            last_activity: Instant::now(),
            reconnects_seen,
            place_lost: false,
        }
    }

    /// The link's description (for messages).
    pub fn describe(&self) -> String {
        self.link.describe()
    }

    /// Bytes written so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Bytes read so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// How long nothing has arrived (counted from the last write when that is later: an answer
    /// is not overdue before the question).
    pub fn quiet_for(&self) -> std::time::Duration {
        let since_write = self.last_byte.map(|(_, t)| t.elapsed());
        let since_read = self.last_activity.elapsed();
        since_write.map_or(since_read, |w| w.min(since_read))
    }

    /// The emulated screen.
    pub fn term(&self) -> &Term {
        &self.term
    }

    /// Tells the emulated screen what the console shows now (bytes that draw it, such as a
    /// watching view's `contents_formatted`), so that typing can find its prompt on a line opened
    /// in the middle of a session.
    pub fn seed(&mut self, screen: &[u8]) {
        self.term.feed(screen);
    }

    /// The bytes received since the last [`Line::clear`].
    pub fn buf(&self) -> &[u8] {
        &self.buf
    }

    /// Bounds the bytes kept between two [`Line::clear`]s (the largest answer waited for, with
    /// room for the console's own drawing).
    pub fn set_max_buffer(&mut self, bytes: usize) {
        self.max_buffer = bytes.max(64 * 1024);
    }

    /// Forgets the buffered bytes (the screen keeps its state).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Writes bytes and flushes them. On a link that reopens itself, a write that fails because
    /// the link is down waits (reading, which drives the attempts) until it is back, reported as
    /// [`LineError::Reconnected`], or given up, reported as the link's error; at most
    /// [`RECONNECT_WAIT`], after which the write's own error is reported.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), LineError> {
        if let Err(e) = self.link.write_all(bytes).and_then(|()| self.link.flush()) {
            if self.link.reconnects().is_none() {
                return Err(e.into());
            }
            let until = Instant::now() + RECONNECT_WAIT;
            while Instant::now() < until {
                self.poll()?;
            }
            return Err(e.into());
        }
        self.sent += bytes.len() as u64;
        if let Some(&b) = bytes.last() {
            self.last_byte = Some((b, Instant::now()));
        }
        Ok(())
    }

    /// Writes a password: the recorder is told the bytes are secret.
    pub fn send_secret(&mut self, bytes: &[u8]) -> Result<(), LineError> {
        self.link.set_secret(true);
        let r = self.send(bytes);
        self.link.set_secret(false);
        r
    }

    /// Writes a marker into the recording.
    pub fn mark(&mut self, label: &str) {
        self.link.mark(label);
    }

    /// One read: returns how many bytes arrived (0 when none within the link's read timeout).
    pub fn poll(&mut self) -> Result<usize, LineError> {
        if self.cancel.as_ref().is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst)) {
            // Once: what follows (stopping the command, cleaning up) must still be able to wait.
            self.cancel = None;
            return Err(LineError::Interrupted);
        }
        let read = self.link.read(&mut self.chunk);
        let got = self.take(read)?;
        if let Some(n) = self.link.reconnects().filter(|&n| n != self.reconnects_seen) {
            self.reconnects_seen = n;
            self.place_lost = true;
            self.link.mark("the link was cut and opened again");
            return Err(LineError::Reconnected);
        }
        Ok(got)
    }

    /// Keeps what one read brought (0 when it brought nothing).
    fn take(&mut self, read: std::io::Result<usize>) -> Result<usize, LineError> {
        match read {
            Ok(0) => Err(LineError::Closed),
            Ok(n) => {
                if self.buf.len() + n > self.max_buffer {
                    return Err(LineError::Flood { limit: self.max_buffer });
                }
                let data = &self.chunk[..n];
                self.term.feed(data);
                self.buf.extend_from_slice(data);
                self.received += n as u64;
                self.last_activity = Instant::now();
                self.note_boot(n);
                Ok(n)
            }
            Err(e) if is_no_data(&e) => Ok(0),
            Err(e) => Err(LineError::Io(e)),
        }
    }

    /// True since the link came back and until the session has found the console's place again:
    /// typing into what may be a stale screen is not safe.
    pub fn place_lost(&self) -> bool {
        self.place_lost
    }

    /// The session found the console's place again after a reconnect.
    pub fn place_found(&mut self) {
        self.place_lost = false;
    }

    /// Looks for the boot banner in the bytes just read (and the end of the ones before).
    fn note_boot(&mut self, n: usize) {
        let keep = BOOT_BANNER.len() + BOOT_CLEAR_WINDOW + 8;
        self.tail.extend_from_slice(&self.chunk[..n]);
        if let Some(at) = rfind(&self.tail, BOOT_BANNER) {
            let from = at.saturating_sub(BOOT_CLEAR_WINDOW);
            if find(&self.tail[from..at], b"\x1b[2J").is_some() {
                let end = at + BOOT_BANNER.len();
                self.boot_at = Some(self.received - (self.tail.len() - end) as u64);
                // Forget it, so one banner counts once.
                self.tail.drain(..end);
            }
        }
        if self.tail.len() > keep {
            self.tail.drain(..self.tail.len() - keep);
        }
    }

    /// Starts (or, with `false`, stops) watching for a VM restart: while watched, a boot banner
    /// arriving makes [`Line::wait`] fail with [`LineError::Rebooted`].
    pub fn watch_boot(&mut self, on: bool) {
        self.watch_boot = on.then_some(self.received);
    }

    /// True when a boot banner arrived since watching started.
    pub fn rebooted(&self) -> bool {
        matches!((self.watch_boot, self.boot_at), (Some(w), Some(b)) if b > w)
    }

    /// True when a boot banner arrived after the receive count `count` (whether watched or not).
    pub fn booted_since(&self, count: u64) -> bool {
        self.boot_at.is_some_and(|b| b > count)
    }

    /// Reads until `check` returns a value or `timeout` passes. `check` runs once before the
    /// first read, so a condition already met returns at once. `what` names the wait in the error.
    pub fn wait<T>(
        &mut self,
        timeout: Duration,
        what: &str,
        mut check: impl FnMut(&Line) -> Option<T>,
    ) -> Result<T, LineError> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.rebooted() {
                return Err(LineError::Rebooted { what: what.to_string() });
            }
            if let Some(v) = check(self) {
                return Ok(v);
            }
            if Instant::now() >= deadline {
                return Err(LineError::Timeout { secs: timeout.as_secs(), what: what.to_string() });
            }
            self.poll()?;
        }
    }

    /// Reads for `span` or until the line has been quiet for `quiet`, whichever comes first.
    /// Returns the number of bytes that arrived.
    pub fn drain(&mut self, span: Duration, quiet: Duration) -> Result<usize, LineError> {
        let start = Instant::now();
        let mut last = Instant::now();
        let mut total = 0;
        while start.elapsed() < span && last.elapsed() < quiet {
            let n = self.poll()?;
            if n > 0 {
                last = Instant::now();
                total += n;
            }
        }
        Ok(total)
    }

    /// Lets a redraw or paint in progress finish: reads until the line has been quiet for 60 ms
    /// (at most 2 s). A screen read mid-redraw shows the cursor somewhere in the middle.
    pub fn settle(&mut self) -> Result<(), LineError> {
        self.drain(Duration::from_secs(2), Duration::from_millis(60)).map(|_| ())
    }

    /// True when the buffer holds `needle` at or after byte `from`.
    pub fn buf_has(&self, from: usize, needle: &[u8]) -> bool {
        find(&self.buf[from.min(self.buf.len())..], needle).is_some()
    }

    /// The link itself (to hand it back or close it).
    pub fn into_link(self) -> Box<dyn Link> {
        self.link
    }
}

/// The first position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The last position of `needle` in `hay`.
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(hay.len());
    }
    hay.windows(needle.len()).rposition(|w| w == needle)
}
