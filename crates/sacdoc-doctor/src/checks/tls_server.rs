//! `tls-server`: which TLS versions the server side of SCHANNEL accepts (step 3).
//!
//! A version is accepted unless its `...\TLS 1.x\Server` key sets `Enabled` to 0 or
//! `DisabledByDefault` to 1 (the article reads only `Enabled`). One `reg query /s` of the
//! Protocols key reads all of them: on a default server that key holds a few lines.

use super::super::commands::{self, q, SCHANNEL_PROTOCOLS};
use super::super::engine::{CheckError, Ctx};
use super::super::model::{Backup, CheckId, Finding, Fix, Step};
use super::machinekeys_acl::reboot_item;
use super::{Check, Found};
use sacdoc_parse::reg::{self, RegQuery};

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
pub fn protocols(vals: &RegQuery) -> Vec<Proto> {
    VERSIONS
        .iter()
        .map(|v| {
            let key = format!("\\{v}\\Server");
            Proto {
                version: v,
                enabled: vals.dword(&key, "Enabled"),
                disabled_by_default: vals.dword(&key, "DisabledByDefault"),
            }
        })
        .collect()
}

/// The values under the `TLS 1.x\Server` keys, one `TLS 1.2\Server: Enabled 0x0` line each,
/// for evidence.
pub fn server_lines(vals: &RegQuery) -> Vec<String> {
    let mut out = Vec::new();
    for k in vals.keys.iter().filter(|k| k.path.contains("TLS 1.") && k.path.ends_with("Server")) {
        let short = k.path.rsplit("Protocols\\").next().unwrap_or(&k.path);
        for v in &k.values {
            out.push(format!("{short}: {} {}", v.name, v.data_raw.trim()));
        }
    }
    out
}

impl Check for TlsServer {
    fn id(&self) -> CheckId {
        CheckId::TlsServer
    }
    fn step(&self) -> &'static str {
        "3: TLS versions"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::schannel()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError> {
        let cmd = commands::schannel();
        let out = cx.need(&cmd)?;
        let vals = reg::parse(&out.output);
        if vals.keys.iter().all(|k| k.values.is_empty()) && out.exit_code != Some(0) {
            found.evidence(&cmd, super::show(&out, 4));
            return Ok(found.unknown("cannot read the SCHANNEL Protocols key"));
        }
        let protos = protocols(&vals);
        let tls_lines = server_lines(&vals);
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
            cmds.push(Step::new(format!("reg add {key} /v Enabled /t REG_DWORD /d 1 /f")));
        }
        if p.disabled_by_default == Some(1) {
            cmds.push(Step::new(format!(
                "reg add {key} /v DisabledByDefault /t REG_DWORD /d 0 /f"
            )));
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
        verify: Some(CheckId::TlsServer),
        reboot: true,
        later: vec![reboot_item("enable-tls", "SCHANNEL reads its protocol settings at start.")],
        warning,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::sim_output;
    use super::*;

    fn accepted(scenario: &str) -> Vec<&'static str> {
        let out = sim_output(scenario, &commands::schannel());
        protocols(&reg::parse(&out)).iter().filter(|p| p.accepted()).map(|p| p.version).collect()
    }

    #[test]
    fn schannel_values_are_read_per_server_key() {
        assert_eq!(accepted("healthy"), VERSIONS);
        let out = sim_output("tls-disabled", &commands::schannel());
        let vals = reg::parse(&out);
        assert!(accepted("tls-disabled").len() < 3, "{out}");
        let lines = server_lines(&vals);
        assert!(!lines.is_empty() && lines.iter().all(|l| l.starts_with("TLS 1.")), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("Enabled 0x0")), "{lines:?}");
    }

    #[test]
    fn a_not_found_error_in_any_language_reads_as_no_values() {
        // German "FEHLER: ..." then an unrelated key: no TLS value is taken from it.
        let de = super::super::testing::fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/reg/de-error-then-dword.txt"
        ));
        let vals = reg::parse(&de);
        assert!(vals.error.is_some());
        assert!(protocols(&vals).iter().all(|p| p.enabled.is_none() && p.accepted()));
        assert!(server_lines(&vals).is_empty());
    }
}
