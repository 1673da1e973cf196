//! Writing transcripts: [`Recorder`] writes events, [`RecordingLink`] tees a link into one.

use std::fs::File;

use sacdoc_link::owner_only;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;

use super::{code, utf8, Header, TranscriptError};
use sacdoc_link::serial::SerialSettings;
use sacdoc_link::{ControlError, Link};

/// The size a transcript may grow to unless told otherwise: a far end that floods the line must
/// not fill the operator's disk (one flood wrote 160 MB in six seconds).
pub const DEFAULT_CAP: u64 = 64 * 1024 * 1024;

/// The marker written when a transcript reaches its cap; nothing is recorded after it.
pub const CAPPED_MARKER: &str = "sacdoc-transcript-capped";

/// An open transcript file. Every event is written with a single `write` as it happens.
pub struct Recorder {
    file: File,
    path: PathBuf,
    /// Bytes written so far, and the most allowed.
    written: u64,
    cap: u64,
    capped: bool,
    start: Instant,
    /// Incomplete UTF-8 sequence at the end of the last output, held for the next one.
    out_carry: Vec<u8>,
    /// The same for input.
    in_carry: Vec<u8>,
    /// Secrets sent in this session (memory only), whose echoes are starred in the output.
    echoes: super::echo::EchoScrubber,
}

impl Recorder {
    /// Creates the transcript at `path` (and its folder) and writes the header. An existing
    /// non-empty file is never overwritten.
    pub fn create(path: &Path, header: &Header) -> Result<Recorder, TranscriptError> {
        let io_err = |action, source| TranscriptError::Io { action, path: path.into(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            owner_only::create_dir_all(dir).map_err(|e| io_err("create the folder of", e))?;
        }
        // Owner-only when new: a transcript holds everything the console showed.
        let file = owner_only::append(path).map_err(|e| io_err("create", e))?;
        let len = file.metadata().map_err(|e| io_err("inspect", e))?.len();
        if len > 0 {
            return Err(TranscriptError::Exists { path: path.into() });
        }
        Self::start(file, path.into(), header)
    }

    /// Creates a new transcript at [`super::default_path`] for the header's target, adding `-2`,
    /// `-3`, ... when a session with the same target started in the same second.
    pub fn create_default(dir: &Path, header: &Header) -> Result<Recorder, TranscriptError> {
        let base = super::default_path(dir, header.target.as_deref().unwrap_or("session"));
        let stem = base.with_extension("");
        let mut path = base.clone();
        for n in 2..1000 {
            if let Some(dir) = path.parent() {
                owner_only::create_dir_all(dir).map_err(|source| TranscriptError::Io {
                    action: "create the folder of",
                    path: path.clone(),
                    source,
                })?;
            }
            match owner_only::create_new(&path) {
                Ok(file) => return Self::start(file, path, header),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    path = PathBuf::from(format!("{}-{n}.cast", stem.display()));
                }
                Err(source) => return Err(TranscriptError::Io { action: "create", path, source }),
            }
        }
        Err(TranscriptError::Exists { path: base })
    }

    /// Goes on recording at the end of the transcript at `path` (written by [`Recorder::create`]
    /// earlier in this session): after a reconnect the session stays in the one file the user
    /// named. The clock continues from the file's last event, so times keep increasing; a
    /// transcript that reached its cap stays capped.
    pub fn resume(path: &Path) -> Result<Recorder, TranscriptError> {
        let io_err = |action, source| TranscriptError::Io { action, path: path.into(), source };
        let before = crate::read(path)?;
        let last = before.events.last().map_or(0.0, |e| e.time).max(0.0);
        let capped = before
            .events
            .iter()
            .any(|e| matches!(&e.kind, crate::EventKind::Marker(m) if m == CAPPED_MARKER));
        let file = owner_only::append(path).map_err(|e| io_err("open", e))?;
        let written = file.metadata().map_err(|e| io_err("inspect", e))?.len();
        let now = Instant::now();
        Ok(Recorder {
            file,
            path: path.into(),
            written,
            cap: DEFAULT_CAP,
            capped,
            start: now.checked_sub(Duration::from_secs_f64(last)).unwrap_or(now),
            out_carry: Vec::new(),
            in_carry: Vec::new(),
            echoes: Default::default(),
        })
    }

