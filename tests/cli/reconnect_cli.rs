//! `--reconnect` against a simulated VM served on a real loopback TCP port that cuts the
//! connection once, after a given number of bytes (the `cut_after` fault; the VM and its cmd
//! channel live on, as behind a console server whose TCP session dropped). The real binary finds
//! the console again and resumes: the doctor's report and `run`'s output are those of a run
//! without the cut.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use sacdoc::sim::server::ServerEvent;

use crate::support::{sim_server, PASSWORD, USER};

fn sacdoc(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(args)
        .env("SACDOC_STATE_DIR", state)
        .env("SACDOC_CONFIG", state.join("none.toml"))
        .env("SACDOC_USER", USER)
        .env("SACDOC_PASSWORD", PASSWORD)
        .env_remove("SACDOC_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The one transcript written below `state`.
fn transcript(state: &Path) -> String {
    let dir = state.join("transcripts");
    let casts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cast"))
        .collect();
    assert_eq!(casts.len(), 1, "{casts:?}");
    std::fs::read_to_string(&casts[0]).unwrap()
}

fn connections(server: &sacdoc::sim::server::ServerHandle) -> usize {
    server.events().try_iter().filter(|e| matches!(e, ServerEvent::Connected(_))).count()
}

/// Cut points in different phases (viewing the new channel, half-way through its login form, a
/// command's capture, a later command), for both output styles: the diagnosis is complete and
/// right each time, and it says the link came back.
#[test]
fn a_doctor_run_cut_anywhere_finds_the_console_again_and_reports_every_check() {
    let cuts = [("ws2022", 2500), ("ws2022", 3200), ("ws2022", 6000), ("ws2022", 14000)];
    for (profile, cut) in cuts.into_iter().chain([("ws2019", 9000)]) {
        let server = sim_server("busy-server", &format!("profile={profile}&cut_after={cut}"));
        let target = format!("tcp://{}", server.addr().unwrap());
        let d = tempfile::tempdir().unwrap();
        let out = sacdoc(d.path(), &["doctor", &target, "--reconnect", "--json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let case = format!("{profile}, cut after {cut} bytes: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{case}");
        assert!(
            stderr.contains("link lost") && stderr.contains("reconnected (attempt 1)"),
            "{case}"
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let checks = report["checks"].as_array().unwrap();
        assert_eq!(checks.len(), 9, "{case}");
        for c in checks {
            assert_eq!(c["status"], "ok", "{case}: {c}");
        }
        let cast = transcript(d.path());
        assert!(cast.contains("the link was cut and opened again"), "{case}");
        if cut == 3200 {
            // This cut falls after the user name was entered: the form is not finished (that
            // could submit a wrong password) but its channel closed and a new one used.
            assert!(
                cast.contains("login was left half done") && cast.contains("Cmd0002"),
                "{case}"
            );
            assert_eq!(cast.matches("\"password submitted\"").count(), 1, "{case}");
        }
        assert_eq!(connections(&server), 2, "{case}");
        server.stop();
    }
}

/// A user's command is never typed twice: once the console is found again, its spool on the VM
/// says whether it never started (cut while it was typed: run now), or ran to its end (cut while
/// its output came: read back from the spool, the paging `more` left open ended with `q`). Each
/// way the output is byte for byte that of a run without a cut, and the channel is closed.
#[test]
fn a_run_cut_anywhere_resumes_from_its_spool_with_the_same_output() {
    let cases = [
        ("ws2022", 3450, "it never started: run it now"),
        ("ws2022", 6000, "it ran to its end: read its output back"),
        ("ws2019", 20000, "end the paging left open"),
    ];
    for (profile, cut, step) in cases {
        let d = tempfile::tempdir().unwrap();
        let uncut = format!("sim:busy-server?profile={profile}&start=sac");
        let want = sacdoc(d.path(), &["run", &uncut, "--", "netstat", "-ano"]);
        assert_eq!(want.status.code(), Some(0), "{}", String::from_utf8_lossy(&want.stderr));
        let server = sim_server("busy-server", &format!("profile={profile}&cut_after={cut}"));
        let target = format!("tcp://{}", server.addr().unwrap());
        let d = tempfile::tempdir().unwrap();
        let out = sacdoc(d.path(), &["run", &target, "--reconnect", "--", "netstat", "-ano"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let case = format!("{profile}, cut after {cut} bytes: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{case}");
        assert!(stderr.contains("reconnected (attempt 1)"), "{case}");
        assert!(out.stdout == want.stdout, "{case}: the output differs from an uncut run's");
        let cast = transcript(d.path());
        assert!(
            cast.contains("the link was cut and opened again") && cast.contains(step),
            "{case}"
        );
        assert_eq!(cast.matches("\"run: netstat -ano\"").count(), 1, "{case}: typed once");
        // The channel the run opened was closed after the reconnect.
        let d2 = tempfile::tempdir().unwrap();
        let ch = sacdoc(d2.path(), &["sac", &target, "--", "ch"]);
        let listing = String::from_utf8_lossy(&ch.stdout);
        assert_eq!(ch.status.code(), Some(0), "{listing}");
        assert!(listing.contains("SAC") && !listing.contains("Cmd0001"), "{listing}");
        assert_eq!(connections(&server), 3, "{case}");
        server.stop();
    }
}

/// A cut right after a wrong password was submitted: once the link is back the channel asks for a
/// login again, and that is taken as the refusal it may be: the password is not typed again.
#[test]
fn a_cut_after_the_password_never_types_it_again() {
    let server = sim_server("busy-server", "profile=ws2022&cut_after=3260");
    let target = format!("tcp://{}", server.addr().unwrap());
    let d = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(["run", &target, "--reconnect", "--", "ver"])
        .env("SACDOC_STATE_DIR", d.path())
        .env("SACDOC_CONFIG", d.path().join("none.toml"))
        .env("SACDOC_USER", USER)
        .env("SACDOC_PASSWORD", "Wrong-Passw0rd!")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("may have been refused") && stderr.contains("Not typed again"),
        "{stderr}"
    );
    let cast = transcript(d.path());
    assert!(cast.contains("the link was cut and opened again"), "{cast}");
    assert_eq!(cast.matches("\"password submitted\"").count(), 1, "one password sent");
    server.stop();
}

/// Without `--reconnect`, the same cut ends the run with the lost link as the reason.
#[test]
fn without_reconnect_a_cut_is_a_lost_line() {
    let server = sim_server("busy-server", "profile=ws2022&cut_after=6000");
    let target = format!("tcp://{}", server.addr().unwrap());
    let d = tempfile::tempdir().unwrap();
    let out = sacdoc(d.path(), &["doctor", &target]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no diagnosis") && stderr.contains("lost"), "{stderr}");
    assert!(!stderr.contains("reconnected"), "{stderr}");
    server.stop();
}
