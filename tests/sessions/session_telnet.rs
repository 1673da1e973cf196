//! The session over telnet, as ser2net's `telnet` accepter serves a console: the simulator's server
//! listens with `telnet://` on a loopback port, and `Session::connect` reaches it through the
//! `telnet://127.0.0.1:PORT` target. Both profiles, quirks on (dropkeys, eatchars, cronly); the
//! procedure's commands must give exactly what the simulated machine prints for them.

use crate::session_common;

use std::time::Duration;

use sacdoc::runner::Shell;
use sacdoc::sac::{ConnectConfig, Profile, Session};
use sacdoc::sim::machine::ShellState;
use sacdoc::sim::server::{ServeSpec, Server, ServerEvent};
use sacdoc::target::Target;
use session_common::creds;

const SCENARIO: &str = "healthy";

/// The procedure's reads (rdp-internal-error.md): the listening port, who holds it, the service,
/// the MachineKeys ACL.
const COMMANDS: &[&str] = &[
    "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v PortNumber",
    "netstat -anob | findstr :3389",
    "sc query TermService",
    "icacls C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys",
];

/// Quirks of real guests on, and a short paint interval so the painted profile stays quick.
const QUIRKS: &str = "dropkeys=1&eatchars=1&cronly=1&paint_ms=2";

fn over_telnet(profile: &str, start: &str) {
    let q = format!("profile={profile}&start={start}&seed=3&{QUIRKS}");
    let server =
        Server::start(&ServeSpec::new("telnet://127.0.0.1:0", SCENARIO, &q)).expect("server");
    let addr = server.addr().expect("address");
    assert_eq!(server.describe(), format!("telnet://{addr}"));
    let target: Target = format!("telnet://{addr}").parse().expect("target");
    assert!(matches!(target, Target::Telnet { .. }), "{target:?}");
    let mut cfg = ConnectConfig::new(target, creds(SCENARIO));
    cfg.timeout = Duration::from_secs(20);
    let mut s = Session::connect(&cfg).unwrap_or_else(|e| panic!("{profile}: connect: {e}"));
    let want_profile = if profile == "ws2022" { Profile::Stream } else { Profile::Painted };
    assert_eq!(s.profile(), Some(want_profile), "{profile}");

    // What the simulator's state says each command must print: the same machine, booted.
    let mut machine = sacdoc::sim::prepared_machine(SCENARIO, &q).expect("machine");
    machine.boot();
    let mut shell = ShellState { user: creds(SCENARIO).user, ..ShellState::default() };
    for cmd in COMMANDS {
        let want = machine.exec(&mut shell, cmd);
        let out = s.run(cmd).unwrap_or_else(|e| panic!("{profile}: {cmd}: {e}"));
        assert_eq!(out.output, want.output, "{profile}: output of {cmd:?}");
        assert_eq!(out.exit_code, Some(want.exit_code), "{profile}: exit code of {cmd:?}");
    }
    // The commands are not empty answers that would match trivially.
    let port = machine.exec(&mut shell, COMMANDS[0]).output;
    assert!(port.contains("PortNumber    REG_DWORD    0xd3d"), "{port:?}");
    let (sent, received) = s.close().expect("close");
    assert!(sent > 0 && received > sent, "{sent} {received}");
    let events: Vec<ServerEvent> = server.events().try_iter().collect();
    assert!(events.iter().any(|e| matches!(e, ServerEvent::Connected(_))), "{events:?}");
    server.stop();
}

#[test]
fn procedure_over_telnet_stream_profile() {
    over_telnet("ws2022", "sac");
}

#[test]
fn procedure_over_telnet_painted_profile() {
    over_telnet("ws2019", "cmd");
}