    fn start(file: File, path: PathBuf, header: &Header) -> Result<Recorder, TranscriptError> {
        let mut rec = Recorder {
            file,
            path,
            written: 0,
            cap: DEFAULT_CAP,
            capped: false,
            start: Instant::now(),
            out_carry: Vec::new(),
            in_carry: Vec::new(),
            echoes: Default::default(),
        };
        let line = format!("{}\n", header.to_json());
        rec.write_line(&line)?;
        Ok(rec)
    }

    /// Sets the most bytes the file may hold; past it one marker says so and nothing more is
    /// recorded.
    pub fn set_cap(&mut self, bytes: u64) {
        self.cap = bytes;
    }

    /// Whether the cap was reached.
    pub fn capped(&self) -> bool {
        self.capped
    }

    /// Where the transcript is being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_line(&mut self, line: &str) -> Result<(), TranscriptError> {
        if self.capped {
            return Ok(());
        }
        let mut line = std::borrow::Cow::Borrowed(line);
        if self.written + line.len() as u64 > self.cap && self.written > 0 {
            self.capped = true;
            let note = format!(
                "{CAPPED_MARKER}: the transcript reached its cap of {} bytes; what followed was \
                 not recorded",
                self.cap
            );
            line = std::borrow::Cow::Owned(self.event_line(code::MARKER, &note));
        }
        self.written += line.len() as u64;
        self.file.write_all(line.as_bytes()).map_err(|source| TranscriptError::Io {
            action: "write",
            path: self.path.clone(),
            source,
        })
    }

    fn event_line(&self, code: &str, data: &str) -> String {
        let t = self.start.elapsed().as_secs_f64();
        let data = serde_json::Value::String(data.to_string());
        format!("[{t:.6},\"{code}\",{data}]\n")
    }

    /// Writes one "o"/"i" event for `bytes` plus, when they are not valid UTF-8, the "b" event
    /// with the exact bytes. Both lines go out in one `write`.
    fn write_bytes(&mut self, code_: &str, bytes: &[u8]) -> Result<(), TranscriptError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let line = match std::str::from_utf8(bytes) {
            Ok(text) => self.event_line(code_, text),
            Err(_) => {
                let lossy = String::from_utf8_lossy(bytes);
                let exact = base64::engine::general_purpose::STANDARD.encode(bytes);
                let mut l = self.event_line(code_, &lossy);
                l.push_str(&self.event_line(code::BYTES, &exact));
                l
            }
        };
        self.write_line(&line)
    }

    /// Holds back an incomplete UTF-8 character at the end and writes the rest.
    fn record_stream(&mut self, code_: &str, bytes: &[u8]) -> Result<(), TranscriptError> {
        let carry = if code_ == code::OUTPUT { &mut self.out_carry } else { &mut self.in_carry };
        let mut buf = std::mem::take(carry);
        buf.extend_from_slice(bytes);
        let cut = utf8::incomplete_tail_start(&buf);
        let tail = buf.split_off(cut);
        if code_ == code::OUTPUT {
            self.out_carry = tail;
        } else {
            self.in_carry = tail;
        }
        self.write_bytes(code_, &buf)
    }

    /// Records bytes received from the console (an echo of a secret sent starred).
    pub fn output(&mut self, bytes: &[u8]) -> Result<(), TranscriptError> {
        if self.echoes.is_empty() {
            return self.record_stream(code::OUTPUT, bytes);
        }
        let clean = self.echoes.scrub(bytes);
        self.record_stream(code::OUTPUT, &clean)
    }

    /// Remembers (in memory only) bytes of a secret being sent, so their echo is never written.
    pub fn secret_bytes(&mut self, bytes: &[u8]) {
        self.echoes.typed(bytes);
    }

    /// The secret being sent is complete.
    pub fn secret_done(&mut self) {
        self.echoes.end();
    }

    /// Records bytes sent to the console.
    pub fn input(&mut self, bytes: &[u8]) -> Result<(), TranscriptError> {
        self.release_held_output()?;
        self.record_stream(code::INPUT, bytes)
    }

    /// Writes the output held back as a possible start of an echo, so that no event of another
    /// kind is recorded before output that came before it.
    fn release_held_output(&mut self) -> Result<(), TranscriptError> {
        let held = self.echoes.flush();
        if held.is_empty() {
            return Ok(());
        }
        self.record_stream(code::OUTPUT, &held)
    }

    /// Records that something secret was sent, without its content or length.
    pub fn secret(&mut self) -> Result<(), TranscriptError> {
        self.release_held_output()?;
        let held = std::mem::take(&mut self.in_carry);
        self.write_bytes(code::INPUT, &held)?;
        let line = self.event_line(code::SECRET, "");
        self.write_line(&line)
    }

    /// Records a named marker (for example the command about to run).
    pub fn marker(&mut self, label: &str) -> Result<(), TranscriptError> {
        self.release_held_output()?;
        let line = self.event_line(code::MARKER, label);
        self.write_line(&line)
    }

    /// Writes any held-back partial character and closes the file.
    pub fn finish(mut self) -> Result<(), TranscriptError> {
        self.flush_carries()
    }

    fn flush_carries(&mut self) -> Result<(), TranscriptError> {
        let held = self.echoes.flush();
        self.out_carry.extend_from_slice(&held);
        let out = std::mem::take(&mut self.out_carry);
        self.write_bytes(code::OUTPUT, &out)?;
        let inp = std::mem::take(&mut self.in_carry);
        self.write_bytes(code::INPUT, &inp)
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.flush_carries();
    }
}

