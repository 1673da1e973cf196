//! The doctor's results in a replay, placed where they happened in the transcript so they appear
//! as they did.
//!
//! Two sources, best first:
//! - Transcripts of a doctor run carry the results as markers ([`FINDING`], [`OUTPUT`], [`FIX`]),
//!   written by the doctor as each check, command and fix finished (the text UI's and, since
//!   results became markers, `sacdoc doctor`'s): shown at once, nothing is computed again.
//! - Older transcripts of a doctor run (without those markers) are diagnosed again: the same
//!   doctor runs against the transcript acting as the VM ([`ReplayLink`]), and each result is
//!   placed at the `run: COMMAND` marker of the command it waited for. A transcript that is not a
//!   doctor run (or diverges) gives what could be replayed, possibly nothing.

use std::time::Duration;

use super::event::DoctorProgress;
use crate::doctor::{self, RunOptions};
use crate::sac::{Credentials, Secret, Session, SessionOptions};
use crate::transcript::replay::{ReplayLink, ReplayOptions};
use crate::transcript::{EventKind, Transcript};

pub use crate::doctor::recorded::{Recorded, FINDING, FIX, OUTPUT};

/// A result and the index of the transcript event after which it appears.
pub type Placed = Vec<(usize, DoctorProgress)>;

/// Results recorded as markers by the TUI.
pub fn from_markers(tr: &Transcript) -> Placed {
    let mut out = Vec::new();
    for (i, e) in tr.events.iter().enumerate() {
        let EventKind::Marker(m) = &e.kind else { continue };
        match Recorded::from_label(m) {
            Some(Recorded::Finding(f)) => {
                out.push((i, DoctorProgress::CheckStarted(f.id)));
                out.push((i, DoctorProgress::CheckFinished(f)));
            }
            Some(Recorded::Output(output)) => {
                let p =
                    DoctorProgress::CommandFinished { check: String::new(), output, cached: false };
                out.push((i, p));
            }
            Some(Recorded::Fix(o)) => out.push((i, DoctorProgress::FixFinished(o))),
            None => {}
        }
    }
    out
}

/// How many characters the recorded password had: the `*` the console echoed for it (the
/// password itself was never recorded). A stand-in of that length types and echoes the same.
fn recorded_password_len(tr: &Transcript) -> usize {
    let Some(at) = tr.events.iter().position(|e| e.kind == EventKind::Secret) else { return 0 };
    let mut n = 0;
    for e in &tr.events[at + 1..] {
        match &e.kind {
            EventKind::Output(b) => n += b.iter().filter(|c| **c == b'*').count(),
            EventKind::Input(_) => break,
            _ => {}
        }
    }
    n
}

/// The user and domain typed at the recorded login (the password was never recorded).
fn recorded_login(tr: &Transcript) -> Option<(String, String)> {
    let start =
        tr.events.iter().position(|e| matches!(&e.kind, EventKind::Marker(m) if m == "login"))?;
    let mut typed = Vec::new();
    for e in &tr.events[start..] {
        match &e.kind {
            EventKind::Input(b) => typed.extend_from_slice(b),
            EventKind::Secret => break,
            _ => {}
        }
    }
    let mut fields = Vec::new();
    let mut cur = String::new();
    for c in String::from_utf8_lossy(&typed).chars() {
        match c {
            '\r' => fields.push(std::mem::take(&mut cur)),
            '\x08' | '\x7f' => {
                cur.pop();
            }
            c if !c.is_control() => cur.push(c),
            _ => {}
        }
    }
    let user = fields.first()?.clone();
    Some((user, fields.get(1).cloned().unwrap_or_default()))
}

/// Diagnoses again with the transcript acting as the VM; results placed at `run:` markers.
pub fn rerun(tr: &Transcript, name: &str) -> Placed {
    let Some((user, domain)) = recorded_login(tr) else { return Vec::new() };
    let link = ReplayLink::from_transcript(tr, format!("replay:{name}"), ReplayOptions::default());
    let opts = SessionOptions {
        credentials: Credentials {
            user,
            domain,
            // Any text of the recorded length: the replay matches a secret by its place, not its
            // content. Alternating keys, so no pause for a debounce is spent on it.
            password: Secret::new(
                "xy".chars().cycle().take(recorded_password_len(tr).max(1)).collect::<String>(),
            ),
        },
        keep_channel: true,
        timeout: Duration::from_secs(5),
        max_time: None,
        output_limit: 64 * 1024 * 1024,
        profile: None,
        transcript: None,
        cancel: None,
    };
    let mut events: Vec<DoctorProgress> = Vec::new();
    if let Ok(mut s) = Session::attach(Box::new(link), opts) {
        let mut observer = |e: &doctor::Event<'_>| {
            // Fixes are not replayed: the recording's own results are what a replay shows.
            if matches!(e, doctor::Event::FixStarted { .. } | doctor::Event::FixFinished { .. }) {
                return;
            }
            let p = DoctorProgress::from_event(e);
            events.push(p);
        };
        // Keyed apart from the recorded target, so a replay never touches its follow-ups.
        let run = RunOptions::new(
            &format!("replay:{name}"),
            crate::paths::target_dir(&format!("replay:{name}")),
        );
        if let Err(e) = doctor::run(&mut s, &run, &mut observer, &mut doctor::Yes) {
            super::log(&format!("replay {name}: the diagnosis stopped: {e}"));
        }
    }
    place(tr, events)
}

/// Places each event at the marker of the command it waited for: a command's start at its own
/// `run:` marker, everything after it at the next command's marker (or the end).
fn place(tr: &Transcript, events: Vec<DoctorProgress>) -> Placed {
    let runs: Vec<usize> = tr
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(&e.kind, EventKind::Marker(m) if m.starts_with("run: ")))
        .map(|(i, _)| i)
        .collect();
    let end = tr.events.len().saturating_sub(1);
    let mut k = 0; // commands started so far
    let mut out = Vec::new();
    for p in events {
        let at = match &p {
            DoctorProgress::CommandStarted { .. } => {
                k += 1;
                runs.get(k - 1).copied().unwrap_or(end)
            }
            // What follows a command is known once the next one starts (or at the end).
            _ => runs.get(k).copied().unwrap_or(end),
        };
        out.push((at, p));
    }
    out
}

/// The results of a transcript: recorded markers if any, else a new diagnosis over it.
pub fn results(tr: &Transcript, name: &str) -> Placed {
    let marked = from_markers(tr);
    if !marked.is_empty() {
        return marked;
    }
    rerun(tr, name)
}
