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

/// The real binary: a proxy setting it cannot use is an error for an Azure target (naming the
/// variable, never the password in it), and no concern of other targets.
#[test]
fn an_unusable_proxy_fails_azure_targets_clearly_and_leaves_others_alone() {
    let dir = tempfile::tempdir().unwrap();
    let run = |target: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sacdoc"))
            .args(["doctor", target, "--json"])
            .env("SACDOC_STATE_DIR", dir.path())
            .env("SACDOC_CONFIG", dir.path().join("none.toml"))
            .env("SACDOC_AZURE_TOKEN", "not-a-real-token")
            .env("HTTPS_PROXY", "socks5://me:hunter2@proxy.corp:1080")
            .env_remove("https_proxy")
            .env_remove("all_proxy")
            .env_remove("ALL_PROXY")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let o = run("azure://sub/rg/vm");
    let all =
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("HTTPS_PROXY") && all.contains("socks5"), "{all}");
    assert!(!all.contains("hunter2"), "the proxy's password was shown: {all}");
    let o = run("sim:healthy");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}
