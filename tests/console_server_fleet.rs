//! `sacdoc doctor --targets FILE`: the fleet runner (src/cli/fleet.rs) on several consoles at once
//! (a console server's raw port, an RFC 2217 port, an Azure VM, and one that is down), with a bound
//! on parallel sessions.

mod support;

use sacdoc::cli::fleet;
use sacdoc::{cli, doctor};

use std::sync::Mutex;

use serde_json::Value;
use support::azure_relay::{Relay, RelayConfig};
use support::rfc2217_server::{ConsoleServer, ServerConfig};

#[test]
fn the_targets_file_is_checked_line_by_line_before_anything_connects() {
    let text = "# consoles of rack 4\n\ntelnet://consoles:7001\nnot a target\nrfc2217://consoles:7002?baud=115200  # web02\ntelnet://consoles:7001\n";
    let e = format!("{:#}", fleet::parse_targets(text).unwrap_err());
    assert!(e.contains("line 4:"), "{e}");
    assert!(e.contains("line 6: telnet://consoles:7001 is already on line 3"), "{e}");
    let ok = fleet::parse_targets(
        "COM3\nrfc2217://consoles:7002?baud=115200  # web02\nazure://s/rg/vm\n",
    )
    .unwrap();
    let lines: Vec<(usize, &str)> = ok.iter().map(|t| (t.line, t.text.as_str())).collect();
    assert_eq!(
        lines,
        vec![(1, "COM3"), (2, "rfc2217://consoles:7002?baud=115200"), (3, "azure://s/rg/vm")]
    );
    assert!(fleet::parse_targets("# nothing\n").is_err());
}

#[test]
fn diagnoses_every_console_with_at_most_n_sessions_at_once() {
    support::private_state_dir();
    let sims: Vec<_> =
        (0..3).map(|_| support::sim_server("port-conflict", "profile=ws2022")).collect();
    let rfc = ConsoleServer::start(ServerConfig::rfc2217(sims[1].addr().unwrap()));
    let relay = Relay::start(RelayConfig::new(sims[2].addr().unwrap()));
    std::env::set_var("SACDOC_AZURE_TOKEN", &relay.config.token);
    std::env::set_var("SACDOC_AZURE_ARM_ENDPOINT", relay.endpoint());
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down_port = down.local_addr().unwrap().port();
    drop(down);
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, format!("{}\n", support::PASSWORD)).unwrap();
    let text = format!(
        "tcp://{}\nrfc2217://127.0.0.1:{}\n{}\ntcp://127.0.0.1:{down_port}\n",
        sims[0].addr().unwrap(),
        rfc.port(),
        relay.target()
    );
    let targets = fleet::parse_targets(&text).unwrap();
    let connect = cli::connect::ConnectArgs {
        user: Some(support::USER.into()),
        password_file: Some(pw),
        no_record: true,
        timeout: Some(30),
        output_limit: None,
        ..Default::default()
    };
    let configs = fleet::configs(&targets, &connect).unwrap();
    let mut buf: Vec<u8> = Vec::new();
    let template = doctor::RunOptions::new("fleet", sacdoc::paths::target_dir("fleet"));
    let summary = {
        let sink: &mut (dyn std::io::Write + Send) = &mut buf;
        fleet::run_configs(&configs, 2, &template, &Mutex::new(sink)).unwrap()
    };
    assert_eq!(summary.exit_code, 2, "one console is down");
    assert_eq!(summary.targets, 4);
    assert!((1..=2).contains(&summary.max_concurrent), "{summary:?}");
    let lines: Vec<Value> =
        String::from_utf8(buf).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4, "one line per target");
    let by_target = |t: &str| {
        lines
            .iter()
            .find(|l| l["target"] == t)
            .unwrap_or_else(|| panic!("no line for {t}: {lines:?}"))
    };
    let mut reports = Vec::new();
    for t in [
        format!("tcp://{}", sims[0].addr().unwrap()),
        format!("rfc2217://127.0.0.1:{}", rfc.port()),
        relay.target(),
    ] {
        let l = by_target(&t);
        assert_eq!(l["exit_code"], 1, "port-conflict has a problem: {l}");
        let mut r = l["report"].clone();
        support::strip_link_fields(&mut r);
        r.as_object_mut().unwrap().remove("duration_ms");
        reports.push(r);
    }
    assert_eq!(reports[0]["checks"][0]["id"], "rdp-port");
    assert_eq!(reports[0], reports[1], "the same VM state gives the same report over any link");
    assert_eq!(reports[0], reports[2]);
    let down_line = by_target(&format!("tcp://127.0.0.1:{down_port}"));
    assert_eq!(down_line["exit_code"], 2);
    assert!(
        down_line["error"].as_str().unwrap_or("").contains("is the console server listening"),
        "{down_line}"
    );
    assert!(fleet::run_configs(
        &configs,
        0,
        &template,
        &Mutex::new(&mut Vec::new() as &mut (dyn std::io::Write + Send))
    )
    .is_err());
}