/// A tee around a link: every byte read and written goes into the transcript; `set_secret` and
/// `mark` are recorded and passed on to the inner link.
///
/// A failing transcript (disk full) never breaks the session: recording stops, the link goes on,
/// and [`RecordingLink::recording_error`] tells the caller.
pub struct RecordingLink<L: Link> {
    inner: L,
    rec: Option<Recorder>,
    path: Option<PathBuf>,
    secret: bool,
    /// A redaction marker was already written for the current secret stretch.
    secret_recorded: bool,
    /// Recording is paused: bytes pass through unrecorded (see [`Link::pause_recording`]).
    paused: bool,
    error: Option<TranscriptError>,
}

impl<L: Link> RecordingLink<L> {
    /// Records `inner` into `recorder`.
    pub fn new(inner: L, recorder: Recorder) -> Self {
        let path = Some(recorder.path().to_path_buf());
        RecordingLink {
            inner,
            rec: Some(recorder),
            path,
            secret: false,
            secret_recorded: false,
            paused: false,
            error: None,
        }
    }

    /// The same type without recording (`--no-record`), so callers need one code path.
    pub fn unrecorded(inner: L) -> Self {
        RecordingLink {
            inner,
            rec: None,
            path: None,
            secret: false,
            secret_recorded: false,
            paused: false,
            error: None,
        }
    }

    /// Where the transcript goes (`None` when not recording).
    pub fn transcript_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The error that stopped the recording, if any.
    pub fn recording_error(&self) -> Option<&TranscriptError> {
        self.error.as_ref()
    }

    pub fn inner(&self) -> &L {
        &self.inner
    }

    pub fn inner_mut(&mut self) -> &mut L {
        &mut self.inner
    }

    /// Ends the recording (writing held-back bytes) and gives back the link and the outcome.
    pub fn finish(mut self) -> (L, Result<(), TranscriptError>) {
        let outcome = match (self.rec.take(), self.error.take()) {
            (_, Some(e)) => Err(e),
            (Some(rec), None) => rec.finish(),
            (None, None) => Ok(()),
        };
        (self.inner, outcome)
    }

    fn record(&mut self, f: impl FnOnce(&mut Recorder) -> Result<(), TranscriptError>) {
        if let Some(rec) = self.rec.as_mut() {
            if let Err(e) = f(rec) {
                self.rec = None;
                self.error = Some(e);
            }
        }
    }
}

impl<L: Link> Read for RecordingLink<L> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 && !self.paused {
            self.record(|r| r.output(&buf[..n]));
        }
        Ok(n)
    }
}

