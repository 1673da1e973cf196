//! The real `sacdoc.exe` under Wine: the in-process simulator, a COM port (Wine's `comN` mapped to
//! a pty served by the simulator on this Linux host, read through serialport's Windows backend), a
//! Hyper-V style named pipe served by `sacdoc.exe sim --listen pipe:NAME` (and a second client
//! turned away as busy), transcripts under `%LOCALAPPDATA%`, `parse` with UTF-16 and OEM code page
//! input, and a closed stdout pipe.
//!
//! Built only with `--features wine-tests`; `.ci/windows` cross-builds `sacdoc.exe`, prepares a
//! Wine prefix and runs this group with `SACDOC_WINDOWS_EXE` and `WINEPREFIX` set.

#![cfg(unix)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sacdoc::sim::server::{ServeSpec, Server};

const USER: &str = "azureuser";
const PASSWORD: &str = "Sim-Passw0rd!";

/// Longest any one `sacdoc.exe` call may take (Wine starts slowly on a loaded CI machine).
const CALL_LIMIT: Duration = Duration::from_secs(240);

fn exe() -> PathBuf {
    let p = std::env::var_os("SACDOC_WINDOWS_EXE")
        .expect("SACDOC_WINDOWS_EXE must name sacdoc.exe (run .ci/windows)");
    PathBuf::from(p)
}

fn prefix() -> PathBuf {
    PathBuf::from(std::env::var_os("WINEPREFIX").expect("WINEPREFIX must be set (run .ci/windows)"))
}

/// `wine sacdoc.exe ARGS` with the simulator's account in the environment and a state folder of
/// the test's own (a Windows path under the prefix's C: drive).
fn sacdoc(state: &str, args: &[&str]) -> Command {
    let mut c = Command::new("wine");
    c.arg(exe())
        .args(args)
        .env("WINEDEBUG", "-all")
        .env("SACDOC_USER", USER)
        .env("SACDOC_PASSWORD", PASSWORD)
        .env("SACDOC_STATE_DIR", format!(r"C:\sacdoc-tests\{state}"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// Runs a command to its end within [`CALL_LIMIT`]; kills it past that and fails.
fn run(mut c: Command) -> Output {
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = c.spawn().expect("wine");
    wait(child, CALL_LIMIT)
}

fn wait(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut v);
            }
            v
        })
    };
    let out = drain(child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("sacdoc.exe did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    )
}

/// The prefix's Unix path of a Windows path on C:.
fn on_c(windows_path: &str) -> PathBuf {
    let rel = windows_path.trim_start_matches(r"C:\").replace('\\', "/");
    prefix().join("drive_c").join(rel)
}

fn fixture(kind: &str, name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/sacdoc-parse/tests/fixtures/parse")
        .join(kind)
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn doctor_on_the_in_process_simulator_finds_the_port_conflict() {
    let o = run(sacdoc("sim", &["doctor", "sim:port-conflict", "--json"]));
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert_eq!(statuses(&o), ["rdp-port: problem"], "{}", describe(&o));
    // A second run replaces the target's saved state (an atomic rename onto an existing file).
    let again = run(sacdoc("sim", &["doctor", "sim:port-conflict", "--json"]));
    assert_eq!(statuses(&again), ["rdp-port: problem"], "{}", describe(&again));
    // The transcript went to %LOCALAPPDATA%-style state under the test's own folder.
    let dir = on_c(r"C:\sacdoc-tests\sim");
    let casts = walk(&dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "cast"));
    assert!(casts.count() >= 1, "no transcript under {}", dir.display());
}

#[test]
fn run_and_doctor_over_a_com_port_reach_the_simulator_on_a_pty() {
    let server = Server::start(&ServeSpec::new("pty", "healthy", "profile=ws2022&start=sac"))
        .expect("simulator on a pty");
    let pty = server.pty_path().expect("pty path").to_path_buf();
    // Wine maps COMn to whatever $WINEPREFIX/dosdevices/comN points at.
    let link = prefix().join("dosdevices/com7");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&pty, &link).expect("dosdevices/com7");
    let o = run(sacdoc("com", &["run", "COM7", "--", "ver"]));
    let doctor = run(sacdoc("com", &["doctor", "COM7", "--json"]));
    let _ = std::fs::remove_file(&link);
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    assert!(text(&o.stdout).contains("Microsoft Windows [Version"), "{}", describe(&o));
    assert_eq!(doctor.status.code(), Some(0), "{}", describe(&doctor));
    assert_eq!(statuses(&doctor), Vec::<String>::new(), "healthy: {}", describe(&doctor));
    server.stop();
}

/// A child process killed when the test ends, passed or not.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Lines of a child's stream, read on a thread so that waiting for one can be bounded.
fn lines_of(r: impl Read + Send + 'static) -> crossbeam_channel::Receiver<String> {
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits (bounded) for a line containing `want`; returns every line seen.
fn wait_for_line(rx: &crossbeam_channel::Receiver<String>, want: &str) -> Vec<String> {
    let deadline = Instant::now() + CALL_LIMIT;
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains(want)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => seen.push(l),
            Err(_) => panic!("no line with {want:?} within {CALL_LIMIT:?}; saw {seen:?}"),
        }
    }
    seen
}

