//! The command line behaves like the tools its users trust (ssh, tio, ripgrep): errors about the
//! target before any question, no prompt without a terminal, a closed pipe is not an error,
//! colour follows --color / NO_COLOR / CLICOLOR_FORCE, documented exit codes, JSON failures.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

fn sacdoc(state: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sacdoc"));
    c.env_remove("SACDOC_USER")
        .env_remove("SACDOC_DOMAIN")
        .env_remove("SACDOC_PASSWORD")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("SACDOC_STATE_DIR", state)
        .env("SACDOC_CONFIG", state.join("no-config.toml"))
        .stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> (Option<i32>, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn target_errors_come_before_any_question() {
    let d = tempfile::tempdir().unwrap();
    for (args, want) in [
        (vec!["doctor", "sim:nosuch"], "no built-in scenario named"),
        (vec!["run", "replay:/nonexistent.cast", "--", "ver"], "not a readable transcript"),
        (vec!["run", "/dev/ttyUSB-nosuch", "--", "ver"], "no such device"),
        (vec!["doctor"], "no TARGET given"),
    ] {
        let (code, _, err) = run(sacdoc(d.path()).args(&args));
        assert!(code == Some(2) || code == Some(255), "{args:?}: {code:?} {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("User:") && !err.contains("Password"), "{args:?} asked: {err}");
    }
}

#[test]
fn no_prompt_without_a_terminal() {
    let d = tempfile::tempdir().unwrap();
    let (code, _, err) = run(sacdoc(d.path()).args(["run", "tcp://127.0.0.1:9", "--", "ver"]));
    assert_eq!(code, Some(255), "{err}");
    assert!(err.contains("SACDOC_USER") && err.contains("not a terminal"), "{err}");
    assert!(!err.contains("User: "), "{err}");
    let (code, _, err) =
        run(sacdoc(d.path()).args(["run", "tcp://127.0.0.1:9", "--user", "admin", "--", "ver"]));
    assert_eq!(code, Some(255), "{err}");
    assert!(err.contains("SACDOC_PASSWORD") && !err.contains("Password for"), "{err}");
    // SAC commands need no login at all: the error is about the connection.
    let (code, _, err) = run(sacdoc(d.path()).args(["sac", "tcp://127.0.0.1:9", "--", "i"]));
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains("SACDOC_USER") && !err.contains("SACDOC_PASSWORD"), "{err}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let d = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/sacdoc-parse/tests/fixtures/parse/netstat/en-win10-anob.txt"
    ))
    .unwrap();
    let body: String =
        sample.lines().filter(|l| !l.starts_with("#|")).map(|l| format!("{l}\n")).collect();
    let big = d.path().join("big.txt");
    let mut f = std::fs::File::create(&big).unwrap();
    while f.metadata().unwrap().len() < 4 << 20 {
        f.write_all(body.as_bytes()).unwrap();
    }
    drop(f);
    let mut child = sacdoc(d.path())
        .args(["parse", "netstat"])
        .arg(&big)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take()); // the reader goes away, as `| head -c 64` does
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn colour_follows_the_flag_and_the_variables() {
    let d = tempfile::tempdir().unwrap();
    let doctor = |extra: &[&str], env: &[(&str, &str)]| {
        let mut c = sacdoc(d.path());
        c.args(["doctor", "sim:port-conflict", "--no-record", "--check", "rdp-port"]).args(extra);
        for (k, v) in env {
            c.env(k, v);
        }
        run(&mut c)
    };
    let (code, out, _) = doctor(&[], &[]);
    assert_eq!(code, Some(1));
    assert!(!out.contains('\x1b'), "no colour into a pipe: {out}");
    let (_, out, _) = doctor(&["--color", "always"], &[]);
    assert!(out.contains("\x1b["), "--color always: {out}");
    let (_, out, _) = doctor(&[], &[("CLICOLOR_FORCE", "1")]);
    assert!(out.contains("\x1b["), "CLICOLOR_FORCE: {out}");
    let (_, out, _) = doctor(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]);
    assert!(!out.contains('\x1b'), "--color never wins: {out}");
    let (_, out, _) = doctor(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!out.contains('\x1b'), "NO_COLOR: {out}");
}

