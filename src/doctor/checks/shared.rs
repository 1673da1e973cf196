//! Facts more than one check reads, read once: the RDP-Tcp values and the RDP services.

use super::super::commands::{self, q};
use super::super::engine::{Ctx, DoctorError};
use super::super::extract::{self, reg_values};
use super::super::model::{Backup, Fix};

/// The RDP-Tcp values the doctor cares about; `None` when the value is absent (Windows' default).
#[derive(Debug, Clone, Default)]
pub struct RdpTcp {
    pub port: Option<u64>,
    pub security_layer: Option<u64>,
    pub user_authentication: Option<u64>,
    pub negotiation: Option<u64>,
    /// Upper-case hex of `SSLCertificateSHA1Hash`.
    pub cert_hash: Option<String>,
    /// The lines that were read, for evidence.
    pub lines: String,
}

impl RdpTcp {
    /// The port RDP is configured to listen on (3389 when the value is absent).
    pub fn port(&self) -> u16 {
        self.port.and_then(|p| u16::try_from(p).ok()).unwrap_or(3389)
    }
}

/// Reads the RDP-Tcp values (one filtered `reg query`, shared by every check).
pub fn rdp_tcp(cx: &mut Ctx<'_, '_>) -> Result<Result<RdpTcp, String>, DoctorError> {
    let cmd = commands::rdp_tcp_values();
    let out = match cx.run(&cmd)? {
        Ok(o) => o,
        Err(e) => return Ok(Err(e)),
    };
    let vals = reg_values(&out.output);
    if vals.is_empty() && out.output.contains("ERROR") {
        return Ok(Err(format!("reg query failed: {}", out.output.trim())));
    }
    let get = |n: &str| extract::reg_find(&vals, "", n);
    Ok(Ok(RdpTcp {
        port: get("PortNumber").and_then(|v| v.number()),
        security_layer: get("SecurityLayer").and_then(|v| v.number()),
        user_authentication: get("UserAuthentication").and_then(|v| v.number()),
        negotiation: get("fAllowSecProtocolNegotiation").and_then(|v| v.number()),
        cert_hash: get("SSLCertificateSHA1Hash").map(|v| v.data.to_ascii_uppercase()),
        lines: out
            .output
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
    }))
}

/// What the doctor knows about one service.
#[derive(Debug, Clone)]
pub struct ServiceFacts {
    pub name: &'static str,
    /// `None` when the service does not exist.
    pub state: Option<String>,
    /// The `Start` value.
    pub start: Option<u64>,
    pub evidence: String,
}

/// The services RDP needs.
pub const RDP_SERVICES: [&str; 3] = ["TermService", "SessionEnv", "UmRdpService"];

/// Reads state and start type of one service.
pub fn service(
    cx: &mut Ctx<'_, '_>,
    name: &'static str,
) -> Result<Result<ServiceFacts, String>, DoctorError> {
    let q1 = commands::sc_query(name);
    let out = match cx.run(&q1)? {
        Ok(o) => o,
        Err(e) => return Ok(Err(e)),
    };
    let state = match extract::sc_state(&out.output) {
        Ok(s) => s,
        Err(e) => return Ok(Err(format!("{q1}: {e}"))),
    };
    let mut evidence = match &state {
        Some(s) => format!("{name}: {s}"),
        None => format!("{name}: not installed (FAILED 1060)"),
    };
    let mut start = None;
    if state.is_some() {
        let q2 = commands::service_start(name);
        let out2 = match cx.run(&q2)? {
            Ok(o) => o,
            Err(e) => return Ok(Err(e)),
        };
        start = extract::reg_find(&reg_values(&out2.output), "", "Start").and_then(|v| v.number());
        if let Some(s) = start {
            evidence.push_str(&format!(", start {}", extract::start_type_name(s)));
        }
    }
    Ok(Ok(ServiceFacts { name, state, start, evidence }))
}

/// The fix that brings the RDP services up: re-allow disabled ones, start TermService. `None`
/// when there is nothing to do or a service is missing (no command can install it).
pub fn termservice_fix(services: &[ServiceFacts], run_id: &str) -> Option<Fix> {
    let mut commands = Vec::new();
    let mut backups = Vec::new();
    for s in services {
        s.state.as_ref()?;
        if s.start == Some(4) {
            let key = format!(r"HKLM\SYSTEM\CurrentControlSet\Services\{}", s.name);
            let file = format!(r"{}\{run_id}-svc-{}.reg", commands::BACKUP_DIR, s.name);
            backups.push(Backup {
                what: format!("{} service key", s.name),
                command: format!("reg export {key} {} /y", q(&file)),
                remote_file: file.clone(),
                restore: format!("reg import {}", q(&file)),
            });
            commands.push(format!("sc config {} start= demand", s.name));
        }
    }
    let ts_running =
        services.iter().any(|s| s.name == "TermService" && s.state.as_deref() == Some("RUNNING"));
    if !ts_running {
        commands.push("sc start TermService".to_string());
    }
    if commands.is_empty() {
        return None;
    }
    Some(Fix {
        id: "start-termservice".into(),
        title: "Start Remote Desktop Services".into(),
        why: "RDP answers only while TermService runs; SessionEnv and UmRdpService must be \
              allowed to start with it (Windows' default start type for all three is demand)."
            .into(),
        backups,
        commands,
        verify: "termservice".into(),
        reboot: false,
        later: Vec::new(),
        warning: None,
    })
}
