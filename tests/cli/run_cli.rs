//! `sacdoc run` and `sacdoc sac` as a user runs them: the real binary, the in-process simulator.

use std::process::Command;

fn sacdoc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sacdoc"));
    c.env_remove("SACDOC_USER").env_remove("SACDOC_DOMAIN").env_remove("SACDOC_PASSWORD");
    c
}

/// What the simulated machine prints for `command` on a fresh `scenario`.
fn expected(scenario: &str, command: &str) -> (String, i32) {
    use sacdoc::sim::machine::{load_scenario, Machine, ShellState};
    let sc = load_scenario(scenario).expect("scenario");
    let mut m = Machine::new(&sc);
    m.boot();
    let user = sc.credentials.first().map(|c| c.user.clone()).unwrap_or_default();
    let mut shell = ShellState { user, ..ShellState::default() };
    let r = m.exec(&mut shell, command);
    (r.output, r.exit_code)
}

#[test]
fn run_prints_the_output_and_exits_with_its_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cast = dir.path().join("run.cast");
    let out = sacdoc()
        .args(["run", "sim:healthy?start=sac", "--record"])
        .arg(&cast)
        .args(["--", "sc", "query", "TermService"])
        .output()
        .expect("run sacdoc");
    let (want, code) = expected("healthy", "sc query TermService");
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    assert_eq!(out.status.code(), Some(code));
    let t = sacdoc::transcript::read(&cast).expect("transcript");
    assert!(t.markers().iter().any(|m| m.contains("sc query TermService")));
}

#[test]
fn run_json_has_every_field() {
    let out = sacdoc()
        .args(["run", "sim:healthy?start=sac&profile=ws2019", "--no-record", "--json", "--", "foo"])
        .output()
        .expect("run sacdoc");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["command"], "foo");
    assert_eq!(v["exit_code"], 9009);
    assert!(v["output"].as_str().unwrap_or("").contains("'foo' is not recognized"));
    for k in ["bytes_sent", "bytes_received", "duration_ms"] {
        assert!(v[k].as_u64().is_some(), "{k}");
    }
    // 9009 does not fit a process exit code: 1.
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn sac_command_prints_what_sac_answered() {
    let out = sacdoc()
        .args(["sac", "sim:healthy?start=sac", "--no-record", "--", "id"])
        .output()
        .expect("run sacdoc");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Computer Name:"), "{text}");
}

#[test]
fn failure_exits_2_and_names_the_transcript() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cast = dir.path().join("fail.cast");
    let out = sacdoc()
        .args(["run", "sim:healthy?start=sac&cmd_failure=disabled", "--timeout", "5", "--record"])
        .arg(&cast)
        .args(["--", "ver"])
        .output()
        .expect("run sacdoc");
    assert_eq!(out.status.code(), Some(255));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("disabled"), "{err}");
    assert!(err.contains(&cast.display().to_string()), "{err}");
    sacdoc::transcript::read(&cast).expect("the transcript so far is readable");
}

#[test]
fn password_never_comes_from_argv() {
    let out = sacdoc()
        .args(["run", "sim:healthy", "--password", "x", "--", "ver"])
        .output()
        .expect("run sacdoc");
    assert_eq!(out.status.code(), Some(2));
}

/// `--timeout` counts seconds without progress, not the whole command: `netstat -ano` on
/// busy-server over a paced line takes several times the timeout and still comes through whole,
/// while `--max-time` caps the whole command with its own clear error. The VM has no makecab,
/// so the output crosses unpacked and takes long enough for both.
#[test]
fn timeout_is_no_progress_and_max_time_caps_the_whole_run() {
    let target = "sim:busy-server?start=sac&profile=ws2022&baud=460800&missing=makecab";
    let started = std::time::Instant::now();
    let out = sacdoc()
        .args(["run", target, "--no-record", "-q", "--timeout", "2", "--", "netstat", "-ano"])
        .output()
        .expect("run sacdoc");
    let took = started.elapsed();
    let (want, code) = expected("busy-server", "netstat -ano");
    assert_eq!(out.status.code(), Some(code), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout) == want, "the output differs");
    // The premise of the test: the run lasted longer than --timeout (the output alone takes
    // about 8 s at this line rate).
    assert!(took > std::time::Duration::from_secs(2), "took {took:?}: the premise does not hold");

    let out = sacdoc()
        .args(["run", target, "--no-record", "-q", "--max-time", "2", "--", "netstat", "-ano"])
        .output()
        .expect("run sacdoc");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(255), "{err}");
    assert!(err.contains("--max-time 2"), "{err}");
    assert!(out.stdout.is_empty(), "no partial output on stdout");
}

/// `--transcript-cap` bounds the recording: the run still works and prints its output, and the
/// transcript stops at the cap with a note saying so.
#[test]
fn transcript_cap_stops_the_recording_not_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cast = dir.path().join("capped.cast");
    let out = sacdoc()
        .args(["run", "sim:healthy?start=sac", "-q", "--transcript-cap", "3000", "--record"])
        .arg(&cast)
        .args(["--", "sc", "query", "TermService"])
        .output()
        .expect("run sacdoc");
    let (want, code) = expected("healthy", "sc query TermService");
    assert_eq!(out.status.code(), Some(code), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    let text = std::fs::read_to_string(&cast).expect("transcript");
    assert!(text.contains(sacdoc::transcript::CAPPED_MARKER), "no cap note in the transcript");
    // The cap, plus the one note line past it.
    assert!(text.len() < 3000 + 400, "transcript of {} bytes", text.len());
}

/// A big output comes packed by makecab on the VM, and from a VM without makecab as plain
/// base64: the same bytes either way, and the `-v` log says which way it came.
#[test]
fn a_big_output_is_packed_and_the_log_says_how_it_came() {
    let (want, code) = expected("busy-server", "netstat -ano");
    for (missing, said) in [("", "came packed by makecab"), ("&missing=makecab", "plain base64")] {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = format!("sim:busy-server?start=sac{missing}");
        let out = sacdoc()
            .args(["run", &target, "-v", "--", "netstat", "-ano"])
            .env("SACDOC_STATE_DIR", dir.path())
            .env("SACDOC_CONFIG", dir.path().join("none.toml"))
            .output()
            .expect("run sacdoc");
        assert!(String::from_utf8_lossy(&out.stdout) == want, "{target}: stdout differs");
        assert_eq!(out.status.code(), Some(code), "{target}");
        let log = std::fs::read_to_string(dir.path().join("logs/sacdoc.log")).expect("log");
        assert!(log.contains(said), "{target}: {log}");
    }
}
