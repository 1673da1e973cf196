//! Exercises: the simulator's built-in scenarios that break RDP on a running VM, each with a
//! title and ordered hints from its optional `[exercise]` table:
//!
//! ```toml
//! [exercise]
//! title = "Someone else has the RDP port"
//! hints = ["vague first", "then more specific", "the last one all but says it"]
//! ```
//!
//! The list comes from the scenario list itself, so a new scenario file is a new exercise without
//! a change here; one without `[exercise]` gets its description as title and generic hints.

use crate::sim::machine::scenario::{merged_doc, BUILT_IN};

/// One exercise.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exercise {
    /// The exercise's name: the scenario's (`port-conflict`), or an imported lesson's.
    pub name: String,
    /// What the simulator opens: a built-in scenario's name or a scenario file's path.
    pub scenario: String,
    /// Imported as a lesson (from the lessons folder), not built in.
    pub lesson: bool,
    pub title: String,
    /// What is wrong, in the scenario's words (hidden from the trainee with `--random`).
    pub description: String,
    /// Ordered from vague to specific.
    pub hints: Vec<String>,
    /// The doctor check ids the scenario breaks (for the report card, after grading).
    pub problems: Vec<String>,
}

/// Hints for a scenario without its own: the procedure's steps, vague to specific.
const GENERIC_HINTS: &[&str] = &[
    "Start from what RDP needs: a listener on the configured port owned by TermService, a valid \
     certificate whose key can be read, TLS, NLA, the firewall.",
    "Read before you change: reg query the RDP-Tcp key, netstat -ano, sc query TermService, \
     icacls on MachineKeys, the SCHANNEL Protocols keys.",
    "Back up what you change first (reg export, icacls /save, a certificate export) and check \
     after each change.",
];

/// Every exercise, in the scenario list's order: scenarios with problems on the running VM (a
/// scenario for the offline path, `[recovery]`, is graded on the recovery VM's own state, which
/// tells nothing, so it is left out).
pub fn all() -> Vec<Exercise> {
    BUILT_IN.iter().filter_map(|(name, text)| from_text(name, name, text)).collect()
}

/// The built-in exercises, then the lessons imported into `lessons` (one folder each, holding
/// `scenario.toml`), named by their folder.
pub fn catalogue(lessons: &std::path::Path) -> Vec<Exercise> {
    let mut list = all();
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir(lessons)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs {
        let file = dir.join(super::lesson::SCENARIO_FILE);
        let (Some(name), Ok(text)) = (dir.file_name(), std::fs::read_to_string(&file)) else {
            continue;
        };
        let name = name.to_string_lossy();
        if let Some(mut e) = from_text(&name, &file.display().to_string(), &text) {
            e.lesson = true;
            list.push(e);
        }
    }
    list
}

/// The exercise of this name in `list` (case-insensitive).
pub fn find_in(list: Vec<Exercise>, name: &str) -> Option<Exercise> {
    list.into_iter().find(|e| e.name.eq_ignore_ascii_case(name.trim()))
}

/// The exercise of this name (case-insensitive).
pub fn find(name: &str) -> Option<Exercise> {
    all().into_iter().find(|e| e.name.eq_ignore_ascii_case(name.trim()))
}

/// An exercise picked from `seed` (any number; the same seed picks the same exercise).
pub fn pick(seed: u64) -> Option<Exercise> {
    let list = all();
    if list.is_empty() {
        return None;
    }
    let i = (seed % list.len() as u64) as usize;
    list.into_iter().nth(i)
}

fn from_text(name: &str, scenario: &str, text: &str) -> Option<Exercise> {
    let doc = merged_doc(text).ok()?;
    if doc.contains_key("recovery") {
        return None;
    }
    let strings = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(toml::Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    let problems = strings(doc.get("expect").and_then(|e| e.get("problems")));
    if problems.is_empty() {
        return None;
    }
    let description =
        doc.get("description").and_then(toml::Value::as_str).unwrap_or_default().to_string();
    let table = doc.get("exercise");
    let title = table
        .and_then(|t| t.get("title"))
        .and_then(toml::Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| description.clone());
    let mut hints = strings(table.and_then(|t| t.get("hints")));
    if hints.is_empty() {
        hints = GENERIC_HINTS.iter().map(|h| h.to_string()).collect();
    }
    Some(Exercise {
        name: name.to_string(),
        scenario: scenario.to_string(),
        lesson: false,
        title,
        description,
        hints,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exercises_are_the_scenarios_that_break_rdp_online() {
        let names: Vec<String> = all().into_iter().map(|e| e.name).collect();
        assert!(names.contains(&"port-conflict".to_string()), "{names:?}");
        assert!(!names.contains(&"healthy".to_string()), "{names:?}");
        assert!(!names.contains(&"recovery-vm".to_string()), "{names:?}");
    }

    #[test]
    fn a_scenario_without_an_exercise_table_gets_generic_hints() {
        let e = from_text("x", "x", "description = \"d\"\n[expect]\nproblems = [\"nla\"]\n")
            .expect("an exercise");
        assert_eq!(e.title, "d");
        assert_eq!(e.hints.len(), GENERIC_HINTS.len());
    }

    #[test]
    fn the_exercise_table_gives_title_and_hints_in_order() {
        let text =
            "[expect]\nproblems = [\"nla\"]\n[exercise]\ntitle = \"T\"\nhints = [\"a\", \"b\"]\n";
        let e = from_text("x", "x", text).expect("an exercise");
        assert_eq!((e.title.as_str(), e.hints.clone()), ("T", vec!["a".into(), "b".into()]));
    }

    #[test]
    fn the_same_seed_picks_the_same_exercise() {
        assert_eq!(pick(7), pick(7));
        assert!(pick(u64::MAX).is_some());
    }
}