#[test]
fn doctor_over_a_named_pipe_and_a_second_client_is_told_the_pipe_is_busy() {
    let pipe = format!("sacdoc-wine-{}", std::process::id());
    let target = format!("pipe:{pipe}");
    // Each command takes 15 s on this VM, so the first client holds the pipe long enough for
    // the second to be turned away.
    let mut served = sacdoc(
        "pipe-server",
        &["sim", "healthy", "--listen", &target, "--fault", "cmd_delay_ms=15000"],
    );
    served.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut server = KillOnDrop(served.spawn().expect("wine sacdoc.exe sim"));
    let out = lines_of(server.0.stdout.take().unwrap());
    let events = lines_of(server.0.stderr.take().unwrap());
    wait_for_line(&out, &format!("on {target}"));

    let mut first = sacdoc("pipe-first", &["run", &target, "--", "ver"]);
    first.stdout(Stdio::piped()).stderr(Stdio::piped());
    let first = first.spawn().expect("first client");
    // The server says when the first client holds the pipe; then a second one must be refused.
    wait_for_line(&events, "client connected");
    let busy = run(sacdoc("pipe-second", &["sac", &target, "--", "i"]));
    assert_ne!(busy.status.code(), Some(0), "{}", describe(&busy));
    assert!(text(&busy.stderr).contains("the pipe is busy"), "{}", describe(&busy));
    assert!(text(&busy.stderr).contains("close it and try again"), "{}", describe(&busy));
    let first = wait(first, CALL_LIMIT);
    assert_eq!(first.status.code(), Some(0), "{}", describe(&first));
    assert!(text(&first.stdout).contains("Microsoft Windows [Version"), "{}", describe(&first));

    // Once the first client has gone, the pipe serves the next one: the doctor.
    wait_for_line(&events, "client disconnected");
    let o = run(sacdoc("pipe-doctor", &["doctor", &target, "--json"]));
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    assert_eq!(statuses(&o), Vec::<String>::new(), "healthy: {}", describe(&o));
}

#[test]
fn a_transcript_recorded_on_windows_replays_to_the_same_report() {
    let state = r"C:\sacdoc-tests\replay";
    let live = run(sacdoc("replay", &["doctor", "sim:cert-expired?start=sac", "--json"]));
    assert_eq!(live.status.code(), Some(1), "{}", describe(&live));
    let cast = walk(&on_c(state))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "cast"))
        .expect("a transcript");
    let windows_cast = format!(
        r"{state}\{}",
        cast.strip_prefix(on_c(state)).unwrap().to_string_lossy().replace('/', "\\")
    );
    let replayed =
        run(sacdoc("replay-2", &["doctor", &format!("replay:{windows_cast}"), "--json"]));
    assert_eq!(replayed.status.code(), Some(1), "{}", describe(&replayed));
    assert_eq!(statuses(&live), ["rdp-certificate: problem"], "{}", describe(&live));
    let checks = |o: &Output| {
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(o)));
        let mut checks = v["checks"].as_array().cloned().unwrap_or_default();
        // A planned fix names its backup files by the local time of the run.
        for c in &mut checks {
            c.as_object_mut().map(|c| (c.remove("bytes"), c.remove("fix")));
        }
        checks
    };
    assert_eq!(checks(&live).len(), 9, "{}", describe(&live));
    assert_eq!(checks(&live), checks(&replayed));
}

