//! Places the graded events in the session's transcript as markers (`grade: ...`), at the time
//! the VM ran the line each is about, so `sacdoc replay` jumps from one to the next.

use std::path::Path;

use super::grade::Item;
use crate::transcript::{Event, EventKind};

/// The marker label of a graded item: `grade: LOST missing-backup: changed ...`.
pub fn label(item: &Item) -> String {
    let verdict = if item.lost > 0 { format!("-{}", item.lost) } else { "ok".into() };
    let kind = serde_json::to_value(item.kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    format!("grade {verdict} {kind}: {}", item.what)
}

/// Rewrites the transcript at `path` with a marker for every item: at the time its command ran
/// (`stamps[index]`, seconds since the recording began), or at the end for items about the final
/// state. Returns how many markers were written.
pub fn write(path: &Path, items: &[Item], stamps: &[f64]) -> anyhow::Result<usize> {
    let marks: Vec<(Option<f64>, String)> = items
        .iter()
        .map(|item| (item.index.and_then(|i| stamps.get(i).copied()), label(item)))
        .collect();
    insert(path, &marks)
}

/// Rewrites the transcript at `path` (at once: a failure leaves it as it was) with markers at the
/// given times in seconds since the recording began (`None`, or past the end: at the end), after
/// the events of the same time. Returns how many were written.
pub fn insert(path: &Path, marks: &[(Option<f64>, String)]) -> anyhow::Result<usize> {
    let mut t = crate::transcript::read(path)?;
    let end = t.events.last().map(|e| e.time).unwrap_or(0.0);
    for (time, label) in marks {
        let time = time.unwrap_or(end).clamp(0.0, end);
        let at = t.events.partition_point(|e| e.time <= time);
        t.events.insert(at, Event { time, kind: EventKind::Marker(label.clone()) });
    }
    crate::transcript::redact::write(path, &t)?;
    Ok(marks.len())
}
