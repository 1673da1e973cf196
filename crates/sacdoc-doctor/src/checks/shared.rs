//! Facts more than one check reads, read once: the RDP-Tcp values and the RDP services.

use super::super::commands::{self, q};
use super::super::engine::{CheckError, Ctx, Unreadable};
use super::super::model::{Backup, CheckId, Fix, Step};
use sacdoc_parse::sc::ServiceState;
use sacdoc_parse::{reg, sc};

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
pub fn rdp_tcp(cx: &mut Ctx<'_, '_>) -> Result<RdpTcp, CheckError> {
    let command = commands::rdp_tcp_values();
    let out = cx.need(&command)?;
    read_rdp_tcp(&out.output).map_err(|reason| CheckError::Unreadable { command, reason })
}

/// Reads the RDP-Tcp values out of the filtered `reg query` output (value lines only, in any
/// display language: the parser keys on the `REG_*` token).
pub fn read_rdp_tcp(output: &str) -> Result<RdpTcp, Unreadable> {
    let parsed = reg::parse(output);
    let no_values = parsed.keys.iter().all(|k| k.values.is_empty());
    if no_values && (parsed.error.is_some() || output.contains("ERROR")) {
        return Err(Unreadable::RegQuery(output.trim().to_string()));
    }
    let get = |n: &str| parsed.value("", n);
    Ok(RdpTcp {
        port: parsed.dword("", "PortNumber"),
        security_layer: parsed.dword("", "SecurityLayer"),
        user_authentication: parsed.dword("", "UserAuthentication"),
        negotiation: parsed.dword("", "fAllowSecProtocolNegotiation"),
        cert_hash: get("SSLCertificateSHA1Hash").map(|v| v.data_raw.trim().to_ascii_uppercase()),
        lines: output
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// What the doctor knows about one service.
#[derive(Debug, Clone)]
pub struct ServiceFacts {
    pub name: &'static str,
    /// `None` when the service does not exist.
    pub state: Option<ServiceState>,
    /// The `Start` value.
    pub start: Option<u64>,
    pub evidence: String,
}

/// The services RDP needs.
pub const RDP_SERVICES: [&str; 3] = ["TermService", "SessionEnv", "UmRdpService"];

/// Reads state and start type of one service.
pub fn service(cx: &mut Ctx<'_, '_>, name: &'static str) -> Result<ServiceFacts, CheckError> {
    let q1 = commands::sc_query(name);
    let out = cx.need(&q1)?;
    let state = service_state(&out.output, name)
        .map_err(|reason| CheckError::Unreadable { command: q1.clone(), reason })?;
    let mut evidence = match state {
        Some(s) => format!("{name}: {}", state_word(s)),
        None => format!("{name}: not installed (FAILED 1060)"),
    };
    let mut start = None;
    if state.is_some() {
        let out2 = cx.need(&commands::service_start(name))?;
        start = reg::parse(&out2.output).dword("", "Start");
        if let Some(s) = start {
            evidence.push_str(&format!(", start {}", start_type_name(s)));
        }
    }
    Ok(ServiceFacts { name, state, start, evidence })
}

/// The state of service `name` from `sc query NAME`, by the state number (the words after it
/// are translated on some systems): `Ok(Some(Running))`, `Ok(None)` when the service does not
/// exist (error 1060, whatever the message language), `Err` when the output has no state.
pub fn service_state(output: &str, name: &str) -> Result<Option<ServiceState>, Unreadable> {
    let parsed = sc::parse(output);
    if parsed.service_missing() {
        return Ok(None);
    }
    let state = parsed
        .service(name)
        .or_else(|| parsed.services.first())
        .and_then(|s| s.state.as_ref())
        .and_then(|s| s.state.or_else(|| sc::ServiceState::from_code(s.code)));
    state.map(Some).ok_or(Unreadable::NoServiceState)
}

/// The constant name `sc` prints for a state (the doctor's findings speak these words).
pub fn state_word(state: ServiceState) -> &'static str {
    use ServiceState::*;
    match state {
        Stopped => "STOPPED",
        StartPending => "START_PENDING",
        StopPending => "STOP_PENDING",
        Running => "RUNNING",
        ContinuePending => "CONTINUE_PENDING",
        PausePending => "PAUSE_PENDING",
        Paused => "PAUSED",
    }
}

/// `sc start NAME`; 1056 (already running) also counts as done.
pub fn start_service(name: &str) -> Step {
    Step::new(format!("sc start {name}")).also_ok(1056)
}

/// `sc stop NAME`; 1062 (not started) also counts as done.
pub fn stop_service(name: &str) -> Step {
    Step::new(format!("sc stop {name}")).also_ok(1062)
}

/// The words of the service `Start` value: 0 boot, 1 system, 2 auto, 3 demand, 4 disabled.
pub fn start_type_name(start: u64) -> &'static str {
    match start {
        0 => "boot",
        1 => "system",
        2 => "auto",
        3 => "demand",
        4 => "disabled",
        _ => "unknown",
    }
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
            commands.push(Step::new(format!("sc config {} start= demand", s.name)));
        }
    }
    let ts_running =
        services.iter().any(|s| s.name == "TermService" && s.state == Some(ServiceState::Running));
    if !ts_running {
        commands.push(start_service("TermService"));
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
        verify: Some(CheckId::Termservice),
        reboot: false,
        later: Vec::new(),
        warning: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, sim_output};
    use super::*;

    #[test]
    fn missing_service_reads_the_same_in_german() {
        let de = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/sc/de_missing_1060.txt"
        ));
        assert_eq!(service_state(&de, "w32tm").ok(), Some(None));
        let en = sim_output("healthy", &commands::sc_query("NoSuchService"));
        assert_eq!(service_state(&en, "NoSuchService").ok(), Some(None));
    }

    #[test]
    fn running_state_reads_by_its_number() {
        let zh = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/sc/zh_query_doubled_blank_lines.txt"
        ));
        let running = Some(ServiceState::Running);
        assert_eq!(service_state(&zh, "OraFenceService").ok(), Some(running));
        let en = sim_output("healthy", &commands::sc_query("TermService"));
        assert_eq!(service_state(&en, "TermService").ok(), Some(running));
        assert!(service_state("nothing here", "TermService").is_err());
    }

    #[test]
    fn rdp_tcp_values_read_from_a_real_capture_and_the_simulator() {
        let en = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/reg/en-evilwinrm-two-queries.txt"
        ));
        let t = read_rdp_tcp(&en).expect("values");
        assert_eq!((t.port, t.port()), (Some(3389), 3389));
        let sim = sim_output("port-conflict", &commands::rdp_tcp_values());
        let t = read_rdp_tcp(&sim).expect("values");
        assert_eq!(t.port(), 3389);
        assert!(t.security_layer.is_some() && t.user_authentication.is_some(), "{t:?}");
    }
}
