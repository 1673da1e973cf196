//! `sacdoc bench hostile` run small: every hostile far end ends within its deadline, under the
//! memory bound, with no secret written, no control character on the terminal and no fix after a
//! damaged backup. The bench
//! checks its own goals and exits 1 when one is missed; this test reads its JSON rows.
#![cfg(unix)]

use std::process::{Command, Stdio};

#[test]
fn hostile_far_ends_meet_the_goals() {
    let d = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(["bench", "hostile", "--flood-mib", "48", "--seeds", "2", "--timeout", "4"])
        .args(["--deadline", "90", "--json"])
        .env("SACDOC_STATE_DIR", d.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).expect("a JSON row")).collect();
    assert_eq!(rows.len(), 10, "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for r in &rows {
        assert_eq!(r["outcome"], "ok", "{r}");
    }
    let flood = &rows[0];
    assert!(flood["peak_mib"].as_f64().unwrap() < 128.0, "{flood}");
    assert_ne!(flood["exit_code"], 0, "a flood is no answer: {flood}");
    let terminal = rows[4]["stdout"].as_str().unwrap();
    assert!(terminal.contains("^[]52"), "drawn, not obeyed: {terminal}");
    let backup = &rows[6];
    assert!(backup["input"].as_str().unwrap().contains("backup"), "{backup}");
    assert!(backup["stdout"].as_str().unwrap().contains("RolledBack"), "{backup}");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}
