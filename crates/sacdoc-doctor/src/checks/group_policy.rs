//! `group-policy`: whether Group Policy would undo a fix, and whether its client (gpsvc) is
//! stopped (step 3: the procedure pauses it while TLS is repaired and must turn it back on).
//!
//! `gpresult` is only asked when it matters (a SCHANNEL/NLA fix is proposed, or an earlier fix
//! reverted): it is the longest answer of the procedure.

use super::super::commands::{self, q, GPSVC};
use super::super::engine::{CheckError, Ctx};
use super::super::model::{Backup, CheckId, Finding, Fix, PendingItem, PendingKind, Status, Step};
use super::machinekeys_acl::reboot_item;
use super::{shared, Check, Found};
use sacdoc_parse::gpresult::{self, GpResult};
use sacdoc_parse::reg;

pub struct GroupPolicy;

/// The checks whose values a domain policy commonly sets.
const POLICY_CHECKS: [CheckId; 2] = [CheckId::TlsServer, CheckId::Nla];

/// The machine's domain name from the Group Policy state key (`None` off a domain). The value is
/// read by its `REG_*` token, so any display language reads.
pub fn distinguished_name(output: &str) -> Option<String> {
    reg::parse(output)
        .value("", "Distinguished-Name")
        .map(|v| v.data_raw.trim().to_string())
        .filter(|d| !d.is_empty())
}

impl Check for GroupPolicy {
    fn id(&self) -> CheckId {
        CheckId::GroupPolicy
    }
    fn step(&self) -> &'static str {
        "3: TLS versions (Group Policy)"
    }
    fn commands(&self) -> Vec<String> {
        vec![
            commands::sc_query("gpsvc"),
            commands::service_start("gpsvc"),
            commands::gp_dn(),
            commands::gpresult(),
        ]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError> {
        let gp = shared::service(cx, "gpsvc")?;
        found.evidence(&commands::sc_query("gpsvc"), gp.evidence.clone());
        let paused_by_us =
            cx.settings.pending.iter().any(|p| p.kind == PendingKind::ReenableGroupPolicy);
        let proposed: Vec<CheckId> = cx
            .findings
            .iter()
            .filter(|f| POLICY_CHECKS.contains(&f.id) && f.status == Status::Problem)
            .map(|f| f.id)
            .collect();
        let reverted: Vec<CheckId> = proposed
            .iter()
            .filter(|id| cx.settings.history.iter().any(|h| h.check == **id && h.verified))
            .copied()
            .collect();
        let disabled = gp.start == Some(4);
        if disabled && paused_by_us {
            return Ok(found.ok(
                "Group Policy updates are paused by sacdoc on purpose; turning them back on is pending",
            ));
        }
        let dn_cmd = commands::gp_dn();
        let dn_out = cx.need(&dn_cmd)?;
        let dn = distinguished_name(&dn_out.output);
        let mut domain = GpResult { dn: dn.clone(), gpos: Vec::new() };
        match &dn {
            None => {
                found.evidence(
                    &dn_cmd,
                    "no Distinguished-Name: not a domain member (no domain policy)",
                );
            }
            Some(d) => {
                found.evidence(&dn_cmd, d.clone());
                if !proposed.is_empty() || disabled {
                    let cmd = commands::gpresult();
                    let out = cx.need(&cmd)?;
                    let r = gpresult::parse(&out.output);
                    let names =
                        if r.gpos.is_empty() { "(none listed)".into() } else { r.gpos.join(", ") };
                    found.evidence(&cmd, format!("applied GPOs: {names}"));
                    domain.gpos = r.gpos;
                }
            }
        }
        let gpo_text = if domain.gpos.is_empty() {
            "a domain policy".to_string()
        } else {
            format!(
                "the domain policy {}",
                domain.gpos.iter().map(|g| format!("'{g}'")).collect::<Vec<_>>().join(", ")
            )
        };
        if !reverted.is_empty() && domain.dn.is_some() {
            let summary = format!(
                "{} reverted after Group Policy ran: {gpo_text} sets these values; change it in \
                 Active Directory (Group Policy Management), or pause Group Policy again",
                names(&reverted)
            );
            let mut fix = pause_fix(&cx.settings.run_id, &gpo_text, &reverted);
            fix.id = "pause-group-policy-again".into();
            return Ok(found.problem(summary, Some(fix)));
        }
        if !proposed.is_empty() && domain.dn.is_some() && !disabled {
            let summary = format!(
                "{gpo_text} applies to this VM: the {} fix would revert at the next policy \
                 refresh unless Group Policy updates are paused",
                names(&proposed)
            );
            return Ok(
                found.problem(summary, Some(pause_fix(&cx.settings.run_id, &gpo_text, &proposed)))
            );
        }
        if disabled && !proposed.is_empty() && domain.dn.is_some() {
            // Someone paused Group Policy before (the article's step 3) and nobody tracks turning
            // it back on. Turning it on now would re-apply the policy and undo the fix, so the
            // pause is kept until the restart and its re-enable step becomes sacdoc's follow-up.
            let summary = format!(
                "the Group Policy client (gpsvc) was disabled before this run, not by sacdoc: it \
                 keeps {gpo_text} from undoing the {} fix for now, but nobody tracks turning it \
                 back on",
                names(&proposed)
            );
            let mut fix = pause_fix(&cx.settings.run_id, &gpo_text, &proposed);
            fix.id = "adopt-group-policy-pause".into();
            fix.title =
                "Keep Group Policy paused until the restart and track turning it back on".into();
            return Ok(found.problem(summary, Some(fix)));
        }
        if disabled {
            let file = format!(r"{}\{}-gpsvc.reg", commands::BACKUP_DIR, cx.settings.run_id);
            let fix = Fix {
                id: "reenable-group-policy".into(),
                title: "Turn Group Policy updates back on".into(),
                why: "gpsvc is disabled and sacdoc did not pause it: the VM no longer receives \
                      policy. The procedure turns it back on once RDP works."
                    .into(),
                backups: vec![Backup {
                    what: "gpsvc service key".into(),
                    command: format!("reg export {GPSVC} {} /y", q(&file)),
                    remote_file: file.clone(),
                    restore: format!("reg import {}", q(&file)),
                }],
                commands: reenable_commands(),
                verify: Some(CheckId::GroupPolicy),
                reboot: false,
                later: Vec::new(),
                warning: None,
            };
            return Ok(found.problem("the Group Policy client (gpsvc) is disabled", Some(fix)));
        }
        Ok(found.ok(match domain.dn {
            Some(_) => {
                format!("gpsvc {}; {gpo_text} applies but sets nothing a fix changes", gp.evidence)
            }
            None => format!("{}; no domain policy to undo a fix", gp.evidence),
        }))
    }
}

