//! Loopback servers that speak the real protocols of the places SAC lives, with the simulator
//! behind them: Azure's serial console relay (management API + websocket) and an RFC 2217
//! console server (telnet COM-PORT-OPTION), plus ser2net's "port in use" refusal.
#![allow(dead_code)]

pub mod azure_relay;
pub mod connect_proxy;
pub mod rfc2217_server;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use sacdoc::sim::server::{ServeSpec, Server, ServerHandle};
use sacdoc::transport::{is_no_data, Link};

/// The simulator's documented account (all scenarios).
pub const USER: &str = "azureuser";
pub const PASSWORD: &str = "Sim-Passw0rd!";

/// A simulated VM on a loopback TCP port.
pub fn sim_server(scenario: &str, query: &str) -> ServerHandle {
    Server::start(&ServeSpec::new("tcp://127.0.0.1:0", scenario, query)).expect("simulator server")
}

/// Reads from a link until `want` appears in what arrived (10 s at most); returns all of it.
pub fn read_until(link: &mut dyn Link, want: &str) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline {
        match link.read(&mut buf) {
            Ok(0) => return Err(format!("closed after {:?}", String::from_utf8_lossy(&got))),
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                if String::from_utf8_lossy(&got).contains(want) {
                    return Ok(String::from_utf8_lossy(&got).into_owned());
                }
            }
            Err(e) if is_no_data(&e) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Err(format!("{want:?} did not arrive; got {:?}", String::from_utf8_lossy(&got)))
}

/// Reads from a link until it ends (closed or an error), 10 s at most; returns the error text.
pub fn read_to_end(link: &mut dyn Link) -> Result<Vec<u8>, std::io::Error> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline {
        match link.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if is_no_data(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the link did not end"))
}

/// Reads what is available from a socket with a short timeout (for bridges).
pub fn read_some(s: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<Option<usize>> {
    match s.read(buf) {
        Ok(n) => Ok(Some(n)),
        Err(e) if is_no_data(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// True when a socket error only means "nothing yet".
pub fn is_no_data_kind(e: &std::io::Error) -> bool {
    is_no_data(e)
}

/// The scenario's account.
pub fn credentials() -> sacdoc::sac::Credentials {
    sacdoc::sac::Credentials {
        user: USER.into(),
        domain: String::new(),
        password: sacdoc::sac::Secret::new(PASSWORD),
    }
}

/// Keeps the doctor's local state in a temporary folder for this test process.
pub fn private_state_dir() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = std::env::temp_dir().join(format!("sacdoc-test-state-{}", std::process::id()));
        std::env::set_var("SACDOC_STATE_DIR", dir);
    });
}

/// Runs the doctor (diagnosis only) on `target`; returns the report as JSON without the fields
/// that differ between two runs of the same diagnosis over different links (timing, byte counts,
/// the target's name).
pub fn doctor_json(target: &str) -> Result<serde_json::Value, String> {
    private_state_dir();
    let t: sacdoc::target::Target = target.parse().map_err(|e| format!("{e}"))?;
    let mut cfg = sacdoc::sac::ConnectConfig::new(t, credentials());
    cfg.timeout = Duration::from_secs(30);
    let mut session = sacdoc::sac::Session::connect(&cfg).map_err(|e| e.to_string())?;
    let opts = sacdoc::doctor::RunOptions::new(target, sacdoc::paths::target_dir(target));
    let report = sacdoc::doctor::run(
        &mut session,
        &opts,
        &mut sacdoc::doctor::Quiet,
        &mut sacdoc::doctor::Yes,
    )
    .map_err(|e| e.to_string())?;
    session.close().map_err(|e| e.to_string())?;
    let mut v = sacdoc::doctor::report::json_without_timing(&report);
    strip_link_fields(&mut v);
    Ok(v)
}

/// Removes the target name and byte counts, at any depth, and blanks the two clock readings a
/// report quotes (the run id `YYYYMMDD-HHMMSS` in backup names, the VM's clock): two runs a
/// second apart differ there whatever the link.
pub fn strip_link_fields(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|k, _| k != "target" && !k.starts_with("bytes"));
            m.values_mut().for_each(strip_link_fields);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_link_fields),
        serde_json::Value::String(s) => {
            let run_id = regex::Regex::new(r"\b\d{8}-\d{6}\b").expect("regex");
            let clock = regex::Regex::new(r"VM clock \S+").expect("regex");
            let t = run_id.replace_all(s, "RUN-ID").into_owned();
            *s = clock.replace_all(&t, "VM clock T").into_owned();
        }
        _ => {}
    }
}
