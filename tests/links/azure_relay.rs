//! The Azure Serial Console client against a loopback stand-in for Azure (management API and the
//! relay's websocket, tests/support/azure_relay.rs) with the simulated VM behind it: the token
//! flow, the refusals users meet (bad token, no role, console disabled, boot diagnostics off, VM
//! deallocated, unknown VM), a takeover by another user, and the admin actions.

use crate::support;

use std::io::Write;

use sacdoc::runner::Shell;
use sacdoc::sac::{Session, SessionOptions};
use sacdoc::transport::azure::{
    send_on, AdminCommand, AzureError, AzureLink, AzureOptions, AzureVm, Confirmation, Endpoints,
    Token,
};
use sacdoc::transport::reconnect::{ReconnectPolicy, ReconnectingLink};
use sacdoc::transport::{is_final, Link};
use support::azure_relay::{Relay, RelayConfig, GREETING};

fn vm(r: &Relay) -> AzureVm {
    AzureVm {
        subscription: r.config.subscription.clone(),
        resource_group: r.config.resource_group.clone(),
        vm: r.config.vm.clone(),
    }
}

fn endpoints(r: &Relay) -> Endpoints {
    Endpoints { arm: r.endpoint(), ..Endpoints::default() }
}

fn open(r: &Relay, token: &str) -> Result<AzureLink, AzureError> {
    AzureLink::open_with(
        &vm(r),
        &endpoints(r),
        Token::new(token),
        AzureOptions::default(),
        r.target(),
    )
}

fn session_options() -> SessionOptions {
    let cfg = sacdoc::sac::ConnectConfig::new(
        "sim:healthy".parse::<sacdoc::target::Target>().unwrap(),
        support::credentials(),
    );
    SessionOptions::from_config(&cfg)
}

#[test]
fn a_session_runs_over_the_relay_and_the_token_stays_out_of_it() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let link = open(&relay, &relay.config.token).unwrap();
    assert_eq!(link.describe(), relay.target());
    assert!(!link.describe().contains(&relay.config.token));
    let mut s = Session::attach(Box::new(link), session_options()).unwrap();
    s.ensure_cmd().unwrap();
    let out = s.run("echo over-azure").unwrap();
    assert!(out.output.contains("over-azure"), "{out:?}");
    s.close().unwrap();
    let log = relay.log();
    assert_eq!(
        log.requests,
        vec![
            format!("GET /subscriptions/{}/providers/Microsoft.SerialConsole/consoleServices/default", relay.config.subscription),
            format!("GET /subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachines/{}", relay.config.subscription, relay.config.resource_group, relay.config.vm),
            format!("POST /subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachines/{}/providers/Microsoft.SerialConsole/serialPorts/0/connect", relay.config.subscription, relay.config.resource_group, relay.config.vm),
        ]
    );
    assert_eq!((log.sessions, log.token_messages), (1, 2), "token on open and after the handshake");
    let to_vm = String::from_utf8_lossy(&log.to_vm);
    assert!(!to_vm.contains(&relay.config.token), "the token reached the serial line");
    assert!(to_vm.contains("echo over-azure"), "{to_vm}");
}

#[test]
fn the_handshake_message_is_not_console_output() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let mut link = open(&relay, &relay.config.token).unwrap();
    link.write_all(b"\r").unwrap();
    let seen = support::read_until(&mut link, "SAC>").unwrap();
    assert!(!seen.contains(GREETING), "{seen:?}");
}

#[test]
fn a_rejected_token_is_reported_without_showing_it() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let bad = "eyJexpired.token.value";
    let e = open(&relay, bad).err().unwrap();
    let msg = e.to_string();
    assert!(matches!(e, AzureError::TokenRejected { status: 401, .. }), "{msg}");
    assert!(msg.contains("az login") && !msg.contains(bad), "{msg}");
    assert_eq!(relay.log().sessions, 0);
}

