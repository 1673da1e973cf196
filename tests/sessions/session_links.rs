//! The session over real links to the simulator's servers: a pty opened through `serialport` at
//! 115200 baud, and a loopback TCP socket. Both profiles, quirks on, outputs compared with what the
//! simulated machine prints.

use crate::session_common;

use sacdoc::runner::Shell;
use sacdoc::sac::Session;
use sacdoc::sim::server::{ServeSpec, Server};
use sacdoc::target::Target;
use session_common::*;

fn run_over(target: &str, scenario: &str, query: &str) {
    let t: Target = target.parse().unwrap_or_else(|e| panic!("{target}: {e}"));
    let link = t.open().unwrap_or_else(|e| panic!("{target}: {e}"));
    let mut s = Session::attach(link, options(scenario, 20)).expect("attach");
    s.ensure_cmd().expect("cmd channel");
    for cmd in ["ver", "netstat -anob", "sc qc TermService"] {
        let out = s.run(cmd).unwrap_or_else(|e| panic!("{target} {cmd}: {e}"));
        let (want, code) = expected_in(scenario, query, cmd);
        assert_eq!(out.output, want, "{target}: {cmd}");
        assert_eq!(out.exit_code, Some(code), "{target}: {cmd}");
    }
    s.close().expect("close");
}

const QUIRKS: &str = "dropkeys=1&eatchars=1&cronly=1&paint_ms=2";

#[cfg(unix)]
fn over_pty(profile: &str) {
    let q = format!("profile={profile}&start=sac&{QUIRKS}");
    let server = Server::start(&ServeSpec::new("pty", "busy-server", &q)).expect("server");
    let path = server.pty_path().expect("pty path").display().to_string();
    run_over(&format!("serial://{path}?baud=115200"), "busy-server", &q);
    server.stop();
}

fn over_tcp(profile: &str) {
    let q = format!("profile={profile}&start=cmd&{QUIRKS}");
    let server =
        Server::start(&ServeSpec::new("tcp://127.0.0.1:0", "busy-server", &q)).expect("server");
    let addr = server.addr().expect("address");
    run_over(&format!("tcp://{addr}"), "busy-server", &q);
    server.stop();
}

#[cfg(unix)]
#[test]
fn over_a_pty_at_115200_stream_profile() {
    over_pty("ws2022");
}

#[cfg(unix)]
#[test]
fn over_a_pty_at_115200_painted_profile() {
    over_pty("ws2019");
}

#[test]
fn over_loopback_tcp_stream_profile() {
    over_tcp("ws2022");
}

#[test]
fn over_loopback_tcp_painted_profile() {
    over_tcp("ws2019");
}
