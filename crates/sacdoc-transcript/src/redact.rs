//! Takes given texts out of a transcript after the fact: a password typed where no prompt said it
//! was one (`net user NAME Secret1`), a customer's host or user names before a transcript is
//! shared for training. Every occurrence, in what the console sent, what was typed and the
//! markers, becomes stars, one per byte, so timings, lengths and everything else stay as they
//! were and the file still replays up to the redacted bytes.
//!
//! A text split across events (output arrives in pieces) is found all the same: each stream is
//! searched as one, and the stars land in whichever events held its bytes.

use std::io::Write as _;
use std::path::Path;

use super::{code, Event, EventKind, Transcript, TranscriptError};

/// Replaces every occurrence of each of `texts` with stars; returns how many were replaced.
pub fn redact(t: &mut Transcript, texts: &[String]) -> usize {
    let texts: Vec<&[u8]> = texts.iter().map(|s| s.as_bytes()).filter(|s| !s.is_empty()).collect();
    let mut count = 0;
    for output in [true, false] {
        count += redact_stream(&mut t.events, &texts, output);
    }
    for e in &mut t.events {
        if let EventKind::Marker(label) = &mut e.kind {
            for text in &texts {
                let text = String::from_utf8_lossy(text);
                let n = label.matches(text.as_ref()).count();
                if n > 0 {
                    count += n;
                    *label = label.replace(text.as_ref(), &"*".repeat(text.len()));
                }
            }
        }
    }
    count
}

/// One direction (output or input) searched as one byte stream.
fn redact_stream(events: &mut [Event], texts: &[&[u8]], output: bool) -> usize {
    let pick = |k: &EventKind| {
        matches!((k, output), (EventKind::Output(_), true) | (EventKind::Input(_), false))
    };
    // Where each event's bytes start in the joined stream.
    let mut joined = Vec::new();
    let mut spans = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if let (true, EventKind::Output(b) | EventKind::Input(b)) = (pick(&e.kind), &e.kind) {
            spans.push((i, joined.len()));
            joined.extend_from_slice(b);
        }
    }
    let mut starred = vec![false; joined.len()];
    let mut count = 0;
    for text in texts {
        let mut from = 0;
        while let Some(at) = find(&joined[from..], text) {
            let start = from + at;
            starred[start..start + text.len()].iter_mut().for_each(|s| *s = true);
            count += 1;
            // Overlapping occurrences (`abab` in `ababab`) are all starred.
            from = start + 1;
        }
    }
    if count == 0 {
        return 0;
    }
    for (n, &(i, start)) in spans.iter().enumerate() {
        if let EventKind::Output(b) | EventKind::Input(b) = &mut events[i].kind {
            let end = spans.get(n + 1).map_or(joined.len(), |s| s.1);
            for (byte, hidden) in b.iter_mut().zip(&starred[start..end]) {
                if *hidden {
                    *byte = b'*';
                }
            }
        }
    }
    count
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Writes `t` to `path` in the recorder's format, replacing the file at once (a new owner-only
/// file beside it, renamed over it): a failure leaves the old file as it was.
pub fn write(path: &Path, t: &Transcript) -> Result<(), TranscriptError> {
    let io = |action: &'static str| {
        move |source| TranscriptError::Io { action, path: path.to_path_buf(), source }
    };
    let mut text = t.header.to_json();
    text.push('\n');
    for e in &t.events {
        text.push_str(&event_lines(e));
    }
    let tmp = path.with_extension("cast.redacting");
    let _ = std::fs::remove_file(&tmp);
    let mut f = sacdoc_link::owner_only::create_new(&tmp).map_err(io("create"))?;
    f.write_all(text.as_bytes()).map_err(io("write"))?;
    f.sync_all().map_err(io("write"))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io("replace"))
}

/// The line (or, for bytes that are not UTF-8, the two lines) of one event.
fn event_lines(e: &Event) -> String {
    let line = |c: &str, data: serde_json::Value| format!("[{:.6},\"{c}\",{data}]\n", e.time);
    let text = |s: &str| serde_json::Value::String(s.to_string());
    let bytes = |c: &str, b: &[u8]| match std::str::from_utf8(b) {
        Ok(s) => line(c, text(s)),
        Err(_) => {
            use base64::Engine;
            let exact = base64::engine::general_purpose::STANDARD.encode(b);
            line(c, text(&String::from_utf8_lossy(b))) + &line(code::BYTES, text(&exact))
        }
    };
    match &e.kind {
        EventKind::Output(b) => bytes(code::OUTPUT, b),
        EventKind::Input(b) => bytes(code::INPUT, b),
        EventKind::Secret => line(code::SECRET, text("")),
        EventKind::Marker(m) => line(code::MARKER, text(m)),
        EventKind::Other { code, data } => line(code, data.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_split_across_events_is_starred_in_each_and_the_file_reads_back() {
        let text = "{\"version\":2,\"width\":80,\"height\":24}\n[0.1,\"o\",\"net user bob Hun\"]\n[0.2,\"o\",\"ter2 ok\"]\n[0.3,\"i\",\"Hunter2\\r\"]\n[0.4,\"m\",\"run: net user bob Hunter2\"]\n[0.5,\"s\",\"\"]\n";
        let mut t = crate::parse(text).unwrap();
        assert_eq!(redact(&mut t, &["Hunter2".to_string(), String::new()]), 3);
        assert_eq!(t.output(), b"net user bob ******* ok");
        assert_eq!(t.input(), b"*******\r");
        assert_eq!(t.markers(), ["run: net user bob *******"]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.cast");
        write(&path, &t).unwrap();
        let back = crate::read(&path).unwrap();
        assert_eq!(back.events, t.events);
        assert!(!std::fs::read_to_string(&path).unwrap().contains("Hunter2"));
    }
}
