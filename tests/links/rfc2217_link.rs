//! rfc2217:// against a loopback console server that negotiates COM-PORT-OPTION like ser2net's
//! `telnet(rfc2217)` accepter, with the simulated VM as its serial device.

use crate::support;

use sacdoc::runner::Shell;
use sacdoc::sac::{ConnectConfig, Session};
use sacdoc::target::Target;
use support::rfc2217_server::{ConsoleServer, ServerConfig};

fn target(port: u16, query: &str) -> Target {
    format!("rfc2217://127.0.0.1:{port}{query}").parse().unwrap()
}

#[test]
fn sets_the_line_and_carries_a_whole_session() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let server = ConsoleServer::start(ServerConfig::rfc2217(sim.addr().unwrap()));
    let t = target(server.port(), "?baud=115200&parity=none&data=8&stop=1&flow=none");
    let mut session = Session::connect(&ConnectConfig::new(t, support::credentials())).unwrap();
    let out = session.run("echo rfc2217-ok").unwrap();
    assert!(out.output.contains("rfc2217-ok"), "{out:?}");
    session.close().unwrap();
    let requests = server.log().requests;
    assert_eq!(
        requests,
        vec![
            (1, 115_200u32.to_be_bytes().to_vec()),
            (2, vec![8]),
            (3, vec![1]),
            (4, vec![1]),
            (5, vec![1]),
        ],
        "SET-BAUDRATE, SET-DATASIZE, SET-PARITY, SET-STOPSIZE, SET-CONTROL in RFC 2217 coding"
    );
}

#[test]
fn other_settings_are_coded_as_rfc2217_says() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let server = ConsoleServer::start(ServerConfig::rfc2217(sim.addr().unwrap()));
    let t = target(server.port(), "?baud=9600&parity=even&data=7&stop=2&flow=hardware");
    let link = t.open().unwrap();
    assert_eq!(
        link.describe(),
        format!(
            "rfc2217://127.0.0.1:{}?baud=9600&parity=even&data=7&stop=2&flow=hardware",
            server.port()
        )
    );
    drop(link);
    assert_eq!(
        server.log().requests,
        vec![
            (1, 9600u32.to_be_bytes().to_vec()),
            (2, vec![7]),
            (3, vec![3]),
            (4, vec![2]),
            (5, vec![3])
        ]
    );
}

#[test]
fn a_locked_speed_is_reported_with_the_speed_the_line_has() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let mut cfg = ServerConfig::rfc2217(sim.addr().unwrap());
    cfg.locked_baud = Some(9600);
    let server = ConsoleServer::start(cfg);
    let err = sacdoc::transport::chain(&target(server.port(), "").open().err().unwrap());
    assert!(err.contains("asked for 115200 baud, the line is at 9600 baud"), "{err}");
}

#[test]
fn a_plain_telnet_port_is_told_apart() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let mut cfg = ServerConfig::rfc2217(sim.addr().unwrap());
    cfg.refuse_com_port = true;
    let server = ConsoleServer::start(cfg);
    let err = sacdoc::transport::chain(&target(server.port(), "").open().err().unwrap());
    assert!(err.contains("does not speak RFC 2217") && err.contains("telnet://"), "{err}");
}

#[test]
fn the_doctor_over_rfc2217_matches_a_direct_connection() {
    let sim = support::sim_server("port-conflict", "profile=ws2022");
    let server = ConsoleServer::start(ServerConfig::rfc2217(sim.addr().unwrap()));
    let direct = support::doctor_json(&format!("tcp://{}", sim.addr().unwrap())).unwrap();
    let relayed = support::doctor_json(&format!("rfc2217://127.0.0.1:{}", server.port())).unwrap();
    assert!(direct["checks"].as_array().is_some_and(|c| !c.is_empty()), "{direct}");
    assert_eq!(relayed, direct);
}
