//! `sacdoc doctor` as a user runs it: the real binary against the simulator's server on loopback
//! TCP (so several doctor processes see the same VM), and in a real terminal (tmux).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_sacdoc");

/// A `sacdoc sim` server on 127.0.0.1; killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(scenario: &str) -> Server {
        let mut child = Command::new(BIN)
            .args(["sim", scenario, "--listen", "tcp://127.0.0.1:0", "--profile", "ws2022"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let err = child.stdout.take().unwrap();
        let mut lines = BufReader::new(err).lines();
        let mut url = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(i) = line.find("tcp://") {
                url = line[i..].trim().to_string();
                break;
            }
        }
        // Keep reading what the server logs, so it never writes into a closed pipe.
        std::thread::spawn(move || for _ in lines {});
        assert!(!url.is_empty(), "the simulator did not say where it listens");
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `sacdoc doctor ARGS` with the scenario's account in the environment (never in argv).
fn doctor(state: &std::path::Path, args: &[&str]) -> (i32, Value, String) {
    let (code, rep, err) = doctor_raw(state, args);
    (code, rep.unwrap_or_else(|| panic!("no JSON report (exit {code}): {err}")), err)
}

/// Like [`doctor`]; `None` when no report was printed (exit code 2).
fn doctor_raw(state: &std::path::Path, args: &[&str]) -> (i32, Option<Value>, String) {
    let out = Command::new(BIN)
        .arg("doctor")
        .args(args)
        .args(["--json", "--no-record", "--timeout", "20"])
        .env("SACDOC_STATE_DIR", state)
        .env("SACDOC_USER", "azureuser")
        .env("SACDOC_PASSWORD", "Sim-Passw0rd!")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (out.status.code().unwrap_or(-1), serde_json::from_str(&stdout).ok(), stderr)
}

fn status<'a>(rep: &'a Value, id: &str) -> &'a str {
    rep["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .and_then(|c| c["status"].as_str())
        .unwrap_or("absent")
}

