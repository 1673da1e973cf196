//! `replay:FILE`: a recorded transcript acting as the VM. It sends the recorded output as the
//! client sends the recorded input, so the same client code that made a recording can be run
//! against it again without Windows, and stops with an error naming the difference when the client
//! sends something else.
//!
//! Matching follows the bytes, not the timing: the client's input is compared with the recorded
//! input as one stream (however the client splits its writes), and each recorded output chunk is
//! released once all input recorded before it has been received. While the client has
//! `set_secret(true)` on, whatever it writes until its next ordinary input matches one recorded
//! redaction marker.

use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::{EventKind, Transcript, TranscriptError};
use sacdoc_link::{no_data, Link, READ_TIMEOUT};

/// How fast the recorded output comes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// As fast as the client reads (tests, `sacdoc doctor replay:FILE`).
    AsFastAsRead,
    /// With the recorded delays divided by `speed` (1.0 = as recorded), for watching a session.
    Recorded { speed: f64 },
}

/// Options of a replay.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Sizes of successive reads, cycled (a read never returns more than the next size). Empty:
    /// as much as the caller's buffer holds. Lets a test cut the output at every offset.
    pub chunk_sizes: Vec<usize>,
    pub pace: Pace,
    /// Pause before answering "no data yet" while the replay waits for the client's input, so a
    /// polling client does not spin. Zero is allowed.
    pub idle_wait: Duration,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            chunk_sizes: Vec::new(),
            pace: Pace::AsFastAsRead,
            idle_wait: Duration::from_millis(1),
        }
    }
}

/// One piece of recorded input the client must send.
#[derive(Debug, Clone)]
enum Expect {
    /// `start` is the offset of the first byte in the whole recorded input stream.
    Bytes {
        data: Vec<u8>,
        start: u64,
        time: f64,
    },
    Secret {
        time: f64,
    },
}

impl Expect {
    fn time(&self) -> f64 {
        match self {
            Expect::Bytes { time, .. } | Expect::Secret { time } => *time,
        }
    }
}

/// One piece of recorded output, released once the client has sent `gate` pieces of input.
#[derive(Debug, Clone)]
struct Chunk {
    data: Vec<u8>,
    gate: usize,
    time: f64,
}

/// The client sent something the recording did not.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "replay of {source_name} diverged at input byte {offset}{marker}: the recording expects \
     {expected} but the client sent {got}; recorded input just before: {before}; last output \
     the client saw: {seen}"
)]
pub struct ReplayMismatch {
    pub source_name: String,
    /// Offset in the recorded input stream (secret stretches count as zero bytes).
    pub offset: u64,
    /// ` (after marker "...")` or empty.
    pub marker: String,
    pub expected: String,
    pub got: String,
    pub before: String,
    pub seen: String,
}

/// A transcript played back as the VM.
pub struct ReplayLink {
    name: String,
    opts: ReplayOptions,
    expects: Vec<Expect>,
    chunks: Vec<Chunk>,
    /// Markers as (number of input pieces before them, label), for error context.
    markers: Vec<(usize, String)>,
    /// Client position: index into `expects` and byte offset inside it.
    item: usize,
    off: usize,
    secret: bool,
    /// The current secret (every secret write since the last ordinary input) has already matched
    /// its redaction marker.
    secret_matched: bool,
    /// Output position: index into `chunks` and byte offset inside it.
    out_idx: usize,
    out_off: usize,
    /// Index into `opts.chunk_sizes` of the next read.
    read_no: usize,
    /// Output delivered so far, last few bytes only, for error context.
    seen_tail: Vec<u8>,
    /// Wall-clock instant and recording time that line up (for [`Pace::Recorded`]).
    anchor: (Instant, f64),
    failed: Option<ReplayMismatch>,
}

const CONTEXT: usize = 40;

/// `"abc\r\n"` with control and non-ASCII bytes escaped.
fn quote(bytes: &[u8]) -> String {
    format!("\"{}\"", bytes.escape_ascii())
}

impl ReplayLink {
    /// Loads the transcript at `path`.
    pub fn open(path: &Path, opts: ReplayOptions) -> Result<ReplayLink, TranscriptError> {
        let t = crate::read(path)?;
        Ok(Self::from_transcript(&t, format!("replay:{}", path.display()), opts))
    }