#[test]
fn missing_role_disabled_console_boot_diagnostics_and_deallocated_vm_each_say_what_to_do() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let addr = sim.addr().unwrap();
    type Tweak = Box<dyn Fn(&mut RelayConfig)>;
    let cases: Vec<(Tweak, &str)> = vec![
        (Box::new(|c: &mut RelayConfig| c.forbid_connect = true), "Virtual Machine Contributor"),
        (Box::new(|c: &mut RelayConfig| c.console_disabled = true), "az serial-console enable"),
        (
            Box::new(|c: &mut RelayConfig| c.boot_diagnostics = false),
            "az vm boot-diagnostics enable --name web01 --resource-group rg-web",
        ),
        (Box::new(|c: &mut RelayConfig| c.deallocated = true), "az vm start --name web01"),
        (Box::new(|c: &mut RelayConfig| c.vm = "other".into()), "was not found"),
    ];
    for (tweak, advice) in cases {
        let mut cfg = RelayConfig::new(addr);
        tweak(&mut cfg);
        let relay = Relay::start(cfg);
        let mut v = vm(&relay);
        v.vm = "web01".into();
        let e = AzureLink::open_with(
            &v,
            &endpoints(&relay),
            Token::new(&relay.config.token),
            AzureOptions::default(),
            "x".into(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains(advice), "{advice:?} not in {e}");
        assert!(!e.contains(&relay.config.token), "{e}");
        assert_eq!(relay.log().sessions, 0);
    }
}

#[test]
fn another_user_taking_over_ends_the_link_for_good() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let (v, ep, tok) = (vm(&relay), endpoints(&relay), relay.config.token.clone());
    let name = relay.target();
    let opener = move || {
        AzureLink::open_with(&v, &ep, Token::new(&tok), AzureOptions::default(), name.clone())
            .map(|l| Box::new(l) as Box<dyn Link>)
            .map_err(|e| sacdoc::target::OpenError::new("azure", e))
    };
    let mut first =
        ReconnectingLink::with_opener(relay.target(), Box::new(opener), ReconnectPolicy::default())
            .unwrap();
    first.write_all(b"\r").unwrap();
    support::read_until(&mut first, "SAC>").unwrap();
    // A colleague opens the console in the portal.
    let mut second = open(&relay, &relay.config.token).unwrap();
    let e = support::read_to_end(&mut first).expect_err("the first link must end with an error");
    let msg = e.to_string();
    assert!(msg.contains("took it over") && msg.contains("run the command again"), "{msg}");
    assert!(msg.contains("Another user has connected"), "the relay's reason is quoted: {msg}");
    assert!(is_final(&e), "a takeover is final: {e:?}");
    assert!(matches!(
        first.status().last_event(),
        Some(sacdoc::transport::reconnect::LinkEvent::GaveUp { attempts: 0, .. })
    ));
    assert_eq!(relay.log().sessions, 2, "no reconnect took the console back");
    second.write_all(b"\r").unwrap();
    support::read_until(&mut second, "SAC>").unwrap();
}

#[test]
fn admin_actions_need_confirmation_and_follow_the_cli() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let link = open(&relay, &relay.config.token).unwrap();
    let e = send_on(&link, AdminCommand::Reset, Confirmation::not_given()).err().unwrap();
    assert!(e.to_string().contains("hard-reset the VM"), "{e}");
    assert!(relay.log().admin.is_empty(), "nothing is sent without confirmation");
    send_on(&link, AdminCommand::Nmi, Confirmation::given_by_user()).unwrap();
    send_on(&link, AdminCommand::Reset, Confirmation::given_by_user()).unwrap();
    let admin = relay.log().admin;
    assert_eq!(admin.len(), 2);
    assert_eq!(admin[0].0, "/n/connector/c0ffee/sessions/5e551011/adminCommand/nmi");
    assert_eq!(admin[0].1["command"], "nmi");
    assert_eq!(admin[1].1["command"], "reset");
    assert_eq!(admin[1].1["requestId"].as_str().map(str::len), Some(36));
    assert!(admin[0].1["commandParameters"].is_object());
}

#[test]
fn the_doctor_over_azure_matches_a_direct_connection() {
    let sim = support::sim_server("port-conflict", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let direct = support::doctor_json(&format!("tcp://{}", sim.addr().unwrap())).unwrap();
    let link = open(&relay, &relay.config.token).unwrap();
    let mut s = Session::attach(Box::new(link), session_options()).unwrap();
    s.ensure_cmd().unwrap();
    let opts = sacdoc::doctor::RunOptions::new(
        &relay.target(),
        sacdoc::paths::target_dir(&relay.target()),
    );
    let report =
        sacdoc::doctor::run(&mut s, &opts, &mut sacdoc::doctor::Quiet, &mut sacdoc::doctor::Yes)
            .unwrap();
    s.close().unwrap();
    let mut over_azure = sacdoc::doctor::report::json_without_timing(&report);
    support::strip_link_fields(&mut over_azure);
    assert!(direct["checks"].as_array().is_some_and(|c| c.len() > 3), "{direct}");
    assert_eq!(over_azure, direct);
}

#[test]
fn a_token_refused_at_the_websocket_is_reported_as_such() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let mut cfg = RelayConfig::new(sim.addr().unwrap());
    cfg.ws_token = Some("another-token".into());
    let relay = Relay::start(cfg);
    let e = open(&relay, &relay.config.token).err().unwrap();
    let msg = e.to_string();
    assert!(matches!(e, AzureError::TokenRejected { status: 401, .. }), "{msg}");
    assert!(msg.contains("relay") && !msg.contains(&relay.config.token), "{msg}");
}

