//! The SAC session and the runner against the in-process simulator, both profiles, quirks on:
//! outputs must equal what the simulated machine prints for the same command.

use crate::session_common;

use sacdoc::runner::Shell;
use sacdoc::sac::{Profile, Session, SessionError};
use session_common::*;

const QUIRKS: &str = "dropkeys=1&eatchars=1&cronly=1";

fn check_same(s: &mut Session, scenario: &str, query: &str, cmd: &str) {
    let out = s.run(cmd).unwrap_or_else(|e| panic!("{cmd}: {e}"));
    let (want, code) = expected_in(scenario, query, cmd);
    assert_eq!(out.output, want, "output of {cmd:?}");
    assert_eq!(out.exit_code, Some(code), "exit code of {cmd:?}");
    assert!(out.bytes_sent > cmd.len() as u64);
    assert!(out.bytes_received > 0);
}

fn procedure(profile: &str, commands: &[&str]) {
    // A short paint interval keeps the 500 KB netstat of busy-server quick on the painted profile.
    let q = format!("profile={profile}&start=sac&paint_ms=2&{QUIRKS}");
    let mut s = sim_session("busy-server", &q);
    let want = if profile == "ws2022" { Profile::Stream } else { Profile::Painted };
    assert_eq!(s.profile(), Some(want));
    for cmd in commands {
        check_same(&mut s, "busy-server", &q, cmd);
    }
    let (sent, received) = s.close().expect("close");
    assert!(sent > 0 && received > sent);
}

const READS: &[&str] = &[
    "ver",
    "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v PortNumber",
    "sc query TermService",
    "tasklist /svc",
    "foo",
];

#[test]
fn procedure_reads_stream_profile() {
    procedure("ws2022", READS);
}

#[test]
fn procedure_reads_painted_profile() {
    procedure("ws2019", READS);
}

/// The 500 KB `netstat -anob` of busy-server, thousands of screens on the painted profile.
#[test]
fn busy_server_netstat_stream_profile() {
    procedure("ws2022", &["netstat -anob"]);
}

#[test]
fn busy_server_netstat_painted_profile() {
    procedure("ws2019", &["netstat -anob"]);
}

/// Lines longer than the console, of exactly its width, and with trailing spaces come back as
/// printed, on both profiles.
#[test]
fn wrapped_and_exact_width_lines_come_back_exact() {
    let long = "L".repeat(130);
    let exact = "E".repeat(80);
    for profile in ["ws2022", "ws2019"] {
        let q = format!("profile={profile}&start=sac");
        let mut s = sim_session("healthy", &q);
        for cmd in [format!("echo {long}"), format!("echo {exact}"), "echo trailing   ".to_string()]
        {
            check_same(&mut s, "healthy", &q, &cmd);
        }
        s.close().expect("close");
    }
}

/// `x & echo %errorlevel%` shows the old errorlevel; the runner's marker reads the new one.
#[test]
fn exit_code_is_the_commands_own() {
    let mut s = sim_session("healthy", "profile=ws2022&start=sac");
    let out = s.run("foo").expect("run");
    assert_eq!(out.exit_code, Some(9009));
    assert!(out.output.contains("'foo' is not recognized"));
    let out = s.run("ver").expect("run");
    assert_eq!(out.exit_code, Some(0));
    s.close().expect("close");
}

/// Start states: the session reaches SAC> from each, without typing into a login prompt.
/// A relay that replays the console's earlier output on connect (an old banner, an old login
/// screen, an old prompt, `-- More --`): the session finds the state by acting, not by the first
/// bytes read, and the command's output is exact.
#[test]
fn a_relay_that_replays_old_output_misleads_nothing() {
    for start in ["sac", "cmd", "login", "switch", "more", "typed"] {
        for profile in ["ws2022", "ws2019"] {
            let q = format!("profile={profile}&start={start}&history=1");
            let (want, code) = expected_in("healthy", &q, "ver");
            let mut s = Session::attach(sim_link("healthy", &q), options("healthy", 20))
                .unwrap_or_else(|e| panic!("{q}: {e}"));
            s.ensure_cmd().unwrap_or_else(|e| panic!("{q}: cmd: {e}"));
            let out = s.run("ver").unwrap_or_else(|e| panic!("{q}: ver: {e}"));
            assert_eq!((out.output.as_str(), out.exit_code), (want.as_str(), Some(code)), "{q}");
            s.close().unwrap_or_else(|e| panic!("{q}: close: {e}"));
        }
    }
}