    /// Plays `t`; `name` is what [`Link::describe`] reports and errors name.
    pub fn from_transcript(t: &Transcript, name: String, opts: ReplayOptions) -> ReplayLink {
        let mut expects = Vec::new();
        let mut chunks = Vec::new();
        let mut markers = Vec::new();
        let mut input_len = 0u64;
        for e in &t.events {
            match &e.kind {
                EventKind::Output(b) if !b.is_empty() => {
                    chunks.push(Chunk { data: b.clone(), gate: expects.len(), time: e.time })
                }
                EventKind::Input(b) if !b.is_empty() => {
                    expects.push(Expect::Bytes { data: b.clone(), start: input_len, time: e.time });
                    input_len += b.len() as u64;
                }
                EventKind::Secret => expects.push(Expect::Secret { time: e.time }),
                EventKind::Marker(m) => markers.push((expects.len(), m.clone())),
                _ => {}
            }
        }
        ReplayLink {
            name,
            opts,
            expects,
            chunks,
            markers,
            item: 0,
            off: 0,
            secret: false,
            secret_matched: false,
            out_idx: 0,
            out_off: 0,
            read_no: 0,
            seen_tail: Vec::new(),
            anchor: (Instant::now(), 0.0),
            failed: None,
        }
    }

    /// True when all recorded input has been received and all recorded output delivered.
    pub fn is_finished(&self) -> bool {
        self.item >= self.expects.len() && self.out_idx >= self.chunks.len()
    }

    /// Recorded input bytes the client has not sent yet (secrets count as zero).
    pub fn remaining_input(&self) -> u64 {
        let total: u64 = self
            .expects
            .iter()
            .map(|e| match e {
                Expect::Bytes { data, .. } => data.len() as u64,
                Expect::Secret { .. } => 0,
            })
            .sum();
        total - self.input_offset()
    }

    /// The mismatch that stopped the replay, if any.
    pub fn mismatch(&self) -> Option<&ReplayMismatch> {
        self.failed.as_ref()
    }

    fn input_offset(&self) -> u64 {
        let next_start = |i: usize| {
            self.expects[i..].iter().find_map(|e| match e {
                Expect::Bytes { start, .. } => Some(*start),
                Expect::Secret { .. } => None,
            })
        };
        match self.expects.get(self.item) {
            Some(Expect::Bytes { start, .. }) => start + self.off as u64,
            Some(Expect::Secret { .. }) => {
                next_start(self.item).unwrap_or_else(|| self.input_len())
            }
            None => self.input_len(),
        }
    }

    fn input_len(&self) -> u64 {
        self.expects
            .iter()
            .rev()
            .find_map(|e| match e {
                Expect::Bytes { data, start, .. } => Some(start + data.len() as u64),
                Expect::Secret { .. } => None,
            })
            .unwrap_or(0)
    }

    /// What the client should send next, for error messages.
    fn expected_preview(&self) -> String {
        let mut out = Vec::new();
        let mut off = self.off;
        for e in self.expects.iter().skip(self.item) {
            match e {
                Expect::Secret { .. } if out.is_empty() => return "a secret (password)".into(),
                Expect::Secret { .. } => break,
                Expect::Bytes { data, .. } => out.extend_from_slice(&data[off..]),
            }
            off = 0;
            if out.len() >= CONTEXT {
                break;
            }
        }
        if out.is_empty() {
            return "nothing more (the recording ends here)".into();
        }
        out.truncate(CONTEXT);
        quote(&out)
    }

    fn before_preview(&self) -> String {
        let mut out: Vec<u8> = Vec::new();
        for e in self.expects.iter().take(self.item) {
            match e {
                Expect::Bytes { data, .. } => out.extend_from_slice(data),
                Expect::Secret { .. } => out.extend_from_slice(b"<secret>"),
            }
        }
        if let Some(Expect::Bytes { data, .. }) = self.expects.get(self.item) {
            out.extend_from_slice(&data[..self.off]);
        }
        quote(&out[out.len().saturating_sub(CONTEXT)..])
    }

