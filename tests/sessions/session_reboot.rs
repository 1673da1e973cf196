//! A reboot over a loopback TCP console: the session that typed `shutdown /r /t 0` is told
//! promptly that the VM is restarting (by the command, or by its next step when the command's
//! output was verified first), and a new session reaches SAC and runs commands once the VM is
//! back (the banner, not a switch screen, is what a rebooted VM shows first).

use crate::session_common;

use sacdoc::runner::{RunError, Shell};
use sacdoc::sac::Session;
use sacdoc::sim::server::{ServeSpec, Server};
use sacdoc::target::Target;
use session_common::*;
use std::io::Write;

const SCENARIO: &str = "gpo-reverts-tls";

fn session(target: &str) -> Session {
    let t: Target = target.parse().unwrap_or_else(|e| panic!("{target}: {e}"));
    let link = t.open().unwrap_or_else(|e| panic!("{target}: {e}"));
    let mut s = Session::attach(link, options(SCENARIO, 20)).expect("attach");
    s.ensure_cmd().expect("cmd channel");
    s
}

fn reboot_and_reconnect(profile: &str) {
    let q = format!("profile={profile}&start=sac&paint_ms=2");
    let server = Server::start(&ServeSpec::new("tcp://127.0.0.1:0", SCENARIO, &q)).expect("server");
    let target = format!("tcp://{}", server.addr().expect("address"));
    let mut s = session(&target);
    match s.run("shutdown /r /t 0") {
        // The VM went down while the capture was still reading the output back.
        Err(RunError::Restarting) => drop(s),
        // The output was verified at the prompt before the VM went down (a streaming console's
        // capture ends there; no line of its own follows it since the spool is deleted by the
        // next line): the command ended well, and closing notices the restart instead of
        // waiting on the booting VM.
        Ok(out) => {
            assert_eq!(out.exit_code, Some(0), "{profile}");
            let start = std::time::Instant::now();
            s.close().unwrap_or_else(|e| panic!("{profile}: close after the restart: {e}"));
            assert!(start.elapsed() < std::time::Duration::from_secs(8), "{profile}: slow close");
        }
        Err(e) => panic!("{profile}: {e:?}"),
    }
    let mut s = session(&target);
    let out = s.run("ver").unwrap_or_else(|e| panic!("{profile}: ver after the reboot: {e}"));
    let (want, code) = expected_in(SCENARIO, &q, "ver");
    assert_eq!(out.output, want, "{profile}");
    assert_eq!(out.exit_code, Some(code));
    s.close().expect("close");
    server.stop();
}

#[test]
fn reboot_then_reconnect_painted_profile() {
    reboot_and_reconnect("ws2019");
}

#[test]
fn reboot_then_reconnect_stream_profile() {
    reboot_and_reconnect("ws2022");
}

/// Text left half-typed at `SAC>` (a client that kept typing after the VM restarted) is erased
/// by the next session before it types anything.
#[test]
fn half_typed_text_at_sac_is_erased() {
    for junk in ["del x", "del \"%TEMP%\\sd8ef472.txt\" >nul 2>&1 & del \"%TEMP%\\sd8ef472.b64\""] {
        let q = "profile=ws2019&start=sac";
        let mut link = sim_link(SCENARIO, q);
        link.write_all(junk.as_bytes()).expect("type junk");
        link.flush().expect("flush");
        let mut s = Session::attach(link, options(SCENARIO, 20))
            .unwrap_or_else(|e| panic!("{junk:?}: attach: {e}"));
        s.ensure_cmd().unwrap_or_else(|e| panic!("{junk:?}: cmd channel: {e}"));
        let out = s.run("ver").unwrap_or_else(|e| panic!("{junk:?}: ver: {e}"));
        assert_eq!(out.output, expected_in(SCENARIO, q, "ver").0);
        s.close().expect("close");
    }
}
