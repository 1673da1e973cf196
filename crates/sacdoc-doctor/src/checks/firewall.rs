//! `firewall`: the inbound RDP rule allows the configured port.
//!
//! The rule is read by its internal name `RemoteDesktop-UserMode-In-TCP`, which Windows never
//! translates (the display name `Remote Desktop - User Mode (TCP-In)` is translated).

use super::super::commands::{self, FW_RULE};
use super::super::engine::{CheckError, Ctx};
use super::super::model::{Backup, CheckId, Finding, Fix, PendingItem, PendingKind, Step};
use super::{shared, Check, Found};
use sacdoc_console::runner::powershell;
use sacdoc_parse::firewall::{labels, port_allowed, Action};
use sacdoc_parse::services::psformat::first_record;

pub struct Firewall;

impl Check for Firewall {
    fn id(&self) -> CheckId {
        CheckId::Firewall
    }
    fn step(&self) -> &'static str {
        "1: the RDP port (firewall)"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::rdp_tcp_values(), commands::fw_rule(), commands::fw_port()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError> {
        let port = shared::rdp_tcp(cx)?.port();
        let c1 = commands::fw_rule();
        let rule = cx.need(&c1)?;
        let Some(obj) = first_record(&rule.output, "Enabled") else {
            found.evidence(&c1, super::show(&rule, 6));
            // PowerShell's error record names the cmdlet and the rule; anything else is an
            // answer that did not parse, not proof that the rule is missing.
            if rule.exit_code != Some(0) && rule.output.contains(FW_RULE) {
                return Ok(
                    found.problem(format!("the inbound RDP rule {FW_RULE} is missing"), None)
                );
            }
            return Ok(found.unknown("the firewall rule listing did not parse"));
        };
        let enabled = obj.get("Enabled").unwrap_or("?").to_string();
        let action = obj.get("Action").unwrap_or("?").to_string();
        found.evidence(&c1, format!("Enabled {enabled}, Action {action}"));
        let c2 = commands::fw_port();
        let pf = cx.need(&c2)?;
        let local = first_record(&pf.output, "LocalPort")
            .and_then(|o| o.get("LocalPort").map(str::to_string))
            .unwrap_or_default();
        found.evidence(&c2, format!("LocalPort {local}"));
        let allows = port_allowed(&local, port);
        let is_enabled = labels::enabled(&enabled) == Some(true);
        let is_allow = labels::action(&action) == Some(Action::Allow);
        let mut wrong = Vec::new();
        if !is_enabled {
            wrong.push(format!("the rule is not enabled (Enabled {enabled})"));
        }
        if !is_allow {
            wrong.push(format!("the rule's action is {action}"));
        }
        if !allows {
            wrong.push(format!("the rule allows port {local}, RDP listens on {port}"));
        }
        if wrong.is_empty() {
            return Ok(found.ok(format!("{FW_RULE} allows TCP {port} inbound")));
        }
        let run_id = &cx.settings.run_id;
        // A rule that blocks is somebody's decision, not a slip: it is reported, not changed.
        let fix = match (is_allow, is_enabled) {
            (false, _) => None,
            (true, true) => Some(port_fix(port, &local, run_id)),
            (true, false) => Some(enable_fix(port, (!allows).then_some(local.as_str()), run_id)),
        };
        Ok(found.problem(wrong.join("; "), fix))
    }
}

/// Enables the rule (and points it at the configured port when `old_port` says it opens
/// another), after saving its state: a firewall baseline that disables the rule leaves RDP
/// listening behind a closed door.
fn enable_fix(port: u16, old_port: Option<&str>, run_id: &str) -> Fix {
    let file = format!(r"{}\{run_id}-firewall-rule.txt", commands::BACKUP_DIR);
    let mut backups = vec![Backup {
        what: "the rule's state".into(),
        command: powershell(&format!(
            "Get-NetFirewallRule -Name {FW_RULE} | Format-List Enabled,Direction,Action | Out-File '{file}'"
        )),
        remote_file: file,
        restore: powershell(&format!("Disable-NetFirewallRule -Name {FW_RULE}")),
    }];
    let mut cmds = vec![Step::new(powershell(&format!("Enable-NetFirewallRule -Name {FW_RULE}")))];
    let mut later = Vec::new();
    if let Some(old) = old_port {
        let mut p = port_fix(port, old, run_id);
        backups.append(&mut p.backups);
        cmds.append(&mut p.commands);
        later = p.later;
    }
    Fix {
        id: "enable-rdp-firewall-rule".into(),
        title: match old_port {
            Some(old) => {
                format!("Enable the inbound RDP rule and allow TCP {port} in it (now {old})")
            }
            None => format!("Enable the inbound RDP rule {FW_RULE}"),
        },
        why: "The Windows firewall drops inbound RDP while the rule that lets it in is disabled."
            .into(),
        backups,
        commands: cmds,
        verify: Some(CheckId::Firewall),
        reboot: false,
        later,
        warning: None,
    }
}

/// Points the rule at the configured port, after saving its current port filter.
fn port_fix(port: u16, old: &str, run_id: &str) -> Fix {
    let file = format!(r"{}\{run_id}-firewall.txt", commands::BACKUP_DIR);
    let mut later = Vec::new();
    if port != 3389 {
        later.push(PendingItem {
            kind: PendingKind::AzureNsgPort,
            description: format!(
                "RDP listens on TCP {port}: allow it inbound in the VM's Azure network security \
                 group (the VM cannot do this itself)."
            ),
            commands: Vec::new(),
            after_reboot: false,
            created: String::new(),
            from_fix: "firewall-rdp-port".into(),
        });
    }
    Fix {
        id: "firewall-rdp-port".into(),
        title: format!("Allow TCP {port} in the inbound RDP rule (now {old})"),
        why: "The rule that lets RDP in opens a different port than the one RDP listens on.".into(),
        backups: vec![Backup {
            what: "the rule's port filter".into(),
            command: powershell(&format!(
                "Get-NetFirewallRule -Name {FW_RULE} | Get-NetFirewallPortFilter | Format-List LocalPort | Out-File '{file}'"
            )),
            remote_file: file,
            restore: powershell(&format!("Set-NetFirewallRule -Name {FW_RULE} -LocalPort {old}")),
        }],
        commands: vec![Step::new(powershell(&format!(
            "Set-NetFirewallRule -Name {FW_RULE} -LocalPort {port}"
        )))],
        verify: Some(CheckId::Firewall),
        reboot: false,
        later,
        warning: None,
    }
}