    fn fail(&mut self, got: String) -> io::Error {
        let marker = self
            .markers
            .iter()
            .rev()
            .find(|(at, _)| *at <= self.item)
            .map(|(_, m)| format!(" (after marker {m:?})"))
            .unwrap_or_default();
        let m = ReplayMismatch {
            source_name: self.name.clone(),
            offset: self.input_offset(),
            marker,
            expected: self.expected_preview(),
            got,
            before: self.before_preview(),
            seen: quote(&self.seen_tail),
        };
        self.failed = Some(m.clone());
        io::Error::new(io::ErrorKind::InvalidData, m)
    }

    /// The client finished a piece of input: later output is timed from now.
    fn advance_item(&mut self) {
        let t = self.expects.get(self.item).map(Expect::time).unwrap_or(0.0);
        self.item += 1;
        self.off = 0;
        self.anchor = (Instant::now(), t);
    }

    fn match_plain(&mut self, buf: &[u8]) -> io::Result<()> {
        // Ordinary input ends the secret stretch: the next secret needs its own `s` event.
        self.secret_matched = false;
        for (k, &b) in buf.iter().enumerate() {
            let got = || quote(&buf[k..buf.len().min(k + CONTEXT)]);
            match self.expects.get(self.item) {
                None => return Err(self.fail(got())),
                Some(Expect::Secret { .. }) => return Err(self.fail(got())),
                Some(Expect::Bytes { data, .. }) => {
                    if data[self.off] != b {
                        return Err(self.fail(got()));
                    }
                    self.off += 1;
                    if self.off == data.len() {
                        self.advance_item();
                    }
                }
            }
        }
        Ok(())
    }

    fn match_secret(&mut self) -> io::Result<()> {
        // A secret sent in several pieces, with no ordinary input between them, is one recorded
        // secret (the recorder writes it so).
        if self.secret_matched {
            return Ok(());
        }
        match self.expects.get(self.item) {
            Some(Expect::Secret { .. }) => {
                self.advance_item();
                self.secret_matched = true;
                Ok(())
            }
            _ => Err(self.fail("a secret (password)".into())),
        }
    }

    /// When the chunk at `out_idx` is due under [`Pace::Recorded`].
    fn due(&self, chunk: &Chunk) -> Option<Instant> {
        match self.opts.pace {
            Pace::AsFastAsRead => None,
            Pace::Recorded { speed } => {
                let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
                let delay = ((chunk.time - self.anchor.1) / speed).max(0.0);
                Some(self.anchor.0 + Duration::from_secs_f64(delay.min(3600.0)))
            }
        }
    }

    fn next_limit(&mut self, buf_len: usize) -> usize {
        let sizes = &self.opts.chunk_sizes;
        if sizes.is_empty() {
            return buf_len;
        }
        let n = sizes[self.read_no % sizes.len()].max(1);
        n.min(buf_len)
    }
}

impl Read for ReplayLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(m) = &self.failed {
            return Err(io::Error::new(io::ErrorKind::InvalidData, m.clone()));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let limit = self.next_limit(buf.len());
        let mut n = 0;
        let mut wait_until = None;
        while n < limit {
            let Some(chunk) = self.chunks.get(self.out_idx) else { break };
            if self.item < chunk.gate {
                break;
            }
            if let Some(due) = self.due(chunk) {
                if due > Instant::now() {
                    wait_until = Some(due);
                    break;
                }
            }
            let take = (limit - n).min(chunk.data.len() - self.out_off);
            buf[n..n + take].copy_from_slice(&chunk.data[self.out_off..self.out_off + take]);
            n += take;
            self.out_off += take;
            if self.out_off == chunk.data.len() {
                self.out_idx += 1;
                self.out_off = 0;
            }
        }
        if n > 0 {
            self.read_no += 1;
            self.seen_tail.extend_from_slice(&buf[..n]);
            let cut = self.seen_tail.len().saturating_sub(CONTEXT);
            self.seen_tail.drain(..cut);
            return Ok(n);
        }
        if self.is_finished() {
            return Ok(0);
        }
        let pause = match wait_until {
            Some(due) => due.saturating_duration_since(Instant::now()).min(READ_TIMEOUT),
            None => self.opts.idle_wait,
        };
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
        Err(no_data())
    }
}

impl Write for ReplayLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(m) = &self.failed {
            return Err(io::Error::new(io::ErrorKind::InvalidData, m.clone()));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        if self.secret {
            self.match_secret()?;
        } else {
            self.match_plain(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Link for ReplayLink {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn set_secret(&mut self, on: bool) {
        self.secret = on;
    }
}
