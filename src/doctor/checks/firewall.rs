//! `firewall`: the inbound RDP rule allows the configured port.
//!
//! The rule is read by its internal name `RemoteDesktop-UserMode-In-TCP`, which Windows never
//! translates (the display name `Remote Desktop - User Mode (TCP-In)` is translated).

use super::super::commands::{self, FW_RULE};
use super::super::engine::{Ctx, DoctorError};
use super::super::extract::{fl_get, format_list};
use super::super::model::{Backup, Finding, Fix, PendingItem, PendingKind};
use super::{shared, Check, Found};
use crate::need;
use crate::runner::powershell;

pub struct Firewall;

impl Check for Firewall {
    fn id(&self) -> &'static str {
        "firewall"
    }
    fn step(&self) -> &'static str {
        "1: the RDP port (firewall)"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::rdp_tcp_values(), commands::fw_rule(), commands::fw_port()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>) -> Result<Finding, DoctorError> {
        let mut found = Found::new(self);
        let port = match shared::rdp_tcp(cx)? {
            Ok(t) => t.port(),
            Err(e) => return Ok(found.unknown(format!("cannot read the RDP-Tcp settings: {e}"))),
        };
        let c1 = commands::fw_rule();
        let rule = need!(cx, found, c1.clone());
        let objs = format_list(&rule.output);
        let Some(obj) = objs.first() else {
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
        let enabled = fl_get(obj, "Enabled").unwrap_or("?").to_string();
        let action = fl_get(obj, "Action").unwrap_or("?").to_string();
        found.evidence(&c1, format!("Enabled {enabled}, Action {action}"));
        let c2 = commands::fw_port();
        let pf = need!(cx, found, c2.clone());
        let local = format_list(&pf.output)
            .first()
            .and_then(|o| fl_get(o, "LocalPort").map(str::to_string))
            .unwrap_or_default();
        found.evidence(&c2, format!("LocalPort {local}"));
        let allows = local.split(',').any(|p| {
            let p = p.trim();
            p.eq_ignore_ascii_case("any") || p == port.to_string()
        });
        let mut wrong = Vec::new();
        if !enabled.eq_ignore_ascii_case("true") {
            wrong.push(format!("the rule is not enabled (Enabled {enabled})"));
        }
        if !action.eq_ignore_ascii_case("allow") {
            wrong.push(format!("the rule's action is {action}"));
        }
        if !allows {
            wrong.push(format!("the rule allows port {local}, RDP listens on {port}"));
        }
        if wrong.is_empty() {
            return Ok(found.ok(format!("{FW_RULE} allows TCP {port} inbound")));
        }
        let fix = (enabled.eq_ignore_ascii_case("true") && action.eq_ignore_ascii_case("allow"))
            .then(|| port_fix(port, &local, &cx.settings.run_id));
        Ok(found.problem(wrong.join("; "), fix))
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
        commands: vec![powershell(&format!("Set-NetFirewallRule -Name {FW_RULE} -LocalPort {port}"))],
        verify: "firewall".into(),
        reboot: false,
        later,
        warning: None,
    }
}
