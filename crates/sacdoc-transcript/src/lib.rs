//! Session transcripts as asciicast v2: a recorder that tees any link ([`RecordingLink`]), and a
//! reader ([`read`]) that gives back the exact bytes.
//!
//! Every session is recorded so a support engineer can show what happened on the console and a
//! test can replay it. The file is a standard asciicast v2 file (any asciinema player shows it),
//! with a few additions players ignore:
//!
//! ```text
//! {"version":2,"width":80,"height":24,"timestamp":1764093630,"title":"sacdoc COM1",
//!  "sacdoc":{"version":"0.1.0","target":"COM1","profile":"ws2019","started":"2025-11-25T18:00:30Z"}}
//! [0.104211,"o","\r\nSAC>"]             bytes received from the console (UTF-8 text)
//! [0.200000,"m","cmd: netstat -ano"]    a marker naming the command about to run
//! [0.200317,"i","netstat -ano\r"]       bytes sent to the console
//! [0.350000,"s",""]                     something secret (a password) was sent: no content, no length
//! [0.400002,"o","caf\ufffd"]            bytes that are not valid UTF-8: the lossy text for players,
//! [0.400002,"b","Y2Fm6Q=="]             then the exact bytes in base64 (code "b"), which the reader
//!                                       puts back in place of the text
//! ```
//!
//! Each event is written with one `write` call as soon as it happens, so a crash loses at most the
//! up to 3 bytes of a UTF-8 character still being received.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

use std::path::PathBuf;

mod echo;
mod header;
mod reader;
mod recorder;
pub mod redact;
pub mod replay;
mod time;
mod utf8;

pub use header::{Header, HeaderError};
pub use reader::{parse, read};
pub use recorder::{Recorder, RecordingLink, CAPPED_MARKER, DEFAULT_CAP as DEFAULT_TRANSCRIPT_CAP};

/// Event codes used in the file.
pub mod code {
    /// Bytes received from the console (asciicast standard "o").
    pub const OUTPUT: &str = "o";
    /// Bytes sent to the console (asciicast standard "i").
    pub const INPUT: &str = "i";
    /// A marker (asciicast standard "m"); sacdoc writes one before each command.
    pub const MARKER: &str = "m";
    /// The exact bytes of the previous "o" or "i" event, base64, when they are not valid UTF-8.
    pub const BYTES: &str = "b";
    /// A redaction: secret bytes were sent here.
    pub const SECRET: &str = "s";
}

/// What happened at one moment of the session.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// Bytes received from the console.
    Output(Vec<u8>),
    /// Bytes sent to the console.
    Input(Vec<u8>),
    /// Secret bytes (a password) were sent; they were not recorded.
    Secret,
    /// A named marker, for example the command about to run.
    Marker(String),
    /// An event of another kind (a resize from another recorder, ...), kept as found.
    Other { code: String, data: serde_json::Value },
}

/// One event of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Seconds since the start of the recording.
    pub time: f64,
    pub kind: EventKind,
}

/// A transcript read back from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub header: Header,
    pub events: Vec<Event>,
    /// The last line was cut short (the recorder was killed while writing it) and was left out.
    pub truncated: bool,
}

impl Transcript {
    /// All bytes received from the console, in order.
    pub fn output(&self) -> Vec<u8> {
        self.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Output(b) => Some(b.as_slice()),
                _ => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    /// All bytes sent to the console, in order (secrets are not there).
    pub fn input(&self) -> Vec<u8> {
        self.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Input(b) => Some(b.as_slice()),
                _ => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    /// The marker labels, in order.
    pub fn markers(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Marker(m) => Some(m.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Reading or writing a transcript failed.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    #[error("cannot {action} transcript {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "transcript {path} already exists and is not empty; choose another --record path or \
         remove the file"
    )]
    Exists { path: PathBuf },
    #[error("transcript {path}: bad header")]
    Header {
        path: PathBuf,
        #[source]
        source: HeaderError,
    },
    #[error("transcript {path}, line {line}")]
    Event {
        path: PathBuf,
        line: usize,
        #[source]
        source: EventError,
    },
}

/// Why an event line of a transcript cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// Not JSON at all (the parser's complaint is part of the message, in parentheses).
    #[error("not JSON ({0})")]
    Json(serde_json::Error),
    #[error("an event must be a JSON array [time, code, data]")]
    NotArray,
    #[error("an event has 3 elements, this one has {0}")]
    Elements(usize),
    #[error("bad event time")]
    Time,
    #[error("the event code is not a string")]
    Code,
    /// The data of an event with this code must be a string.
    #[error("the data of a {0:?} event is not text")]
    NotText(String),
    #[error("bad base64 in a \"b\" event ({0})")]
    Base64(base64::DecodeError),
    #[error("a \"b\" event must follow an \"o\" or \"i\" event")]
    StrayBytes,
}

/// The file a session with `target` is recorded to when no `--record PATH` is given:
/// `DIR/YYYY-MM-DD_HH-MM-SSZ_TARGET.cast` (UTC; the target made file-name safe), where `dir` is
/// the transcripts folder the binary resolved. [`Recorder::create_default`] picks a free name from
/// it.
pub fn default_path(dir: &std::path::Path, target: &str) -> PathBuf {
    let key = sacdoc_link::file_key::file_key(target, 60);
    let stamp = time::file_stamp(std::time::SystemTime::now());
    dir.join(format!("{stamp}_{key}.cast"))
}