#[test]
fn exit_codes_are_the_documented_ones() {
    let d = tempfile::tempdir().unwrap();
    let go = |args: &[&str]| {
        let mut c = sacdoc(d.path());
        c.args(args);
        run(&mut c).0
    };
    assert_eq!(go(&["run", "sim:healthy", "--no-record", "--", "cmd /c exit 3"]), Some(3));
    assert_eq!(go(&["run", "sim:healthy", "--no-record", "--", "ver"]), Some(0));
    assert_eq!(go(&["run", "sim:nosuch", "--", "ver"]), Some(255));
    assert_eq!(go(&["sac", "sim:healthy", "--no-record", "--", "bogus"]), Some(1));
    assert_eq!(go(&["sac", "sim:healthy", "--no-record", "--", "id"]), Some(0));
    assert_eq!(go(&["doctor", "sim:healthy", "--no-record", "-q"]), Some(0));
    assert_eq!(go(&["doctor", "--frobnicate"]), Some(2), "a usage error");
    let (_, out, _) = run(sacdoc(d.path()).arg("--help"));
    assert!(out.contains("Exit codes:") && out.contains("255"), "{out}");
}

#[test]
fn json_failures_are_json_on_stdout() {
    let d = tempfile::tempdir().unwrap();
    for args in [
        vec!["doctor", "tcp://127.0.0.1:9", "-j", "--user", "a"],
        vec!["run", "tcp://127.0.0.1:9", "--json", "--user", "a", "--", "ver"],
    ] {
        let (code, out, err) = run(sacdoc(d.path()).args(&args).env("SACDOC_PASSWORD", "pw"));
        let v: serde_json::Value =
            serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {out:?}"));
        assert_eq!(v["exit_code"].as_i64().map(|c| c as i32), code, "{args:?}");
        assert!(v["error"].as_str().unwrap().contains("127.0.0.1:9"), "{args:?}: {v}");
        assert!(!err.is_empty(), "the error is on stderr too");
    }
}

#[test]
fn notes_go_to_stderr_and_quiet_silences_them() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = run(sacdoc(d.path()).args(["doctor", "sim:healthy", "--check", "ems"]));
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains("transcript:"), "{out}");
    assert!(err.contains("transcript:"), "{err}");
    let (_, _, err) =
        run(sacdoc(d.path()).args(["doctor", "sim:healthy", "--check", "ems", "--quiet"]));
    assert!(!err.contains("transcript:"), "{err}");
}

#[test]
fn completions_and_man_pages_are_generated() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, _) = run(sacdoc(d.path()).args(["completions", "bash"]));
    assert_eq!(code, Some(0));
    assert!(out.contains("sacdoc") && out.contains("doctor"), "{out}");
    let man = d.path().join("man");
    let (code, _, err) = run(sacdoc(d.path()).arg("man").arg(&man));
    assert_eq!(code, Some(0), "{err}");
    let page = std::fs::read_to_string(man.join("sacdoc-doctor.1")).unwrap();
    assert!(page.contains(".TH"), "{page}");
}

/// `--help` of every command, compared with the golden files in tests/snapshots/help/
/// (regenerate with SACDOC_REGEN_SNAPSHOTS=1).
#[test]
fn help_snapshots() {
    let d = tempfile::tempdir().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/help");
    let regen = std::env::var_os("SACDOC_REGEN_SNAPSHOTS").is_some();
    // Every command and subcommand clap knows, so a new one cannot go without its snapshot.
    fn walk(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("{prefix}{}", sub.get_name());
            out.push(name.clone());
            walk(sub, &format!("{name} "), out);
        }
    }
    let mut commands = vec![String::new()];
    walk(&<sacdoc::cli::Cli as clap::CommandFactory>::command(), "", &mut commands);
    assert!(commands.len() >= 15, "{commands:?}");
    let mut failures = Vec::new();
    for c in commands {
        let mut cmd = sacdoc(d.path());
        cmd.args(c.split_whitespace()).arg("--help").env("COLUMNS", "100");
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, Some(0), "{c}: {err}");
        let name = if c.is_empty() { "sacdoc".to_string() } else { c.replace(' ', "-") };
        let path = dir.join(format!("{name}.txt"));
        if regen {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &out).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e} (SACDOC_REGEN_SNAPSHOTS=1 writes it)", path.display())
        });
        if want != out {
            failures.push(format!("{}:\n--- want\n{want}\n--- got\n{out}", path.display()));
        }
        assert!(!out.contains("crate::") && !out.contains("=]"), "{c}: {out}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn after_apply_the_summary_shows_the_state_after_the_fixes() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = run(sacdoc(d.path()).args([
        "doctor",
        "sim:port-conflict",
        "--no-record",
        "--apply",
        "--yes",
        "--check",
        "rdp-port",
    ]));
    assert_eq!(code, Some(0), "{out}{err}");
    let summary = out.lines().find(|l| l.contains(" rdp-port ")).expect("summary line");
    assert!(summary.trim_start().starts_with("fixed"), "{out}");
    assert!(out.contains("free-rdp-port") && out.contains("fixed:"), "{out}");
}