#[test]
fn reaches_sac_from_every_start_state() {
    for start in ["booting", "sac", "cmd", "login", "switch"] {
        for profile in ["ws2022", "ws2019"] {
            let q = format!("profile={profile}&start={start}");
            let mut s = Session::attach(sim_link("healthy", &q), options("healthy", 20))
                .unwrap_or_else(|e| panic!("{q}: {e}"));
            let id = s.sac("id").unwrap_or_else(|e| panic!("{q}: id: {e}"));
            assert!(id.contains("Computer Name"), "{q}: {id:?}");
            s.ensure_cmd().unwrap_or_else(|e| panic!("{q}: cmd: {e}"));
            let out = s.run("ver").unwrap_or_else(|e| panic!("{q}: ver: {e}"));
            assert_eq!(out.exit_code, Some(0));
            s.close().unwrap_or_else(|e| panic!("{q}: close: {e}"));
        }
    }
}

#[test]
fn crashed_machine_is_reported() {
    let mut s = Session::attach(sim_link("healthy", "start=crashed"), options("healthy", 10))
        .expect("attach");
    assert!(s.crashed());
    assert!(matches!(s.ensure_cmd(), Err(SessionError::Crashed)));
}

#[test]
fn wrong_password_fails_once() {
    let mut o = options("healthy", 10);
    o.credentials.password = sacdoc::sac::Secret::new("wrong-password");
    let mut s = Session::attach(sim_link("healthy", "start=sac"), o).expect("attach");
    let e = s.ensure_cmd().expect_err("must fail");
    assert!(matches!(e, SessionError::LoginFailed { .. }), "{e}");
    assert!(!e.to_string().contains("wrong-password"));
}

#[test]
fn cmd_service_failures_are_clear() {
    for (failure, needle) in [
        ("not_registered", "has not registered"),
        ("disabled", "disabled"),
        ("timeout", "timed out"),
        ("failed", "could not create"),
    ] {
        let q = format!("start=sac&cmd_failure={failure}");
        let mut s =
            Session::attach(sim_link("healthy", &q), options("healthy", 3)).expect("attach");
        let e = s.ensure_cmd().expect_err("must fail");
        assert!(matches!(e, SessionError::CmdUnavailable(_)), "{failure}: {e}");
        assert!(e.to_string().contains(needle), "{failure}: {e}");
    }
}

/// An idle timeout asks for credentials again: the session logs in once more and goes on.
#[test]
fn idle_timeout_leads_to_one_relogin() {
    let q = "profile=ws2022&start=sac&idle_timeout_s=1";
    let mut s = sim_session("healthy", q);
    assert_eq!(s.run("ver").expect("first").exit_code, Some(0));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = s.run("ver").expect("after the timeout");
    assert_eq!(out.output, expected_in("healthy", q, "ver").0);
    assert_eq!(s.relogins(), 1);
    s.close().expect("close");
}

/// A command that prints nothing for seconds (`ping -n N` waits N seconds in the simulator, as
/// `gpupdate /force` and others do on a real VM) is a busy VM, not a console that drops keys.
/// The painted capture's wait for its first screen presses Enter to bring back a prompt the line
/// may have garbled; the late answer to that Enter must not be learned as a debounce, which would
/// pause seconds before every repeated key of every later line. Several lengths, so that the
/// answer lands inside the Enters' own retry window whenever the first one goes out.
#[test]
fn a_slow_command_teaches_no_debounce() {
    let q = "profile=ws2019&start=sac";
    let mut s = sim_session("healthy", q);
    for secs in 3..=7 {
        let cmd = format!("ping -n {secs} 127.0.0.1");
        let out = s.run(&cmd).unwrap_or_else(|e| panic!("{cmd}: {e}"));
        assert!(out.output.contains(&format!("Sent = {secs}")), "{cmd}: {:?}", out.output);
        assert_eq!(s.debounce(), None, "after {cmd}: a debounce was learned from a busy VM");
    }
    check_same(&mut s, "healthy", q, "ver");
    s.close().expect("close");
}
