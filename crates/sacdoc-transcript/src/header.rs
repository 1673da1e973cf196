//! The first line of a transcript: asciicast v2 fields plus a `sacdoc` object saying which target,
//! which simulator profile (if any), when, and which sacdoc version recorded it.

use std::time::SystemTime;

use serde_json::{json, Map, Value};

use super::time;

/// What a transcript's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Console width in columns (SAC paints 80x24).
    pub width: u16,
    pub height: u16,
    /// Unix time of the start (asciicast `timestamp`).
    pub timestamp: Option<u64>,
    /// The target as the user gave it, e.g. `COM1` or `sim:healthy?profile=ws2019`.
    pub target: Option<String>,
    /// The simulator or Windows profile, when known (`ws2019`, ...).
    pub profile: Option<String>,
    /// Start time in UTC, RFC 3339.
    pub started: Option<String>,
    /// Version of sacdoc that recorded it.
    pub sacdoc_version: Option<String>,
    pub title: Option<String>,
}

impl Header {
    /// A header for a session with `target` starting now, 80x24, this sacdoc version. For a
    /// `sim:SCENARIO?profile=P` target the profile is taken from the target.
    pub fn new(target: &str) -> Header {
        let now = SystemTime::now();
        let profile = target
            .strip_prefix("sim:")
            .and_then(|rest| rest.split_once('?'))
            .and_then(|(_, query)| {
                query.split('&').find_map(|kv| kv.strip_prefix("profile=").map(String::from))
            })
            .filter(|p| !p.is_empty());
        Header {
            width: 80,
            height: 24,
            timestamp: Some(time::unix_secs(now)),
            target: Some(target.to_string()),
            profile,
            started: Some(time::rfc3339(now)),
            sacdoc_version: Some(env!("CARGO_PKG_VERSION").to_string()),
            title: Some(format!("sacdoc {target}")),
        }
    }

    /// The same header with a profile.
    pub fn with_profile(mut self, profile: &str) -> Header {
        self.profile = Some(profile.to_string());
        self
    }

    /// The header line (JSON, no newline).
    pub fn to_json(&self) -> String {
        let mut top = Map::new();
        top.insert("version".into(), json!(2));
        top.insert("width".into(), json!(self.width));
        top.insert("height".into(), json!(self.height));
        if let Some(t) = self.timestamp {
            top.insert("timestamp".into(), json!(t));
        }
        if let Some(t) = &self.title {
            top.insert("title".into(), json!(t));
        }
        top.insert("env".into(), json!({"TERM": "vt100"}));
        let mut ours = Map::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                ours.insert(k.into(), json!(v));
            }
        };
        put("version", &self.sacdoc_version);
        put("target", &self.target);
        put("profile", &self.profile);
        put("started", &self.started);
        top.insert("sacdoc".into(), Value::Object(ours));
        Value::Object(top).to_string()
    }

    /// Reads a header line; any asciicast v2 header is accepted, the `sacdoc` part is optional.
    pub fn from_json(line: &str) -> Result<Header, HeaderError> {
        let v: Value = serde_json::from_str(line).map_err(HeaderError::Json)?;
        let obj = v.as_object().ok_or(HeaderError::NotObject)?;
        match obj.get("version").and_then(Value::as_u64) {
            Some(2) => {}
            Some(n) => return Err(HeaderError::Version(n)),
            None => return Err(HeaderError::NoVersion),
        }
        let dim = |k: &'static str| -> Result<u16, HeaderError> {
            obj.get(k)
                .and_then(Value::as_u64)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or(HeaderError::BadField(k))
        };
        let ours = obj.get("sacdoc").and_then(Value::as_object);
        let text = |k: &str| ours.and_then(|o| o.get(k)).and_then(Value::as_str).map(String::from);
        Ok(Header {
            width: dim("width")?,
            height: dim("height")?,
            timestamp: obj.get("timestamp").and_then(Value::as_u64),
            target: text("target"),
            profile: text("profile"),
            started: text("started"),
            sacdoc_version: text("version"),
            title: obj.get("title").and_then(Value::as_str).map(String::from),
        })
    }
}

/// Why a transcript's first line is not a header it can read.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    #[error("the file is empty")]
    Empty,
    /// Not JSON at all (the parser's complaint is part of the message, in parentheses).
    #[error("not a JSON object ({0})")]
    Json(serde_json::Error),
    #[error("not a JSON object")]
    NotObject,
    #[error("asciicast version {0}; only version 2 is read")]
    Version(u64),
    #[error("no asciicast \"version\" field")]
    NoVersion,
    /// A required field (`width`, `height`) is missing or out of range.
    #[error("no valid \"{0}\" field")]
    BadField(&'static str),
}
