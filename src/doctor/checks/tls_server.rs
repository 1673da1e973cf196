//! `tls-server`: which TLS versions the server side of SCHANNEL accepts (step 3).
//!
//! A version is accepted unless its `...\TLS 1.x\Server` key sets `Enabled` to 0 or
//! `DisabledByDefault` to 1 (the article reads only `Enabled`). One `reg query /s` of the
//! Protocols key reads all of them: on a default server that key holds a few lines.

use super::super::commands::{self, q, SCHANNEL_PROTOCOLS};
use super::super::engine::{Ctx, DoctorError};
use super::super::extract::{reg_find, reg_values, RegValue};
use super::super::model::{Backup, Finding, Fix};
use super::machinekeys_acl::reboot_item;
use super::{Check, Found};
use crate::need;

pub struct TlsServer;

/// The versions the procedure enables.
pub const VERSIONS: [&str; 3] = ["TLS 1.0", "TLS 1.1", "TLS 1.2"];

/// What SCHANNEL says about one version's server side.
#[derive(Debug, Clone)]
pub struct Proto {
    pub version: &'static str,
    pub enabled: Option<u64>,
    pub disabled_by_default: Option<u64>,
}

impl Proto {
    pub fn accepted(&self) -> bool {
        self.enabled != Some(0) && self.disabled_by_default != Some(1)
    }
}

/// Reads the server side of each version from `reg query ...\Protocols /s` output.
pub fn protocols(vals: &[RegValue]) -> Vec<Proto> {
    VERSIONS
        .iter()
        .map(|v| {
            let key = format!("\\{v}\\Server");
            Proto {
                version: v,
                enabled: reg_find(vals, &key, "Enabled").and_then(RegValue::number),
                disabled_by_default: reg_find(vals, &key, "DisabledByDefault")
                    .and_then(RegValue::number),
            }
        })
        .collect()
}

impl Check for TlsServer {
    fn id(&self) -> &'static str {
        "tls-server"
    }
    fn step(&self) -> &'static str {
        "3: TLS versions"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::schannel()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>) -> Result<Finding, DoctorError> {
        let mut found = Found::new(self);
        let cmd = commands::schannel();
        let out = need!(cx, found, cmd.clone());
        let vals = reg_values(&out.output);
        if vals.is_empty() && out.exit_code != Some(0) {
            found.evidence(&cmd, super::show(&out, 4));
            return Ok(found.unknown("cannot read the SCHANNEL Protocols key"));
        }
        let protos = protocols(&vals);
        let tls_lines: Vec<String> = vals
            .iter()
            .filter(|v| v.key.contains("TLS 1.") && v.key.ends_with("Server"))
            .map(|v| {
                let k = v.key.rsplit("Protocols\\").next().unwrap_or(&v.key);
                format!("{k}: {} {}", v.name, v.data)
            })
            .collect();
        found.evidence(
            &cmd,
            if tls_lines.is_empty() {
                "no TLS server values (Windows defaults: all enabled)".into()
            } else {
                tls_lines.join("\n")
            },
        );
        let accepted: Vec<&str> =
            protos.iter().filter(|p| p.accepted()).map(|p| p.version).collect();
        let refused: Vec<&Proto> = protos.iter().filter(|p| !p.accepted()).collect();
        let summary = if accepted.is_empty() {
            "the server accepts no TLS version (1.0, 1.1, 1.2 all disabled)".to_string()
        } else {
            format!("the server accepts {}", accepted.join(", "))
        };
        let tls12_only = cx.settings.tls12_only;
        let wanted: Vec<&Proto> =
            refused.into_iter().filter(|p| !tls12_only || p.version == "TLS 1.2").collect();
        if wanted.is_empty() {
            let note = if tls12_only && accepted.len() < 3 {
                " (TLS 1.0/1.1 off is accepted with --tls12-only)"
            } else {
                ""
            };
            return Ok(found.ok(format!("{summary}{note}")));
        }
        let names: Vec<&str> = wanted.iter().map(|p| p.version).collect();
        let fix = enable_fix(&wanted, &cx.settings.run_id);
        let summary = if accepted.is_empty() {
            summary
        } else {
            format!("{summary}; {} disabled", names.join(", "))
        };
        Ok(found.problem(summary, Some(fix)))
    }
}

/// Enables the server side of each version in `wanted` (after exporting the Protocols key).
fn enable_fix(wanted: &[&Proto], run_id: &str) -> Fix {
    let file = format!(r"{}\{run_id}-schannel.reg", commands::BACKUP_DIR);
    let mut cmds = Vec::new();
    for p in wanted {
        let key = q(&format!("{SCHANNEL_PROTOCOLS}\\{}\\Server", p.version));
        if p.enabled.is_some_and(|e| e == 0) || p.enabled.is_none() {
            cmds.push(format!("reg add {key} /v Enabled /t REG_DWORD /d 1 /f"));
        }
        if p.disabled_by_default == Some(1) {
            cmds.push(format!("reg add {key} /v DisabledByDefault /t REG_DWORD /d 0 /f"));
        }
    }
    let old: Vec<&str> = wanted.iter().map(|p| p.version).filter(|v| *v != "TLS 1.2").collect();
    let warning = (!old.is_empty()).then(|| {
        format!(
            "Enabling {} is a security downgrade (both are deprecated). Run with --tls12-only to \
             enable only TLS 1.2, enough for any RDP client from Windows 8 / Server 2012 on.",
            old.join(" and ")
        )
    });
    Fix {
        id: "enable-tls".into(),
        title: format!(
            "Enable {} for the server side of SCHANNEL",
            wanted.iter().map(|p| p.version).collect::<Vec<_>>().join(", ")
        ),
        why: "RDP secures its connection with TLS through SCHANNEL; with no version the client \
              also speaks, the handshake fails and the client shows an internal error. SCHANNEL \
              reads these values at start, so the VM must restart."
            .into(),
        backups: vec![Backup {
            what: "SCHANNEL Protocols key".into(),
            command: format!("reg export {} {} /y", q(SCHANNEL_PROTOCOLS), q(&file)),
            remote_file: file.clone(),
            restore: format!("reg import {}", q(&file)),
        }],
        commands: cmds,
        verify: "tls-server".into(),
        reboot: true,
        later: vec![reboot_item("enable-tls", "SCHANNEL reads its protocol settings at start.")],
        warning,
    }
}