impl<L: Link> Write for RecordingLink<L> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        // While paused nothing is written, but a secret is still remembered (in memory only),
        // so its echo is starred should it come after the resume.
        if n > 0 {
            if self.secret {
                if !self.secret_recorded {
                    self.secret_recorded = true;
                    if !self.paused {
                        self.record(Recorder::secret);
                    }
                }
                if let Some(rec) = self.rec.as_mut() {
                    rec.secret_bytes(&buf[..n]);
                }
            } else {
                // Only ordinary input ends a secret: a password sent in several pieces (pauses
                // before repeated keys) is still one `s` event, so the transcript does not tell
                // where its repeated characters are, and one secret whose echo is starred.
                if self.secret_recorded {
                    if let Some(rec) = self.rec.as_mut() {
                        rec.secret_done();
                    }
                }
                self.secret_recorded = false;
                if !self.paused {
                    self.record(|r| r.input(&buf[..n]));
                }
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<L: Link> Link for RecordingLink<L> {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn set_secret(&mut self, on: bool) {
        self.secret = on;
        self.inner.set_secret(on);
    }

    fn mark(&mut self, label: &str) {
        // A command's marker names what was typed: not written while paused either.
        if !self.paused {
            self.record(|r| r.marker(label));
        }
        self.inner.mark(label);
    }

    fn reconnects(&self) -> Option<u64> {
        self.inner.reconnects()
    }

    /// Writes `recording paused` and stops recording, or `recording resumed` and goes on, in
    /// the same file.
    fn pause_recording(&mut self, paused: bool) -> bool {
        if self.rec.is_none() && self.error.is_none() {
            return false;
        }
        if paused == self.paused {
            return true;
        }
        if paused {
            self.record(|r| r.marker("recording paused"));
            self.paused = true;
        } else {
            self.paused = false;
            self.record(|r| r.marker("recording resumed"));
        }
        true
    }

    /// Passes the break on and, once sent, marks it in the recording (`break 500 ms`), so a
    /// replay shows where the console was signalled.
    fn send_break(&mut self, duration: Duration) -> Result<(), ControlError> {
        self.inner.send_break(duration)?;
        let label = format!("break {} ms", duration.as_millis());
        if !self.paused {
            self.record(|r| r.marker(&label));
        }
        Ok(())
    }

    fn line_settings(&self) -> Option<SerialSettings> {
        self.inner.line_settings()
    }

    /// Passes the change on and, once made, marks it (`line settings 9600 7E1 flow none`):
    /// output after it may look different for that reason alone.
    fn set_line_settings(&mut self, settings: &SerialSettings) -> Result<(), ControlError> {
        self.inner.set_line_settings(settings)?;
        let label = format!("line settings {settings}");
        if !self.paused {
            self.record(|r| r.marker(&label));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resumed recording appends to the same file, after a header written once, with times
    /// that keep increasing from the file's last event.
    #[test]
    fn resume_appends_to_the_same_file_with_a_continuing_clock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.cast");
        let mut rec = Recorder::create(&path, &Header::new("test")).unwrap();
        rec.output(b"first\r\n").unwrap();
        rec.finish().unwrap();
        let mut rec = Recorder::resume(&path).unwrap();
        rec.marker("link reopened").unwrap();
        rec.output(b"second").unwrap();
        rec.finish().unwrap();
        let raw = std::fs::read_to_string(&path).unwrap();
        assert_eq!(raw.lines().filter(|l| l.starts_with('{')).count(), 1, "one header:\n{raw}");
        let t = crate::read(&path).unwrap();
        assert_eq!(t.output(), b"first\r\nsecond");
        assert_eq!(t.markers(), ["link reopened"]);
        assert!(t.events.windows(2).all(|w| w[0].time <= w[1].time));
        // A file that is not a transcript is not continued.
        std::fs::write(dir.path().join("x.cast"), "not json\n").unwrap();
        assert!(Recorder::resume(&dir.path().join("x.cast")).is_err());
    }

    /// Output held back as a possible start of an echo is written before the next input, so a
    /// replay still gives each echo before the key that waited for it.
    #[test]
    fn held_output_never_moves_past_the_next_input() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.cast");
        let mut rec = Recorder::create(&path, &Header::new("test")).unwrap();
        rec.secret().unwrap();
        rec.secret_bytes(b"Swordfish");
        rec.secret_done();
        rec.output(b"C:\\>Sw").unwrap();
        rec.input(b"x").unwrap();
        rec.output(b"ordfish and more").unwrap();
        rec.finish().unwrap();
        let t = crate::read(&path).unwrap();
        let kinds: Vec<String> = t
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                crate::EventKind::Output(b) => Some(format!("o:{}", String::from_utf8_lossy(b))),
                crate::EventKind::Input(b) => Some(format!("i:{}", String::from_utf8_lossy(b))),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, ["o:C:\\>", "o:Sw", "i:x", "o:ordfish and more"]);
    }
}
