//! Reading transcripts back, with the exact bytes restored from the "b" events.

use std::path::Path;

use base64::Engine;
use serde_json::Value;

use super::{code, Event, EventError, EventKind, Header, HeaderError, Transcript, TranscriptError};

/// Reads the transcript at `path`.
pub fn read(path: &Path) -> Result<Transcript, TranscriptError> {
    let text = std::fs::read_to_string(path).map_err(|source| TranscriptError::Io {
        action: "read",
        path: path.into(),
        source,
    })?;
    parse_named(&text, path)
}

/// Reads a transcript from its text (`path` only names it in errors).
pub fn parse(text: &str) -> Result<Transcript, TranscriptError> {
    parse_named(text, Path::new("<text>"))
}

fn parse_named(text: &str, path: &Path) -> Result<Transcript, TranscriptError> {
    let mut lines = text.split_inclusive('\n').enumerate();
    let header_line = lines.next().map(|(_, l)| l.trim_end()).unwrap_or("");
    if header_line.is_empty() {
        return Err(TranscriptError::Header { path: path.into(), source: HeaderError::Empty });
    }
    let header = Header::from_json(header_line)
        .map_err(|source| TranscriptError::Header { path: path.into(), source })?;
    let mut events: Vec<Event> = Vec::new();
    let mut truncated = false;
    for (i, raw) in lines {
        let line = raw.trim_end();
        if line.is_empty() {
            continue;
        }
        let bad =
            |source: EventError| TranscriptError::Event { path: path.into(), line: i + 1, source };
        match parse_event(line, &mut events) {
            Ok(()) => {}
            // A last line without its newline was being written when the recorder died.
            Err(_) if !raw.ends_with('\n') => truncated = true,
            Err(e) => return Err(bad(e)),
        }
    }
    Ok(Transcript { header, events, truncated })
}

/// Parses one event line and appends it (or, for "b", fixes the previous event's bytes).
fn parse_event(line: &str, events: &mut Vec<Event>) -> Result<(), EventError> {
    let v: Value = serde_json::from_str(line).map_err(EventError::Json)?;
    let arr = v.as_array().ok_or(EventError::NotArray)?;
    let [time, code_, data] = arr.as_slice() else {
        return Err(EventError::Elements(arr.len()));
    };
    let time = time.as_f64().filter(|t| t.is_finite() && *t >= 0.0).ok_or(EventError::Time)?;
    let code_ = code_.as_str().ok_or(EventError::Code)?;
    let text = || data.as_str().ok_or_else(|| EventError::NotText(code_.to_string()));
    let kind = match code_ {
        code::OUTPUT => EventKind::Output(text()?.as_bytes().to_vec()),
        code::INPUT => EventKind::Input(text()?.as_bytes().to_vec()),
        code::MARKER => EventKind::Marker(text()?.to_string()),
        code::SECRET => EventKind::Secret,
        code::BYTES => {
            let exact = base64::engine::general_purpose::STANDARD
                .decode(text()?)
                .map_err(EventError::Base64)?;
            return match events.last_mut().map(|e| &mut e.kind) {
                Some(EventKind::Output(b)) | Some(EventKind::Input(b)) => {
                    *b = exact;
                    Ok(())
                }
                _ => Err(EventError::StrayBytes),
            };
        }
        other => EventKind::Other { code: other.to_string(), data: data.clone() },
    };
    events.push(Event { time, kind });
    Ok(())
}
