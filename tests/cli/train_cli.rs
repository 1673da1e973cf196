//! `sacdoc train` outside the text UI: the exercise list, refusals that name what to do, and
//! the doctor's cost on the same VM that the report card sets beside the trainee's.

use std::process::Command;

/// `sacdoc` with a fresh state folder of its own.
fn sacdoc(args: &[&str]) -> (Option<i32>, String, String) {
    let state = tempfile::tempdir().expect("tempdir");
    sacdoc_in(state.path(), args)
}

#[test]
fn the_list_names_every_exercise_with_its_title() {
    let (code, out, err) = sacdoc(&["train", "--list", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let names: Vec<&str> =
        list.as_array().expect("a list").iter().filter_map(|e| e["name"].as_str()).collect();
    // Every built-in scenario that breaks RDP on a running VM is an exercise.
    for name in sacdoc::sim::machine::scenario_names() {
        let sc = sacdoc::sim::machine::load_scenario(name).expect("scenario");
        let breaks = !sc.expected_problems().is_empty() && name != "recovery-vm";
        assert_eq!(names.contains(&name), breaks, "{name}: {names:?}");
    }
    let (code, text, _) = sacdoc(&["train", "--list"]);
    assert_eq!(code, Some(0));
    assert!(text.contains("port-conflict") && text.contains("sacdoc train NAME"), "{text}");
    assert!(text.contains("cert-key-missing"), "{text}");
}

#[test]
fn unknown_exercises_profiles_and_quirks_are_refused_with_the_choices() {
    let (code, _, err) = sacdoc(&["train", "no-such"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("port-conflict"), "the known exercises are listed: {err}");
    let (code, _, err) = sacdoc(&["train", "port-conflict", "--profile", "ws2016"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("ws2022") && err.contains("ws2019"), "{err}");
    let (code, _, err) = sacdoc(&["train", "port-conflict", "--quirks", "sticky"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("dropkeys"), "{err}");
}

#[test]
fn the_doctor_on_the_same_vm_is_measured_and_fixes_it() {
    let d = sacdoc::train::doctor_cost::measure("port-conflict", "profile=ws2022").expect("doctor");
    assert!(d.fixed, "{d:?}");
    assert!(d.commands > 0 && d.bytes_sent > 0 && d.bytes_received > 0, "{d:?}");
}

/// `sacdoc` with its own state folder (another machine's sacdoc, as far as lessons go).
fn sacdoc_in(state: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(args)
        .env("SACDOC_STATE_DIR", state)
        .env("SACDOC_CONFIG", "/nonexistent")
        .output()
        .expect("sacdoc runs");
    let s = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (out.status.code(), s(&out.stdout), s(&out.stderr))
}

#[test]
fn a_lesson_exported_by_one_sacdoc_is_an_exercise_for_another() {
    let dir = tempfile::tempdir().expect("tempdir");
    let example = dir.path().join("session.cast");
    let t = sacdoc::transcript::Transcript {
        header: sacdoc::transcript::Header::new("sim:port-conflict"),
        events: vec![sacdoc::transcript::Event {
            time: 0.1,
            kind: sacdoc::transcript::EventKind::Output(b"SAC>".to_vec()),
        }],
        truncated: false,
    };
    sacdoc::transcript::redact::write(&example, &t).expect("an example transcript");
    let folder = dir.path().join("who-has-the-port");
    let teacher = dir.path().join("teacher");
    let (code, _, err) = sacdoc_in(
        &teacher,
        &[
            "train",
            "port-conflict",
            "--export-lesson",
            &folder.display().to_string(),
            "--example",
            &example.display().to_string(),
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let lesson = std::fs::read_to_string(folder.join("lesson.toml")).expect("lesson.toml");
    assert!(lesson.contains("expected_findings = [\"rdp-port\"]"), "{lesson}");
    assert!(folder.join("scenario.toml").is_file() && folder.join("example.cast").is_file());
    // Exporting over it again is refused: nothing is overwritten.
    let (code, _, err) = sacdoc_in(
        &teacher,
        &["train", "port-conflict", "--export-lesson", &folder.display().to_string()],
    );
    assert_eq!(code, Some(2), "{err}");

    let student = dir.path().join("student");
    let (code, out, err) =
        sacdoc_in(&student, &["train", "--import-lesson", &folder.display().to_string()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("sacdoc train who-has-the-port"), "{out}");
    let (code, out, _) = sacdoc_in(&student, &["train", "--list", "--json"]);
    assert_eq!(code, Some(0));
    let list: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let lesson = list
        .as_array()
        .expect("a list")
        .iter()
        .find(|e| e["name"] == "who-has-the-port")
        .expect("the imported lesson is listed");
    assert_eq!(lesson["lesson"], true);
    assert_eq!(lesson["problems"], serde_json::json!(["rdp-port"]));
    // The lesson's scenario is the VM it trains on: the doctor on it finds and fixes the port.
    let scenario = lesson["scenario"].as_str().expect("a scenario path");
    let d = sacdoc::train::doctor_cost::measure(scenario, "profile=ws2022").expect("doctor");
    assert!(d.fixed, "{d:?}");
    // The teacher's sacdoc has no such lesson.
    let (_, out, _) = sacdoc_in(&teacher, &["train", "--list"]);
    assert!(!out.contains("who-has-the-port"), "{out}");
    // A folder that is not a lesson is refused with the reason.
    let (code, _, err) =
        sacdoc_in(&student, &["train", "--import-lesson", &dir.path().display().to_string()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a lesson folder"), "{err}");
}

#[test]
fn a_note_becomes_a_marker_at_its_time() {
    use sacdoc::transcript::{Event, EventKind, Header, Transcript};
    let dir = tempfile::tempdir().expect("tempdir");
    let cast = dir.path().join("n.cast");
    let out = |time: f64, s: &str| Event { time, kind: EventKind::Output(s.as_bytes().to_vec()) };
    let t = Transcript {
        header: Header::new("sim:healthy"),
        events: vec![out(0.1, "a"), out(0.2, "b"), out(0.3, "c")],
        truncated: false,
    };
    sacdoc::transcript::redact::write(&cast, &t).expect("write");
    let path = cast.display().to_string();
    let (code, _, err) =
        sacdoc(&["transcripts", "note", &path, "--at", "0.25", "look at the port"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = sacdoc(&["transcripts", "note", &path, "the end"]);
    assert_eq!(code, Some(0), "{err}");
    let back = sacdoc::transcript::read(&cast).expect("read");
    let kinds: Vec<String> = back
        .events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Output(b) => String::from_utf8_lossy(b).to_string(),
            EventKind::Marker(m) => m.clone(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(kinds, ["a", "b", "note: look at the port", "c", "note: the end"]);
    let (code, _, err) = sacdoc(&["transcripts", "note", &path, "--at", "-1", "x"]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(sacdoc::transcript::read(&cast).expect("read").events.len(), 5, "unchanged");
}