#[test]
fn the_older_flow_and_one_byte_per_message_still_work() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let legacy = AzureOptions {
        first_message_is_handshake: false,
        byte_per_message: true,
        takeover_text: None,
    };
    let mut link = AzureLink::open_with(
        &vm(&relay),
        &endpoints(&relay),
        Token::new(&relay.config.token),
        legacy,
        relay.target(),
    )
    .unwrap();
    // Without `&new=1` the relay's first message is console output, shown as it is.
    link.write_all(b"\r").unwrap();
    let seen = support::read_until(&mut link, "SAC>").unwrap();
    assert!(seen.contains(GREETING), "{seen:?}");
    link.write_all(b"ch\r").unwrap();
    support::read_until(&mut link, "SAC").unwrap();
    let log = relay.log();
    assert_eq!(log.token_messages, 1, "the older flow sends the token once");
    assert!(log.to_vm.ends_with(b"\rch\r"), "{:?}", String::from_utf8_lossy(&log.to_vm));
}

/// Through an HTTP proxy (`HTTPS_PROXY`): the management calls and the websocket both go through
/// `CONNECT` tunnels, and a session runs as it does directly.
#[test]
fn everything_goes_through_the_proxy_when_one_is_set() {
    use sacdoc::transport::azure::proxy::Proxy;
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let proxy = support::connect_proxy::ConnectProxy::start(Some("bWU6cEBzcw=="));
    let ep = Endpoints {
        proxy: Proxy::parse(Some(&proxy.url().replace("://", "://me:p%40ss@")), None).unwrap(),
        ..endpoints(&relay)
    };
    let link = AzureLink::open_with(
        &vm(&relay),
        &ep,
        Token::new(&relay.config.token),
        AzureOptions::default(),
        relay.target(),
    )
    .unwrap();
    let mut s = Session::attach(Box::new(link), session_options()).unwrap();
    s.ensure_cmd().unwrap();
    let out = s.run("echo via-the-proxy").unwrap();
    assert!(out.output.contains("via-the-proxy"), "{out:?}");
    s.close().unwrap();
    let heads = proxy.heads();
    let relay_port = relay.endpoint().rsplit(':').next().unwrap().to_string();
    // Three management calls and the websocket, each in its own tunnel to the relay.
    assert_eq!(heads.len(), 4, "{heads:?}");
    for h in &heads {
        assert!(h.starts_with(&format!("CONNECT 127.0.0.1:{relay_port} HTTP/1.1\r\n")), "{h}");
        assert!(!h.contains(&relay.config.token), "the token reached the proxy in clear: {h}");
    }
    assert_eq!(relay.log().sessions, 1);
}

#[test]
fn a_proxy_that_wants_credentials_says_how_to_give_them_and_no_proxy_goes_direct() {
    use sacdoc::transport::azure::proxy::Proxy;
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let proxy = support::connect_proxy::ConnectProxy::start(Some("bWU6cEBzcw=="));
    let open_via = |p: Option<Proxy>| {
        AzureLink::open_with(
            &vm(&relay),
            &Endpoints { proxy: p, ..endpoints(&relay) },
            Token::new(&relay.config.token),
            AzureOptions::default(),
            relay.target(),
        )
    };
    let e = open_via(Proxy::parse(Some(&proxy.url()), None).unwrap()).err().unwrap().to_string();
    assert!(e.contains("407") && e.contains("HTTPS_PROXY"), "{e}");
    // NO_PROXY naming the host: no tunnel at all, the link opens directly.
    let before = proxy.heads().len();
    let link = open_via(Proxy::parse(Some(&proxy.url()), Some("127.0.0.1")).unwrap());
    assert!(link.is_ok(), "{:?}", link.err().map(|e| e.to_string()));
    assert_eq!(proxy.heads().len(), before);
}
