//! Console servers whose port another user holds: ser2net accepts, writes `Port already in use\r\n`
//! (dataxfer.c) and closes. Every console-server form (raw TCP, telnet, RFC 2217) turns that into
//! an error that says so, and the reconnecting link does not hammer the server.

use crate::support;

use std::process::{Command, Stdio};

use sacdoc::target::Target;
use sacdoc::transport::is_final;
use sacdoc::transport::reconnect::{LinkEvent, ReconnectPolicy, ReconnectingLink};
use support::rfc2217_server::{ConsoleServer, ServerConfig};

fn busy(telnet: bool, line: &'static str) -> ConsoleServer {
    ConsoleServer::start(ServerConfig {
        sim: None,
        refuse_com_port: false,
        locked_baud: None,
        busy_line: Some(line),
        telnet,
    })
}

#[test]
fn telnet_and_raw_ports_report_the_refusal_and_do_not_retry() {
    for (scheme, telnet) in [("telnet", true), ("tcp", false)] {
        let server = busy(telnet, "Port already in use\r\n");
        let t: Target = format!("{scheme}://127.0.0.1:{}", server.port()).parse().unwrap();
        let mut link = ReconnectingLink::open(&t, ReconnectPolicy::default()).unwrap();
        let e = support::read_to_end(&mut link).expect_err("an error, not a plain close");
        let msg = e.to_string();
        assert!(is_final(&e), "{scheme}: {msg}");
        assert!(
            msg.contains("\"Port already in use\"") && msg.contains("another user holds"),
            "{msg}"
        );
        assert!(matches!(link.status().last_event(), Some(LinkEvent::GaveUp { attempts: 0, .. })));
        assert_eq!(server.log().connections, 1, "{scheme}: no reconnect attempts");
    }
}

#[test]
fn a_device_held_elsewhere_is_told_apart() {
    let server = busy(true, "Port's device already in use\r\n");
    let mut link =
        format!("telnet://127.0.0.1:{}", server.port()).parse::<Target>().unwrap().open().unwrap();
    let msg = support::read_to_end(&mut link).err().unwrap().to_string();
    assert!(msg.contains("has the serial device open"), "{msg}");
}

#[test]
fn rfc2217_open_fails_with_the_refusal() {
    let server = busy(true, "Port already in use\r\n");
    let t: Target = format!("rfc2217://127.0.0.1:{}", server.port()).parse().unwrap();
    let e = sacdoc::transport::chain(&t.open().err().unwrap());
    assert!(e.contains("Port already in use") && e.contains("another user holds"), "{e}");
}

#[test]
fn a_plain_close_is_still_just_a_close() {
    // Console output that merely mentions the words, then a normal hang-up.
    let sim = support::sim_server("healthy", "profile=ws2022");
    let mut link =
        format!("tcp://{}", sim.addr().unwrap()).parse::<Target>().unwrap().open().unwrap();
    link.write_all(b"\r").unwrap();
    support::read_until(&mut link, "SAC>").unwrap();
    drop(sim);
    assert!(support::read_to_end(&mut link).is_ok(), "a hang-up without a refusal is Ok(0)");
}

#[test]
fn the_binary_says_the_port_is_busy() {
    let server = busy(true, "Port already in use\r\n");
    let state = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
        .args(["run", &format!("telnet://127.0.0.1:{}", server.port()), "--no-record", "--", "ver"])
        .env("SACDOC_STATE_DIR", state.path())
        .env("SACDOC_USER", support::USER)
        .env("SACDOC_PASSWORD", support::PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(255), "{err}");
    assert!(err.contains("Port already in use") && err.contains("another user holds"), "{err}");
}
