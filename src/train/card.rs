//! The report card: the grade, the exercise revealed, and the cost next to the doctor's, as text
//! for people and as JSON (`--json`).

use std::fmt::Write;

use serde::Serialize;

use super::exercise::Exercise;
use super::grade::{Grade, ItemKind};

/// What the session cost on the line, and what `sacdoc doctor --apply` needed on the same VM.
#[derive(Debug, Clone, Serialize)]
pub struct Cost {
    pub commands: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctor: Option<DoctorCost>,
}

/// The doctor's cost for the same exercise, measured on a fresh copy of the VM.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorCost {
    pub commands: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub seconds: f64,
    /// Whether the doctor left RDP working.
    pub fixed: bool,
}

/// The whole card.
#[derive(Debug, Clone, Serialize)]
pub struct ReportCard {
    pub exercise: String,
    pub title: String,
    pub target: String,
    /// What was broken (revealed now, also after `--random`).
    pub cause: String,
    pub problems: Vec<String>,
    #[serde(flatten)]
    pub grade: Grade,
    pub cost: Cost,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
}

impl ReportCard {
    pub fn new(ex: &Exercise, target: &str, grade: Grade, cost: Cost) -> ReportCard {
        ReportCard {
            exercise: ex.name.clone(),
            title: ex.title.clone(),
            target: target.to_string(),
            cause: ex.description.clone(),
            problems: ex.problems.clone(),
            grade,
            cost,
            transcript: None,
        }
    }

    /// 0 for full marks, 1 otherwise (as the doctor's "a problem remains").
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.grade.full_marks)
    }
}

fn mark(kind: ItemKind, lost: u32) -> &'static str {
    match kind {
        ItemKind::FollowUp => "TODO",
        ItemKind::Hint => "HINT",
        _ if lost > 0 => "LOST",
        _ => " ok ",
    }
}

/// The card as text.
pub fn text(card: &ReportCard) -> String {
    let g = &card.grade;
    let mut s = String::new();
    let _ = writeln!(s, "Report card: {} ({})", card.title, card.exercise);
    let _ = writeln!(s, "Cause: {} [{}]", card.cause, card.problems.join(", "));
    let verdict = if g.full_marks { "full marks" } else { "points lost" };
    let _ = writeln!(s, "Score: {}/100 ({verdict})", g.score);
    let _ = writeln!(
        s,
        "RDP on port {}: {}",
        g.rdp.port,
        if g.rdp.connects { "would connect" } else { "would NOT connect" }
    );
    for c in &g.rdp.conditions {
        let _ = writeln!(s, "  [{}] {}: {}", if c.ok { " ok " } else { "FAIL" }, c.name, c.detail);
    }
    let _ = writeln!(s, "Graded:");
    for i in &g.items {
        let lost = if i.lost > 0 { format!(" (-{})", i.lost) } else { String::new() };
        let _ = writeln!(s, "  [{}] {}{lost}", mark(i.kind, i.lost), i.what);
        if let Some(c) = &i.command {
            let _ = writeln!(s, "         $ {c}");
        }
    }
    let c = &card.cost;
    let _ = writeln!(
        s,
        "Cost: {} commands, {} B sent, {} B received, {:.1} s",
        c.commands, c.bytes_sent, c.bytes_received, c.seconds
    );
    if let Some(d) = &c.doctor {
        let _ = writeln!(
            s,
            "sacdoc doctor --apply on the same VM: {} commands, {} B sent, {} B received, {:.1} s{}",
            d.commands,
            d.bytes_sent,
            d.bytes_received,
            d.seconds,
            if d.fixed { "" } else { " (RDP still broken after it)" }
        );
    }
    if let Some(t) = &card.transcript {
        let _ = writeln!(s, "Transcript with graded markers: {t}");
    }
    s
}
