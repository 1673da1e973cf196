//! Would an RDP client connect to this VM now? Answered from the machine's state alone: the
//! listener on the configured port and who owns it, the certificate and its key, SCHANNEL's TLS
//! 1.2, the NLA settings, the firewall. Never from a scenario's expected answer, so a fix the
//! scenario's author did not foresee is judged by what it did to the VM.
//!
//! The client assumed is a current Windows one: TLS 1.2, NLA when the server asks for it.

use super::certs::{self, RdpCertStatus};
use super::net::{Proto, TcpState};
use super::state::{RegValue, SvcState, WinState, RDP_TCP_KEY};

/// Where SCHANNEL's server-side protocol switches are.
pub const SCHANNEL_PROTOCOLS: &str =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols";
const TERMINAL_SERVER_KEY: &str = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server";

/// One condition of a working RDP connection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Condition {
    /// A short stable name: `termservice`, `listener`, `certificate`, `tls`, `nla`, `firewall`,
    /// `connections-allowed`.
    pub name: &'static str,
    pub ok: bool,
    /// What the state shows, in words.
    pub detail: String,
}

/// The answer, with each condition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RdpReach {
    pub port: u16,
    pub conditions: Vec<Condition>,
}

impl RdpReach {
    /// True when every condition holds.
    pub fn connects(&self) -> bool {
        self.conditions.iter().all(|c| c.ok)
    }

    /// The conditions that fail.
    pub fn failing(&self) -> Vec<&Condition> {
        self.conditions.iter().filter(|c| !c.ok).collect()
    }
}

/// Whether SCHANNEL enables a protocol (`"TLS 1.2"`) for the server side: `Enabled` absent or not
/// 0, and `DisabledByDefault` absent or 0 (a protocol disabled by default is not offered).
pub fn server_protocol_enabled(st: &WinState, protocol: &str) -> bool {
    let key = format!("{SCHANNEL_PROTOCOLS}\\{protocol}\\Server");
    let enabled = st.registry.get_u64(&key, "Enabled").is_none_or(|v| v != 0);
    let by_default = st.registry.get_u64(&key, "DisabledByDefault").is_none_or(|v| v == 0);
    enabled && by_default
}

/// `SecurityLayer` of RDP-Tcp: 0 RDP security, 1 negotiate, 2 TLS (absent: 1, as on Windows).
pub fn security_layer(st: &WinState) -> u64 {
    st.registry.get_u64(RDP_TCP_KEY, "SecurityLayer").unwrap_or(1)
}

/// `UserAuthentication` of RDP-Tcp: 1 when NLA is required.
pub fn nla_required(st: &WinState) -> bool {
    st.registry.get_u64(RDP_TCP_KEY, "UserAuthentication") == Some(1)
}

/// Evaluates the state (a copy is taken: reading the certificate store places pending entries).
pub fn evaluate(st: &WinState) -> RdpReach {
    let mut st = st.clone();
    let port = st.rdp_port();
    let conditions = vec![
        connections_allowed(&st),
        termservice(&st),
        listener(&st, port),
        certificate(&mut st),
        tls(&st),
        nla(&st),
        firewall(&st, port),
    ];
    RdpReach { port, conditions }
}

fn connections_allowed(st: &WinState) -> Condition {
    let deny = st.registry.get_u64(TERMINAL_SERVER_KEY, "fDenyTSConnections") == Some(1);
    Condition {
        name: "connections-allowed",
        ok: !deny,
        detail: if deny {
            "fDenyTSConnections is 1: remote connections are refused".into()
        } else {
            "remote connections are allowed (fDenyTSConnections 0)".into()
        },
    }
}

fn termservice(st: &WinState) -> Condition {
    let running = st.services.get("TermService").is_some_and(|s| s.state == SvcState::Running);
    Condition {
        name: "termservice",
        ok: running,
        detail: if running { "TermService runs".into() } else { "TermService is stopped".into() },
    }
}

fn listener(st: &WinState, port: u16) -> Condition {
    let listening: Vec<_> = st
        .sockets
        .iter()
        .filter(|s| s.proto == Proto::Tcp && s.state == TcpState::Listening && s.local_port == port)
        .collect();
    let is_rdp =
        |pid: u32| st.services_of(pid).iter().any(|n| n.eq_ignore_ascii_case("TermService"));
    let ours = listening.iter().any(|s| is_rdp(s.pid));
    let other = listening.iter().find(|s| !is_rdp(s.pid));
    let name = |pid: u32| st.process(pid).map(|p| p.image.clone()).unwrap_or_else(|| "?".into());
    let (ok, detail) = match (ours, other) {
        (true, None) => (true, format!("TermService listens on TCP {port}")),
        (_, Some(o)) => {
            (false, format!("{} (PID {}) holds TCP {port}, the RDP port", name(o.pid), o.pid))
        }
        (false, None) => (false, format!("nothing listens on TCP {port}, the RDP port")),
    };
    Condition { name: "listener", ok, detail }
}

