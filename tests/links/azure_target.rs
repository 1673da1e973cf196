//! `azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME` as a user runs it: the real binary, pointed at the
//! loopback stand-in for Azure through SACDOC_AZURE_ARM_ENDPOINT, with the token in
//! SACDOC_AZURE_TOKEN. The doctor's JSON equals a direct connection's, and the token appears in no
//! output and no transcript.

use crate::support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::azure_relay::{Relay, RelayConfig};

const BIN: &str = env!("CARGO_BIN_EXE_sacdoc");

fn sacdoc(state: &Path, envs: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("SACDOC_STATE_DIR", state)
        .env("SACDOC_USER", support::USER)
        .env("SACDOC_PASSWORD", support::PASSWORD)
        .env_remove("SACDOC_AZURE_TOKEN")
        .env_remove("SACDOC_AZURE_WS_BASE")
        .stdin(Stdio::null());
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn report(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    for k in ["duration_ms", "notes"] {
        v.as_object_mut().unwrap().remove(k);
    }
    support::strip_link_fields(&mut v);
    v
}

#[test]
fn doctor_over_azure_equals_direct_and_never_shows_the_token() {
    let sim = support::sim_server("port-conflict", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let state = tempfile::tempdir().unwrap();
    let cast = state.path().join("azure.cast");
    let token = relay.config.token.clone();
    let endpoint = relay.endpoint();
    let azure = sacdoc(
        state.path(),
        &[("SACDOC_AZURE_TOKEN", &token), ("SACDOC_AZURE_ARM_ENDPOINT", &endpoint)],
        &["doctor", &relay.target(), "--json", "--record", cast.to_str().unwrap()],
    );
    let direct_target = format!("tcp://{}", sim.addr().unwrap());
    let direct = sacdoc(state.path(), &[], &["doctor", &direct_target, "--json", "--no-record"]);
    assert_eq!(azure.status.code(), Some(1), "{}", String::from_utf8_lossy(&azure.stderr));
    assert_eq!(direct.status.code(), Some(1));
    let (a, d) = (report(&azure), report(&direct));
    assert!(d["checks"].as_array().is_some_and(|c| c.len() > 3), "{d}");
    assert_eq!(a, d);
    let transcript = std::fs::read_to_string(&cast).unwrap();
    assert!(transcript.contains("SAC>"), "the session was recorded");
    for (what, text) in [
        ("stdout", String::from_utf8_lossy(&azure.stdout).to_string()),
        ("stderr", String::from_utf8_lossy(&azure.stderr).to_string()),
        ("transcript", transcript),
    ] {
        assert!(!text.contains(&token), "the token is in the {what}");
        assert!(!text.contains(support::PASSWORD), "the password is in the {what}");
    }
}

#[test]
fn without_a_token_or_the_azure_cli_the_error_says_how_to_get_one() {
    let state = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let out = sacdoc(
        state.path(),
        &[
            ("PATH", empty.path().to_str().unwrap()),
            ("SACDOC_AZURE_ARM_ENDPOINT", "http://127.0.0.1:9"),
        ],
        &["run", "azure://sub/rg/vm", "--no-record", "--", "ver"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    // `run` exits 255 for its own failures (2 could be the remote command's code).
    assert_eq!(out.status.code(), Some(255), "{err}");
    assert!(
        err.contains("no Azure token")
            && err.contains("SACDOC_AZURE_TOKEN")
            && err.contains("az login"),
        "{err}"
    );
}

#[test]
fn a_bad_azure_target_says_the_form() {
    let state = tempfile::tempdir().unwrap();
    let out = sacdoc(state.path(), &[], &["run", "azure://sub/vm", "--no-record", "--", "ver"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(255));
    assert!(err.contains("azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME"), "{err}");
}
