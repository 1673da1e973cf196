//! `machinekeys-acl`: the ACL of `C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys` against what
//! the procedure grants (SYSTEM full control, NETWORK SERVICE read, Administrators full control).
//!
//! Principal names are localized (`NT-AUTORITÄT\SYSTEM`, `VORDEFINIERT\Administratoren`), so each
//! is matched by the part after the backslash against a table of known translations.

use super::super::commands::{self, q, MACHINEKEYS};
use super::super::engine::{Ctx, DoctorError};
use super::super::extract::{icacls_aces, Ace};
use super::super::model::{Backup, Finding, Fix, PendingItem, PendingKind};
use super::{Check, Found};
use crate::need;

pub struct MachineKeysAcl;

/// A principal the procedure grants rights to.
struct Wanted {
    /// The name as the procedure writes it (and as the grant uses it).
    display: &'static str,
    /// Names of the account (after the backslash) in the display languages seen.
    names: &'static [&'static str],
    full: bool,
}

const WANTED: [Wanted; 3] = [
    Wanted {
        display: r"NT AUTHORITY\SYSTEM",
        names: &["system", "système", "sistema", "система"],
        full: true,
    },
    Wanted {
        display: r"NT AUTHORITY\NETWORK SERVICE",
        names: &[
            "network service",
            "netzwerkdienst",
            "service réseau",
            "servicio de red",
            "сетевая служба",
        ],
        full: false,
    },
    Wanted {
        display: r"BUILTIN\Administrators",
        names: &[
            "administrators",
            "administratoren",
            "administrateurs",
            "administradores",
            "администраторы",
        ],
        full: true,
    },
];

/// Everyone and Authenticated Users: SYSTEM and NETWORK SERVICE are members of both.
const GROUPS: &[&str] = &[
    "everyone",
    "jeder",
    "tout le monde",
    "todos",
    "все",
    "authenticated users",
    "authentifizierte benutzer",
    "utilisateurs authentifiés",
    "usuarios autentificados",
];

fn name_of(ace: &Ace) -> String {
    ace.principal.rsplit('\\').next().unwrap_or(&ace.principal).to_lowercase()
}

fn is(ace: &Ace, w: &Wanted) -> bool {
    w.names.contains(&name_of(ace).as_str())
}

fn is_group(ace: &Ace) -> bool {
    GROUPS.contains(&name_of(ace).as_str())
}

fn writes(ace: &Ace) -> bool {
    ace.full() || ace.rights().split(',').any(|r| matches!(r, "M" | "W" | "GW"))
}

/// What is wrong for one principal, or `None`. SYSTEM and NETWORK SERVICE may get their access
/// through Everyone (Windows' default ACL on this folder is Everyone (R,W) and Administrators
/// (F)); Administrators need their own full control.
fn verdict(aces: &[Ace], w: &Wanted) -> Option<String> {
    let live = |a: &&Ace| !a.inherit_only();
    if let Some(d) = aces.iter().filter(live).find(|a| a.is_deny() && (is(a, w) || is_group(a))) {
        return Some(format!("{} is denied through {} ({})", w.display, d.principal, d.rights()));
    }
    let own = aces.iter().filter(live).filter(|a| is(a, w) && !a.is_deny());
    let group = aces.iter().filter(live).filter(|a| is_group(a) && !a.is_deny());
    let ok = if w.display.ends_with("Administrators") {
        own.clone().any(|a| a.full())
    } else if w.full {
        own.clone().any(|a| a.full()) || group.clone().any(|a| a.read() && writes(a))
    } else {
        own.clone().chain(group.clone()).any(|a| a.read())
    };
    if ok {
        return None;
    }
    let need = if w.full { "F" } else { "R" };
    let have: Vec<String> = own.map(|a| format!("({})", a.rights())).collect();
    Some(if have.is_empty() {
        format!("{} has no access (needs {need})", w.display)
    } else {
        format!("{} has {} (needs {need})", w.display, have.join(""))
    })
}

impl Check for MachineKeysAcl {
    fn id(&self) -> &'static str {
        "machinekeys-acl"
    }
    fn step(&self) -> &'static str {
        "2: the MachineKeys folder"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::machinekeys_acl()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>) -> Result<Finding, DoctorError> {
        let mut found = Found::new(self);
        let cmd = commands::machinekeys_acl();
        let out = need!(cx, found, cmd.clone());
        let aces = icacls_aces(&out.output, MACHINEKEYS);
        found.evidence(&cmd, super::show(&out, 12));
        if aces.is_empty() {
            return Ok(found.unknown(format!(
                "icacls printed no ACL for {MACHINEKEYS} (exit code {})",
                super::code(&out)
            )));
        }
        let wrong: Vec<String> = WANTED.iter().filter_map(|w| verdict(&aces, w)).collect();
        if wrong.is_empty() {
            return Ok(found.ok(
                "SYSTEM, NETWORK SERVICE and Administrators have the access the procedure grants",
            ));
        }
        let fix = reset_fix(&cx.settings.run_id);
        Ok(found.problem(wrong.join("; "), Some(fix)))
    }
}

/// The procedure's reset: save the ACLs, take ownership, grant the three entries, restart
/// TermService, and restart the VM afterwards.
fn reset_fix(run_id: &str) -> Fix {
    let file = format!(r"{}\{run_id}-machinekeys.acl", commands::BACKUP_DIR);
    let parent = MACHINEKEYS.rsplit_once('\\').map_or(MACHINEKEYS, |(p, _)| p);
    Fix {
        id: "reset-machinekeys-acl".into(),
        title: "Reset the MachineKeys folder permissions".into(),
        why: "TermService reads the RDP certificate's private key from MachineKeys; without \
              SYSTEM, NETWORK SERVICE and Administrators access it cannot, and RDP fails with an \
              internal error. takeown makes Administrators the owner so the grant can be written."
            .into(),
        backups: vec![Backup {
            what: "MachineKeys ACLs (icacls /save)".into(),
            command: format!("icacls {MACHINEKEYS} /save {} /t /c", q(&file)),
            remote_file: file.clone(),
            restore: format!("icacls {parent} /restore {} /c", q(&file)),
        }],
        commands: vec![
            format!("takeown /f {MACHINEKEYS} /a /r /d y"),
            format!(
                "icacls {MACHINEKEYS} /grant \"{}:(F)\" \"{}:(R)\" \"{}:(F)\" /t /c",
                WANTED[0].display, WANTED[1].display, WANTED[2].display
            ),
            crate::runner::powershell("Restart-Service -Name TermService -Force"),
        ],
        verify: "machinekeys-acl".into(),
        reboot: true,
        later: vec![reboot_item(
            "reset-machinekeys-acl",
            "The procedure restarts the VM after resetting the MachineKeys permissions.",
        )],
        warning: None,
    }
}

/// A restart follow-up created by a fix.
pub fn reboot_item(fix: &str, why: &str) -> PendingItem {
    PendingItem {
        kind: PendingKind::Reboot,
        description: format!("Restart the VM. {why}"),
        commands: vec!["shutdown /r /t 0".into()],
        after_reboot: false,
        created: String::new(),
        from_fix: fix.into(),
    }
}
