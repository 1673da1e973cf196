//! The real binary in a real terminal (tmux): the password prompt does not echo, the password is
//! typed once, a wrong one ends with a clear error and `run`'s own exit code 255, and Ctrl+C at
//! the prompt leaves the terminal echoing again.
#![cfg(unix)]

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux session that is killed when dropped.
struct Tmux {
    name: String,
}

impl Tmux {
    fn start(command: &str) -> Option<Tmux> {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("sacdoc-run-{}-{n}", std::process::id());
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name, "-x", "120", "-y", "30", command])
            .status()
            .ok()?
            .success();
        ok.then_some(Tmux { name })
    }

    fn screen(&self) -> String {
        Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    fn keys(&self, keys: &[&str]) {
        let _ = Command::new("tmux").args(["send-keys", "-t", &self.name]).args(keys).status();
    }

    fn wait_for(&self, needle: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(needle) || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.name]).status();
    }
}

#[test]
fn password_prompt_hides_what_is_typed_and_a_wrong_one_fails_once() {
    let bin = env!("CARGO_BIN_EXE_sacdoc");
    let cmd = format!(
        "env -u SACDOC_PASSWORD -u SACDOC_USER {bin} run 'sim:healthy?start=sac' --no-record \
         --timeout 10 --user someone -- ver; echo EXIT=$?; sleep 60"
    );
    let t = Tmux::start(&cmd).expect("tmux is available and starts");
    let s = t.wait_for("Password for someone:", 15);
    assert!(s.contains("Password for someone:"), "{s}");
    t.keys(&["Secret-Typed-123", "Enter"]);
    let s = t.wait_for("EXIT=", 30);
    assert!(s.contains("EXIT=255"), "{s}");
    assert!(!s.contains("Secret-Typed-123"), "the password showed on the terminal:\n{s}");
    assert!(s.contains("login as someone failed"), "{s}");
}

#[test]
fn ctrl_c_at_the_password_prompt_restores_the_terminal() {
    let bin = env!("CARGO_BIN_EXE_sacdoc");
    let cmd = format!(
        "env -u SACDOC_PASSWORD -u SACDOC_USER {bin} run tcp://127.0.0.1:9 --no-record \
         --user someone -- ver; echo EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -e echo -e -echo; \
         sleep 60"
    );
    let t = Tmux::start(&cmd).expect("tmux is available and starts");
    let s = t.wait_for("Password for someone:", 15);
    assert!(s.contains("Password for someone:"), "{s}");
    t.keys(&["C-c"]);
    let s = t.wait_for("EXIT=", 15);
    assert!(s.contains("EXIT=130"), "{s}");
    assert!(s.contains("interrupted"), "{s}");
    let s = t.wait_for("echo", 5);
    let after = s.split("EXIT=130").nth(1).unwrap_or("");
    assert!(after.lines().any(|l| l.trim() == "echo"), "echo is still off:\n{s}");
}

#[test]
fn ctrl_c_stops_the_command_on_the_vm_and_the_next_run_succeeds() {
    // One VM for both runs: a served simulator, paced at the serial line's speed and without
    // makecab (its output crosses unpacked, about a minute), so the big capture is still
    // coming when Ctrl+C comes.
    let sim =
        crate::support::sim_server("busy-server", "profile=ws2022&baud=115200&missing=makecab");
    let addr = sim.addr().expect("address");
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_sacdoc");
    let env = format!(
        "SACDOC_STATE_DIR={} SACDOC_CONFIG={}/none.toml SACDOC_USER={} SACDOC_PASSWORD='{}'",
        dir.path().display(),
        dir.path().display(),
        crate::support::USER,
        crate::support::PASSWORD
    );
    let cmd = format!(
        "{env} {bin} run tcp://{addr} -- netstat -anob; echo EXIT1=$?; \
         {env} {bin} run tcp://{addr} --no-record -- dir %TEMP%; echo EXIT2=$?; sleep 60"
    );
    let t = Tmux::start(&cmd).expect("tmux is available and starts");
    // `run` prints the output at the end; the transcript shows it arriving meanwhile (a big
    // output comes as base64 of the spool).
    let running =
        wait_for_transcript(&dir.path().join("transcripts"), "-----BEGIN CERTIFICATE-----", 1, 60);
    assert!(running, "the command's output never started arriving");
    // Meanwhile the terminal shows what has arrived so far (a progress line on stderr).
    let s = t.wait_for("received (", 30);
    assert!(s.contains("netstat -anob:") && s.contains("KiB received ("), "{s}");
    t.keys(&["C-c"]);
    let s = t.wait_for("EXIT1=", 60);
    assert!(s.contains("EXIT1=130"), "{s}");
    assert!(s.contains("interrupted") && s.contains("transcript so far is in"), "{s}");
    let s = t.wait_for("EXIT2=", 90);
    assert!(s.contains("EXIT2=0"), "the next run works on the same console: {s}");
    let after = s.split("EXIT1=130").nth(1).unwrap_or("");
    // `dir` runs into its own spool, so that one is listed; the interrupted command's is gone.
    let spools = after.lines().filter(|l| l.contains(" sd") && l.contains(".txt")).count();
    assert_eq!(spools, 1, "the interrupted command's spool files were deleted: {s}");
}

/// Waits until the output recorded in a transcript in `dir` holds `needle` more than 20 times
/// (the command's output arriving). The output is read as one stream: the recorder writes it in
/// the pieces the line delivered, which can split any text.
fn wait_for_transcript(dir: &std::path::Path, needle: &str, times: usize, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        let found = std::fs::read_dir(dir).into_iter().flatten().flatten().any(|e| {
            sacdoc::transcript::read(&e.path()).is_ok_and(|t| {
                String::from_utf8_lossy(&t.output()).matches(needle).count() >= times
            })
        });
        if found {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}