#[test]
fn parse_reads_utf16_and_oem_code_page_files() {
    let dir = on_c(r"C:\sacdoc-tests\parse");
    std::fs::create_dir_all(&dir).unwrap();
    let sample = fixture("netstat", "en-win10-anob.txt");
    let body: Vec<u8> = String::from_utf8_lossy(&sample)
        .lines()
        .filter(|l| !l.starts_with("#|"))
        .flat_map(|l| format!("{l}\r\n").into_bytes())
        .collect();
    // UTF-16LE with a byte-order mark, as PowerShell's `>` writes.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in String::from_utf8_lossy(&body).encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(dir.join("utf16.txt"), &utf16).unwrap();
    std::fs::write(dir.join("utf8.txt"), &body).unwrap();
    let a = run(sacdoc("parse", &["parse", "netstat", r"C:\sacdoc-tests\parse\utf16.txt"]));
    let b = run(sacdoc("parse", &["parse", "netstat", r"C:\sacdoc-tests\parse\utf8.txt"]));
    assert_eq!(a.status.code(), Some(0), "{}", describe(&a));
    assert_eq!(b.status.code(), Some(0), "{}", describe(&b));
    assert!(text(&a.stdout).contains("\"local_port\": 135"), "{}", describe(&a));
    assert_eq!(text(&a.stdout), text(&b.stdout));

    // A German netstat in code page 850 (umlauts as single bytes), read with --encoding.
    let german = "\r\nAktive Verbindungen\r\n\r\n  Proto  Lokale Adresse         Remoteadresse          Status\r\n  TCP    0.0.0.0:3389           0.0.0.0:0              ABH\u{d6}REN\r\n";
    let cp850: Vec<u8> = german
        .chars()
        .map(|c| match c {
            '\u{d6}' => 0x99, // Ö in code page 850
            c => c as u8,
        })
        .collect();
    std::fs::write(dir.join("cp850.txt"), &cp850).unwrap();
    let o = run(sacdoc(
        "parse",
        &["parse", "netstat", "--encoding", "cp850", r"C:\sacdoc-tests\parse\cp850.txt"],
    ));
    assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
    assert!(text(&o.stdout).contains("ABHÖREN"), "{}", describe(&o));
}

#[test]
fn a_closed_stdout_pipe_ends_quietly() {
    let dir = on_c(r"C:\sacdoc-tests\pipe-close");
    std::fs::create_dir_all(&dir).unwrap();
    // Large enough that the output outlasts the pipe's buffer.
    let sample = text(&fixture("netstat", "en-win10-anob.txt")).repeat(200);
    std::fs::write(dir.join("big.txt"), sample).unwrap();
    let mut c = sacdoc("parse", &["parse", "netstat", r"C:\sacdoc-tests\pipe-close\big.txt"]);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("wine");
    let mut first = [0u8; 64];
    let mut out = child.stdout.take().unwrap();
    let n = out.read(&mut first).unwrap();
    assert!(n > 0);
    drop(out); // `| more` that quits
    let o = wait(child, CALL_LIMIT);
    let err = text(&o.stderr);
    assert!(!err.contains("panicked"), "{}", describe(&o));
    assert!(!err.contains("Broken pipe") && !err.contains("os error"), "{}", describe(&o));
}

/// The doctor's checks that did not come out `ok`, as `id: status`.
fn statuses(o: &Output) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(o)));
    let checks = v["checks"].as_array().unwrap_or_else(|| panic!("no checks: {}", describe(o)));
    checks
        .iter()
        .filter(|c| c["status"] != "ok")
        .map(|c| {
            format!("{}: {}", c["id"].as_str().unwrap_or("?"), c["status"].as_str().unwrap_or("?"))
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The text UI on crossterm's Windows backend, in a real terminal (tmux) through Wine's console:
/// it shows the VM's `SAC>` and quits with Ctrl+A q, exit 0. Wine's console redraws a full-screen
/// program imperfectly, so only what it shows reliably is checked (see README "Windows").
#[test]
fn the_text_ui_starts_shows_sac_and_quits_cleanly() {
    let session = format!("sacdoc-wine-tui-{}", std::process::id());
    let script = format!(
        "WINEDEBUG=-all NO_COLOR=1 SACDOC_STATE_DIR='C:\\sacdoc-tests\\tui' wine '{}' tui \
         sim:healthy; echo EXITED $?; sleep 60",
        exe().display()
    );
    let ok = Command::new("tmux")
        .args(["new-session", "-d", "-s", &session, "-x", "100", "-y", "30", &script])
        .status()
        .expect("tmux");
    assert!(ok.success());
    struct Kill(String);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).status();
        }
    }
    let _kill = Kill(session.clone());
    let pane = || {
        let o = Command::new("tmux").args(["capture-pane", "-p", "-t", &session]).output();
        o.map(|o| text(&o.stdout)).unwrap_or_default()
    };
    let wait_for = |want: &str| {
        let deadline = Instant::now() + CALL_LIMIT;
        loop {
            let p = pane();
            if p.contains(want) {
                return;
            }
            assert!(Instant::now() < deadline, "no {want:?} on screen:\n{p}");
            std::thread::sleep(Duration::from_millis(300));
        }
    };
    wait_for("SAC>");
    wait_for("[connected]");
    Command::new("tmux").args(["send-keys", "-t", &session, "C-a"]).status().expect("tmux");
    std::thread::sleep(Duration::from_millis(500));
    Command::new("tmux").args(["send-keys", "-t", &session, "q"]).status().expect("tmux");
    wait_for("EXITED 0");
}
