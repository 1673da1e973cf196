//! `sacdoc train` outside the text UI: the exercise list, refusals that name what to do, and
//! the doctor's cost on the same VM that the report card sets beside the trainee's.

use std::process::Command;

fn sacdoc(args: &[&str]) -> (Option<i32>, String, String) {
    let state = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(args)
        .env("SACDOC_STATE_DIR", state.path())
        .env("SACDOC_CONFIG", "/nonexistent")
        .output()
        .expect("sacdoc runs");
    let s = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (out.status.code(), s(&out.stdout), s(&out.stderr))
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