fn pending_kinds(rep: &Value) -> Vec<String> {
    rep["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect()
}

/// gpo-reverts-tls across four doctor processes on one simulated VM: the fix pauses Group
/// Policy and records the follow-ups; a new process is reminded of them; the restart is dismissed
/// as done by hand; `--finish-pending` turns Group Policy back on, which reverts TLS, and the report
/// names the domain policy. (The restart itself, across `Machine::boot`, is exercised in
/// `doctor_machine.rs`.)
#[test]
fn pending_follow_ups_survive_new_processes() {
    let server = Server::start("gpo-reverts-tls");
    let state = tempfile::tempdir().unwrap();
    let t = server.url.as_str();
    let (code, rep, err) = doctor(state.path(), &[t, "--apply", "--yes"]);
    assert_eq!(status(&rep, "tls-server"), "problem", "{rep:#}\n{err}");
    assert_eq!(status(&rep, "group-policy"), "problem", "{rep:#}");
    assert_eq!(code, 0, "every fix holds right after --apply: {rep:#}");
    let kinds = pending_kinds(&rep);
    assert!(kinds.contains(&"reboot".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"reenable-group-policy".to_string()), "{kinds:?}");

    // A new process: TLS holds, Group Policy is paused on purpose, the follow-ups are listed.
    let (code, rep, err) = doctor(state.path(), &[t]);
    assert_eq!(code, 0, "{rep:#}\n{err}");
    assert_eq!(status(&rep, "group-policy"), "ok", "{rep:#}");
    assert_eq!(pending_kinds(&rep), kinds);

    // The restart was done by hand: dismissed; then Group Policy comes back and reverts TLS.
    let (code, rep, err) =
        doctor(state.path(), &[t, "--dismiss", "reboot", "--finish-pending", "--yes"]);
    assert_eq!(code, 1, "{rep:#}\n{err}");
    let kinds = pending_kinds(&rep);
    assert!(
        !kinds.contains(&"reboot".to_string())
            && !kinds.contains(&"reenable-group-policy".to_string()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"domain-policy".to_string()), "{kinds:?}");
    assert_eq!(status(&rep, "tls-server"), "problem");
    let gp = rep["checks"].as_array().unwrap().iter().find(|c| c["id"] == "group-policy").unwrap();
    let summary = gp["summary"].as_str().unwrap();
    assert!(summary.contains("reverted") && summary.contains("Contoso TLS Hardening"), "{summary}");
}

/// `--apply` with no terminal to confirm on and no `--yes` changes nothing and says why.
#[test]
fn apply_without_terminal_or_yes_changes_nothing() {
    let state = tempfile::tempdir().unwrap();
    let (code, rep, _) = doctor(state.path(), &["sim:tls-disabled", "--apply"]);
    assert_eq!(code, 1);
    assert!(rep.get("fixes").is_none(), "{rep:#}");
    let notes = rep["notes"].to_string();
    assert!(notes.contains("nothing was changed"), "{notes}");
    assert!(rep["checks"].as_array().unwrap().iter().all(|c| c["bytes"].is_u64()));
    assert!(rep["bytes_sent"].as_u64().unwrap() > 0);
}

/// The offline script is printed without connecting; bad options exit 2 with the reason.
#[test]
fn offline_script_is_printed_and_checked() {
    let out = Command::new(BIN)
        .args(["doctor", "--offline-script", "--drive", "g:", "--generation", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains(r"reg load HKLM\BROKENSYSTEM G:\windows\system32\config\SYSTEM"), "{s}");
    assert!(s.contains(r"S:\EFI\Microsoft\Boot\BCD"));
    assert!(s.trim_end().ends_with(r"reg unload HKLM\BROKENSYSTEM"));
    let bad = Command::new(BIN)
        .args(["doctor", "--offline-script", "--generation", "3"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not 1 or 2"));
}

/// In a real terminal the report is coloured; a confirmation prompt appears per fix and `n`
/// declines it.
#[test]
fn terminal_report_is_coloured_and_asks_per_fix() {
    let state = tempfile::tempdir().unwrap();
    let session = format!("sacdoc-doctor-{}", std::process::id());
    let cmd = format!(
        "SACDOC_STATE_DIR={} {BIN} doctor sim:tls-disabled --apply --no-record; echo EXIT=$?; sleep 30",
        state.path().display()
    );
    let ok = Command::new("tmux")
        .args(["new-session", "-d", "-s", &session, "-x", "200", "-y", "50", &cmd])
        .status()
        .unwrap();
    assert!(ok.success());
    let capture = |esc: bool| {
        let mut a = vec!["capture-pane", "-p", "-J", "-S", "-200", "-t", session.as_str()];
        if esc {
            a.push("-e");
        }
        String::from_utf8_lossy(&Command::new("tmux").args(&a).output().unwrap().stdout).to_string()
    };
    // Answer `n` to every confirmation until the doctor exits.
    let mut answered = 0;
    let mut first_prompt = String::new();
    let mut screen = String::new();
    for _ in 0..300 {
        screen = capture(false);
        if screen.contains("EXIT=") {
            break;
        }
        let prompts = screen.matches("? [y/N]").count();
        if prompts > answered && screen.trim_end().ends_with("[y/N]") {
            if first_prompt.is_empty() {
                first_prompt = screen.clone();
            }
            Command::new("tmux")
                .args(["send-keys", "-t", &session, "n", "Enter"])
                .status()
                .unwrap();
            answered = prompts;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let coloured = capture(true);
    let _ = Command::new("tmux").args(["kill-session", "-t", &session]).status();
    assert!(
        first_prompt.contains("Apply [enable-tls]? [y/N]"),
        "no confirmation prompt:\n{screen}"
    );
    assert!(first_prompt.contains("security downgrade"), "{first_prompt}");
    assert!(coloured.contains("\x1b["), "no colour in:\n{coloured}");
    assert!(coloured.contains("skipped"), "{coloured}");
    assert!(coloured.contains("EXIT=1"), "{coloured}");
}

/// Online on the recovery VM with `--offline-disk F`: its own EMS is fine, and the finding says
/// the attached disk is not diagnosed online and names the offline script. `--offline-disk C`
/// (the running system) is refused before connecting.
#[test]
fn offline_disk_points_the_recovery_vm_to_the_offline_script() {
    let state = tempfile::tempdir().unwrap();
    let (code, rep, err) =
        doctor(state.path(), &["sim:recovery-vm", "--check", "ems", "--offline-disk", "F"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(status(&rep, "ems"), "ok");
    let ems = rep["checks"].as_array().unwrap().iter().find(|c| c["id"] == "ems").unwrap();
    let summary = ems["summary"].as_str().unwrap();
    assert!(summary.contains("attached as F: is not diagnosed online"), "{summary}");
    assert!(summary.contains("sacdoc doctor --offline-script --drive F"), "{summary}");
    let (code, rep, err) = doctor_raw(state.path(), &["sim:recovery-vm", "--offline-disk", "c:"]);
    assert_eq!(code, 2, "{err}");
    assert!(rep.is_none());
    assert!(err.contains("--offline-disk C: names the running system's own drive"), "{err}");
}
