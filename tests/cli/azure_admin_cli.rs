//! `sacdoc azure nmi|reset TARGET` (src/cli/azure.rs)
//! against the loopback stand-in for Azure: nothing is sent without confirmation.

use crate::support;

use sacdoc::cli::azure as azure_cli;
use sacdoc::transport;

use support::azure_relay::{Relay, RelayConfig};

#[test]
fn confirmation_and_targets_are_checked() {
    assert!(azure_cli::confirmed("y\n") && azure_cli::confirmed("YES"));
    assert!(
        !azure_cli::confirmed("") && !azure_cli::confirmed("n") && !azure_cli::confirmed("yep")
    );
    let e = azure_cli::azure_vm("telnet://h:1").unwrap_err().to_string();
    assert!(e.contains("azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME"), "{e}");
    let vm = azure_cli::azure_vm("azure://s/rg/web01").unwrap();
    let q = azure_cli::question(transport::azure::AdminCommand::Reset, &vm);
    assert!(
        q.contains("hard-reset") && q.contains("azure://s/rg/web01") && q.ends_with("[y/N] "),
        "{q}"
    );
}

#[test]
fn sends_only_with_yes() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    std::env::set_var("SACDOC_AZURE_TOKEN", &relay.config.token);
    std::env::set_var("SACDOC_AZURE_ARM_ENDPOINT", relay.endpoint());
    let args = |yes| azure_cli::Args { action: "nmi".into(), target: relay.target(), yes };
    // The test's stdin is not a terminal: without --yes nothing is sent.
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let e = azure_cli::run(args(false)).unwrap_err().to_string();
        assert!(e.contains("--yes"), "{e}");
        assert!(relay.log().admin.is_empty());
    }
    assert_eq!(azure_cli::run(args(true)).unwrap(), 0);
    let admin = relay.log().admin;
    assert_eq!(admin.len(), 1);
    assert!(admin[0].0.ends_with("/adminCommand/nmi"));
    let bad = azure_cli::run(azure_cli::Args {
        action: "sysrq".into(),
        target: relay.target(),
        yes: true,
    });
    assert!(bad.unwrap_err().to_string().contains("use nmi or reset"));
}