/// `tls-server, nla`.
fn names(checks: &[CheckId]) -> String {
    checks.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

/// The procedure's re-enable step, as three commands (the article prints two of them as one line).
pub fn reenable_commands() -> Vec<Step> {
    vec![
        Step::new("sc config gpsvc start= auto"),
        shared::start_service("gpsvc"),
        Step::new("gpupdate /force"),
    ]
}

/// Pauses Group Policy (gpsvc disabled until the restart) and tracks turning it back on.
fn pause_fix(run_id: &str, gpo: &str, checks: &[CheckId]) -> Fix {
    let file = format!(r"{}\{run_id}-gpsvc.reg", commands::BACKUP_DIR);
    Fix {
        id: "pause-group-policy".into(),
        title: "Pause Group Policy updates until the VM has restarted".into(),
        why: format!(
            "{gpo} would undo the {} change at the next refresh; the procedure disables the Group \
             Policy client, restarts, and turns it back on once RDP works.",
            names(checks)
        ),
        backups: vec![Backup {
            what: "gpsvc service key".into(),
            command: format!("reg export {GPSVC} {} /y", q(&file)),
            remote_file: file.clone(),
            restore: format!("reg import {}", q(&file)),
        }],
        commands: vec![Step::new(format!("reg add {GPSVC} /v Start /t REG_DWORD /d 4 /f"))],
        verify: Some(CheckId::GroupPolicy),
        reboot: true,
        later: vec![
            reboot_item(
                "pause-group-policy",
                "Group Policy stays paused only from the next start.",
            ),
            PendingItem {
                kind: PendingKind::ReenableGroupPolicy,
                description: "After the restart, once RDP works: turn Group Policy updates back \
                              on (never leave them off)."
                    .into(),
                commands: reenable_commands(),
                after_reboot: true,
                created: String::new(),
                from_fix: "pause-group-policy".into(),
            },
            PendingItem {
                kind: PendingKind::DomainPolicy,
                description: format!(
                    "{gpo} sets the values the {} fix changes: change it in Active Directory, \
                     or the change reverts when Group Policy is back on.",
                    names(checks)
                ),
                commands: Vec::new(),
                after_reboot: false,
                created: String::new(),
                from_fix: "pause-group-policy".into(),
            },
        ],
        warning: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fixture, sim_output};
    use super::*;

    #[test]
    fn distinguished_name_only_on_a_domain_member() {
        let dn = distinguished_name(&sim_output("gpo-reverts-tls", &commands::gp_dn()));
        assert!(dn.as_deref().is_some_and(|d| d.contains("DC=")), "{dn:?}");
        assert_eq!(distinguished_name(&sim_output("healthy", &commands::gp_dn())), None);
        // A German "not found" answer (FEHLER, not ERROR) is no domain either.
        let de = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/reg/de-error-then-dword.txt"
        ));
        assert_eq!(distinguished_name(&de), None);
    }
}
