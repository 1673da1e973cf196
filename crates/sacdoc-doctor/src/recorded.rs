//! The doctor's results as a transcript keeps them: one marker per finished check, command and
//! fix (`PREFIX` then JSON), written through the shell as they happen, so a replay shows each
//! result where it came without running the doctor again. The label is only the stored form:
//! it is written and read here, and everything else handles the value.

use sacdoc_console::runner::CommandOutput;

use super::model::{Finding, FixOutcome};

/// Marker prefix of a finished check (the finding as JSON follows).
pub const FINDING: &str = "sacdoc-finding ";
/// Marker prefix of a finished command (its output as JSON follows).
pub const OUTPUT: &str = "sacdoc-output ";
/// Marker prefix of a finished fix (its outcome as JSON follows).
pub const FIX: &str = "sacdoc-fix ";

/// A result of the doctor as a transcript keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    Finding(Finding),
    Output(CommandOutput),
    Fix(FixOutcome),
}

impl Recorded {
    /// The marker label.
    pub fn label(&self) -> Option<String> {
        let (prefix, json) = match self {
            Recorded::Finding(f) => (FINDING, serde_json::to_string(f)),
            Recorded::Output(o) => (OUTPUT, serde_json::to_string(o)),
            Recorded::Fix(o) => (FIX, serde_json::to_string(o)),
        };
        json.ok().map(|j| format!("{prefix}{j}"))
    }

    /// The result a marker label holds (`None` for any other marker, or one that does not read).
    pub fn from_label(label: &str) -> Option<Recorded> {
        if let Some(j) = label.strip_prefix(FINDING) {
            serde_json::from_str(j).ok().map(Recorded::Finding)
        } else if let Some(j) = label.strip_prefix(OUTPUT) {
            serde_json::from_str(j).ok().map(Recorded::Output)
        } else if let Some(j) = label.strip_prefix(FIX) {
            serde_json::from_str(j).ok().map(Recorded::Fix)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_result_reads_back_as_the_same_value() {
        let f: Finding = serde_json::from_str(
            r#"{"id": "termservice", "status": "problem", "summary": "TermService is STOPPED",
                "evidence": [], "step": "1", "bytes": 5,
                "fix": {"id": "start-termservice", "title": "t", "why": "w", "backups": [],
                        "commands": ["sc start TermService"], "verify": "termservice",
                        "reboot": false, "later": [], "warning": null}}"#,
        )
        .expect("a finding recorded before fix steps had exit codes still reads");
        let fix = f.fix.as_ref().expect("fix");
        assert_eq!(fix.commands[0].command, "sc start TermService");
        let rec = Recorded::Finding(f.clone());
        let label = rec.label().expect("serialises");
        assert!(label.starts_with(FINDING), "{label}");
        assert_eq!(Recorded::from_label(&label), Some(rec));
        assert_eq!(Recorded::from_label("run: ver"), None, "other markers are not results");
        assert_eq!(Recorded::from_label(&format!("{FINDING}{{not json")), None);
    }
}