fn certificate(st: &mut WinState) -> Condition {
    let (ok, detail) = match certs::rdp_certificate_status(st) {
        RdpCertStatus::Usable(t) => {
            (true, format!("certificate {t} is valid and its key readable"))
        }
        RdpCertStatus::Expired(t) => (false, format!("certificate {t} has expired")),
        RdpCertStatus::KeyUnreadable(t) => {
            (false, format!("the private key of certificate {t} cannot be read (MachineKeys ACLs)"))
        }
        RdpCertStatus::KeyMissing(t) => {
            (false, format!("the private key file of certificate {t} is missing from MachineKeys"))
        }
        RdpCertStatus::HashMismatch(h) => {
            (false, format!("SSLCertificateSHA1Hash names {h}, which no store holds"))
        }
        RdpCertStatus::Missing => (false, "no RDP certificate".into()),
    };
    Condition { name: "certificate", ok, detail }
}

fn tls(st: &WinState) -> Condition {
    let layer = security_layer(st);
    let on: Vec<&str> = ["TLS 1.0", "TLS 1.1", "TLS 1.2"]
        .into_iter()
        .filter(|p| server_protocol_enabled(st, p))
        .collect();
    let tls12 = on.contains(&"TLS 1.2");
    let (ok, detail) = if layer == 0 {
        (true, "SecurityLayer 0: RDP security, no TLS".to_string())
    } else if tls12 {
        (true, format!("server protocols enabled: {}", on.join(", ")))
    } else if on.is_empty() {
        (false, "no TLS version is enabled for the server".to_string())
    } else {
        (false, format!("TLS 1.2 is off (a current client needs it); enabled: {}", on.join(", ")))
    };
    Condition { name: "tls", ok, detail }
}

fn nla(st: &WinState) -> Condition {
    let required = nla_required(st);
    let layer = security_layer(st);
    let (ok, detail) = match (required, layer) {
        (true, 0) => (false, "NLA is required but SecurityLayer 0 cannot carry it".to_string()),
        (true, _) => (true, "NLA is required".to_string()),
        (false, _) => (true, "NLA is off".to_string()),
    };
    Condition { name: "nla", ok, detail }
}

fn firewall(st: &WinState, port: u16) -> Condition {
    let ok = st.firewall.allows_tcp(port);
    Condition {
        name: "firewall",
        ok,
        detail: if ok {
            format!("the firewall allows TCP {port} in")
        } else {
            format!("no enabled firewall rule allows TCP {port} in")
        },
    }
}

/// A registry value as a number, for callers comparing settings before and after.
pub fn dword(st: &WinState, key: &str, name: &str) -> Option<u64> {
    st.registry.get(key, name).and_then(RegValue::as_u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{load_scenario, Machine};

    fn booted(name: &str) -> Machine {
        let sc = load_scenario(name).expect("scenario");
        let mut m = Machine::new(&sc);
        m.boot();
        m
    }

    #[test]
    fn healthy_connects() {
        let r = evaluate(&booted("healthy").state);
        assert!(r.connects(), "{r:?}");
        assert_eq!(r.port, 3389);
    }

    #[test]
    fn each_broken_scenario_fails_its_own_condition() {
        for (scenario, condition) in [
            ("port-conflict", "listener"),
            ("cert-expired", "certificate"),
            ("machinekeys-acl", "certificate"),
            ("tls-disabled", "tls"),
            ("gpo-reverts-tls", "tls"),
            ("cert-key-missing", "certificate"),
        ] {
            let r = evaluate(&booted(scenario).state);
            let failing: Vec<&str> = r.failing().iter().map(|c| c.name).collect();
            assert_eq!(failing, [condition], "{scenario}: {r:?}");
        }
    }

    #[test]
    fn fixing_the_state_by_hand_makes_it_connect() {
        let mut m = booted("port-conflict");
        m.state.stop_service("RemoteSupportAgent", true).expect("stop");
        m.state.stop_service("TermService", true).expect("stop");
        m.state.start_service("TermService").expect("start");
        assert!(evaluate(&m.state).connects(), "{:?}", evaluate(&m.state));
    }

    #[test]
    fn a_missing_key_is_named_and_a_renewed_certificate_connects() {
        let mut m = booted("cert-key-missing");
        let r = evaluate(&m.state);
        let cert = r.conditions.iter().find(|c| c.name == "certificate").expect("certificate");
        assert!(!cert.ok && cert.detail.contains("missing from MachineKeys"), "{cert:?}");
        // The documented fix: remove the certificate, restart SessionEnv.
        m.state.certs.store_mut(certs::RDP_STORE).clear();
        m.state.stop_service("SessionEnv", true).expect("stop");
        m.state.start_service("SessionEnv").expect("start");
        assert!(evaluate(&m.state).connects(), "{:?}", evaluate(&m.state));
    }

    #[test]
    fn security_layer_zero_with_nla_cannot_connect() {
        let mut m = booted("healthy");
        m.state.registry.set(RDP_TCP_KEY, "SecurityLayer", RegValue::Dword(0));
        let r = evaluate(&m.state);
        let failing: Vec<&str> = r.failing().iter().map(|c| c.name).collect();
        assert_eq!(failing, ["nla"]);
        m.state.registry.set(RDP_TCP_KEY, "UserAuthentication", RegValue::Dword(0));
        assert!(evaluate(&m.state).connects());
    }
}
