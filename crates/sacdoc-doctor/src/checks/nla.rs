//! `nla`: the RDP-Tcp security settings (`SecurityLayer`, `UserAuthentication`,
//! `fAllowSecProtocolNegotiation`), the values the procedure's offline path sets to 1.
//!
//! `SecurityLayer` 0 (the plain RDP security layer, which Azure's `ResetRDPCert` silently sets)
//! is a problem; 1 (negotiate) and 2 (TLS) are both sound.

use super::super::commands::{self, q};
use super::super::engine::{CheckError, Ctx};
use super::super::model::{Backup, CheckId, Finding, Fix, Step};
use super::shared;
use super::{Check, Found};

pub struct Nla;

impl Check for Nla {
    fn id(&self) -> CheckId {
        CheckId::Nla
    }
    fn step(&self) -> &'static str {
        "offline 5: NLA and the security layer"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::rdp_tcp_values()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError> {
        let tcp = shared::rdp_tcp(cx)?;
        found.evidence(&commands::rdp_tcp_values(), tcp.lines.clone());
        let show = |v: Option<u64>| v.map_or("absent (default)".to_string(), |n| n.to_string());
        let summary = format!(
            "SecurityLayer {}, UserAuthentication {}, fAllowSecProtocolNegotiation {}",
            show(tcp.security_layer),
            show(tcp.user_authentication),
            show(tcp.negotiation)
        );
        let mut set = Vec::new();
        if tcp.security_layer == Some(0) {
            set.push("SecurityLayer");
        }
        if tcp.user_authentication == Some(0) {
            set.push("UserAuthentication");
        }
        if tcp.negotiation == Some(0) {
            set.push("fAllowSecProtocolNegotiation");
        }
        if set.is_empty() {
            return Ok(found.ok(summary));
        }
        let file = format!(r"{}\{}-rdp-tcp.reg", commands::BACKUP_DIR, cx.settings.run_id);
        let fix = Fix {
            id: "enable-nla".into(),
            title: format!("Set {} to 1", set.join(", ")),
            why: "With SecurityLayer 0 or NLA off, the client and server negotiate a security \
                  layer the client refuses; the procedure sets all three values to 1 (negotiate, \
                  NLA on, negotiation allowed)."
                .into(),
            backups: vec![Backup {
                what: "RDP-Tcp key".into(),
                command: format!("reg export {} {} /y", q(commands::RDP_TCP), q(&file)),
                remote_file: file.clone(),
                restore: format!("reg import {}", q(&file)),
            }],
            commands: set
                .iter()
                .map(|v| {
                    Step::new(format!(
                        "reg add {} /v {v} /t REG_DWORD /d 1 /f",
                        q(commands::RDP_TCP)
                    ))
                })
                .collect(),
            verify: Some(CheckId::Nla),
            reboot: false,
            later: Vec::new(),
            warning: None,
        };
        Ok(found.problem(format!("{} is 0 ({summary})", set.join(", ")), Some(fix)))
    }
}
