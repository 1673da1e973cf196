//! Lessons: an exercise as one folder an instructor hands to another sacdoc, holding the
//! scenario (`scenario.toml`), the expected findings and fix (`lesson.toml`) and, optionally, an
//! example session (`example.cast`) to follow along.
//!
//! Importing copies the folder into sacdoc's lessons folder, where `sacdoc train --list` finds it
//! by the folder's name.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::exercise::Exercise;

pub const SCENARIO_FILE: &str = "scenario.toml";
pub const LESSON_FILE: &str = "lesson.toml";
pub const EXAMPLE_FILE: &str = "example.cast";

/// `lesson.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lesson {
    /// The exercise it was made from.
    pub exercise: String,
    pub title: String,
    /// The doctor check ids the scenario breaks: what a diagnosis must find.
    pub expected_findings: Vec<String>,
    pub fix: String,
    /// The example session's file in the folder, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

/// The scenario text of an exercise: a built-in one's file, or the scenario file it names.
fn scenario_text(ex: &Exercise) -> anyhow::Result<String> {
    let built_in = crate::sim::machine::scenario::BUILT_IN.iter().find(|(n, _)| *n == ex.scenario);
    match built_in {
        Some((_, text)) => Ok((*text).to_string()),
        None => std::fs::read_to_string(&ex.scenario)
            .with_context(|| format!("cannot read the scenario file {}", ex.scenario)),
    }
}

/// Writes the lesson folder `dir` (new, or empty): the scenario, `lesson.toml`, and a copy of
/// `example` when given (it must be a readable transcript).
pub fn export(ex: &Exercise, dir: &Path, example: Option<&Path>) -> anyhow::Result<()> {
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!("{} exists and is not empty: give a new folder for the lesson", dir.display());
    }
    if let Some(e) = example {
        crate::transcript::read(e)
            .with_context(|| format!("{} is not a readable transcript", e.display()))?;
    }
    let sc = crate::sim::machine::load_scenario(&ex.scenario)?;
    let lesson = Lesson {
        exercise: ex.name.clone(),
        title: ex.title.clone(),
        expected_findings: ex.problems.clone(),
        fix: sc.documented_fix(),
        example: example.map(|_| EXAMPLE_FILE.to_string()),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join(SCENARIO_FILE), scenario_text(ex)?)?;
    std::fs::write(dir.join(LESSON_FILE), toml::to_string_pretty(&lesson)?)?;
    if let Some(e) = example {
        std::fs::copy(e, dir.join(EXAMPLE_FILE))
            .with_context(|| format!("cannot copy {}", e.display()))?;
    }
    Ok(())
}

/// Reads and checks a lesson folder: `lesson.toml` parses, the scenario loads, the example (if
/// named) is a transcript.
pub fn check(dir: &Path) -> anyhow::Result<Lesson> {
    let text = std::fs::read_to_string(dir.join(LESSON_FILE))
        .with_context(|| format!("{} has no {LESSON_FILE}: not a lesson folder", dir.display()))?;
    let lesson: Lesson =
        toml::from_str(&text).with_context(|| format!("{}", dir.join(LESSON_FILE).display()))?;
    let scenario = dir.join(SCENARIO_FILE);
    crate::sim::machine::load_scenario(&scenario.display().to_string())
        .with_context(|| format!("the lesson's scenario {}", scenario.display()))?;
    if let Some(e) = &lesson.example {
        crate::transcript::read(&dir.join(e))
            .with_context(|| format!("the lesson's example {e} is not a readable transcript"))?;
    }
    Ok(lesson)
}

/// Copies a checked lesson folder into `lessons` under its own folder name; the path it got.
pub fn import(dir: &Path, lessons: &Path) -> anyhow::Result<(PathBuf, Lesson)> {
    let lesson = check(dir)?;
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_os_string()))
        .with_context(|| format!("{} has no folder name to call the lesson by", dir.display()))?;
    let to = lessons.join(&name);
    if to.exists() {
        bail!("a lesson named {} is already imported ({})", name.to_string_lossy(), to.display());
    }
    std::fs::create_dir_all(&to).with_context(|| format!("cannot create {}", to.display()))?;
    for f in [SCENARIO_FILE, LESSON_FILE] {
        std::fs::copy(dir.join(f), to.join(f))?;
    }
    if let Some(e) = &lesson.example {
        std::fs::copy(dir.join(e), to.join(e))?;
    }
    Ok((to, lesson))
}
