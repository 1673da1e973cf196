//! `machinekeys-acl`: the ACL of `C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys` against what
//! the procedure grants (SYSTEM full control, NETWORK SERVICE read, Administrators full control).
//!
//! Principal names are localized (`NT-AUTORITÄT\SYSTEM`, `VORDEFINIERT\Administratoren`), so each
//! ACE is matched by the SID `parse::icacls` resolves its principal to.

use super::super::commands::{self, q, MACHINEKEYS};
use super::super::engine::{CheckError, Ctx};
use super::super::model::{Backup, CheckId, Finding, Fix, PendingItem, PendingKind, Step};
use super::{Check, Found};
use sacdoc_parse::icacls::{self, Ace};

pub struct MachineKeysAcl;

/// A principal the procedure grants rights to.
struct Wanted {
    display: &'static str,
    sid: &'static str,
    full: bool,
}

const WANTED: [Wanted; 3] = [
    Wanted { display: r"NT AUTHORITY\SYSTEM", sid: "S-1-5-18", full: true },
    Wanted { display: r"NT AUTHORITY\NETWORK SERVICE", sid: "S-1-5-20", full: false },
    Wanted { display: r"BUILTIN\Administrators", sid: "S-1-5-32-544", full: true },
];

/// Everyone and Authenticated Users: a grant or deny to them reaches every wanted principal.
const GROUPS: [&str; 2] = ["S-1-1-0", "S-1-5-11"];

/// Translations of the wanted principals and groups that `parse::icacls` does not know yet
/// (compared with the part after the backslash). GUESS: the usual translations, not captures.
const EXTRA_NAMES: &[(&str, &str)] = &[
    ("S-1-5-18", "система"),
    ("S-1-5-18", "sistema"),
    ("S-1-5-20", "servicio de red"),
    ("S-1-5-20", "сетевая служба"),
    ("S-1-5-32-544", "администраторы"),
    ("S-1-1-0", "все"),
];

/// The SID of an ACE's principal: the parser's (well-known names in several languages, or the
/// SID icacls printed), else the doctor's few extra translations.
fn sid(ace: &Ace) -> Option<String> {
    ace.sid.clone().or_else(|| {
        let bare = ace.principal.rsplit('\\').next().unwrap_or(&ace.principal).to_lowercase();
        EXTRA_NAMES.iter().find(|(_, n)| *n == bare).map(|(s, _)| (*s).to_string())
    })
}

fn is(ace: &Ace, w: &Wanted) -> bool {
    sid(ace).is_some_and(|s| s.eq_ignore_ascii_case(w.sid))
}

fn is_group(ace: &Ace) -> bool {
    sid(ace).is_some_and(|s| GROUPS.iter().any(|g| s.eq_ignore_ascii_case(g)))
}

fn inherit_only(ace: &Ace) -> bool {
    ace.flags.iter().any(|f| f == "IO")
}

fn rights(ace: &Ace) -> String {
    ace.rights.join(",")
}

/// Whether the rights include full control (`F`, or generic all).
fn full(ace: &Ace) -> bool {
    ace.rights.iter().any(|r| r == "F" || r == "GA")
}

/// Whether the rights include read (simple R/RX/M/F, or a list with R or GR).
fn read(ace: &Ace) -> bool {
    ace.rights.iter().any(|r| matches!(r.as_str(), "F" | "M" | "R" | "RX" | "GR" | "GA" | "RD"))
}

fn writes(ace: &Ace) -> bool {
    full(ace) || ace.rights.iter().any(|r| matches!(r.as_str(), "M" | "W" | "GW"))
}

/// What is wrong for one wanted principal, or `None` when it has what the procedure grants.
fn verdict(aces: &[Ace], w: &Wanted) -> Option<String> {
    let live = |a: &&Ace| !inherit_only(a);
    if let Some(d) = aces.iter().filter(live).find(|a| a.deny && (is(a, w) || is_group(a))) {
        return Some(format!("{} is denied through {} ({})", w.display, d.principal, rights(d)));
    }
    let own = aces.iter().filter(live).filter(|a| is(a, w) && !a.deny);
    let group = aces.iter().filter(live).filter(|a| is_group(a) && !a.deny);
    let ok = if w.sid == "S-1-5-32-544" {
        own.clone().any(full)
    } else if w.full {
        own.clone().any(full) || group.clone().any(|a| read(a) && writes(a))
    } else {
        own.clone().chain(group.clone()).any(read)
    };
    if ok {
        return None;
    }
    let need = if w.full { "F" } else { "R" };
    let have: Vec<String> = own.map(|a| format!("({})", rights(a))).collect();
    Some(if have.is_empty() {
        format!("{} has no access (needs {need})", w.display)
    } else {
        format!("{} has {} (needs {need})", w.display, have.join(""))
    })
}

/// The ACEs of the MachineKeys folder in `icacls` output (any display language).
pub fn machinekeys_aces(output: &str) -> Vec<Ace> {
    let parsed = icacls::parse(output);
    parsed
        .object(MACHINEKEYS)
        .or_else(|| parsed.objects.first())
        .map(|o| o.aces.clone())
        .unwrap_or_default()
}

/// The problems of an ACL, one sentence per wanted principal that lacks its access.
pub fn problems(aces: &[Ace]) -> Vec<String> {
    WANTED.iter().filter_map(|w| verdict(aces, w)).collect()
}

impl Check for MachineKeysAcl {
    fn id(&self) -> CheckId {
        CheckId::MachinekeysAcl
    }
    fn step(&self) -> &'static str {
        "2: the MachineKeys folder"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::machinekeys_acl()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError> {
        let cmd = commands::machinekeys_acl();
        let out = cx.need(&cmd)?;
        let aces = machinekeys_aces(&out.output);
        found.evidence(&cmd, super::show(&out, 12));
        if aces.is_empty() {
            return Ok(found.unknown(format!(
                "icacls printed no ACL for {MACHINEKEYS} (exit code {})",
                super::code(&out)
            )));
        }
        let wrong = problems(&aces);
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
        commands: Step::all([
            format!("takeown /f {MACHINEKEYS} /a /r /d y"),
            format!(
                "icacls {MACHINEKEYS} /grant \"{}:(F)\" \"{}:(R)\" \"{}:(F)\" /t /c",
                WANTED[0].display, WANTED[1].display, WANTED[2].display
            ),
            sacdoc_console::runner::powershell("Restart-Service -Name TermService -Force"),
        ]),
        verify: Some(CheckId::MachinekeysAcl),
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
        commands: vec![Step::new("shutdown /r /t 0")],
        after_reboot: false,
        created: String::new(),
        from_fix: fix.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::fixture;
    use super::*;

    #[test]
    fn german_principals_resolve_to_the_english_verdicts() {
        let de = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/icacls/de-onedrivesetup.txt"
        ));
        let aces = machinekeys_aces(&de);
        assert_eq!(aces.len(), 6, "{aces:?}");
        // NT-AUTORITÄT\SYSTEM and VORDEFINIERT\Administratoren are found (they have RX, not
        // "no access"); nobody grants NETWORK SERVICE anything.
        assert_eq!(
            problems(&aces),
            [
                r"NT AUTHORITY\SYSTEM has (RX) (needs F)",
                r"NT AUTHORITY\NETWORK SERVICE has no access (needs R)",
                r"BUILTIN\Administrators has (RX) (needs F)",
            ]
        );
    }

    #[test]
    fn english_captures_give_the_same_kind_of_verdicts() {
        let en = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/icacls/en-deny-and-ps-error.txt"
        ));
        assert_eq!(
            problems(&machinekeys_aces(&en)),
            [r"NT AUTHORITY\NETWORK SERVICE has no access (needs R)"]
        );
        // zh-CN system with English principal names: Authenticated Users (M) gives NETWORK
        // SERVICE its read; inherit-only ACEs do not count.
        let zh =
            fixture(include_str!("../../../sacdoc-parse/tests/fixtures/parse/icacls/zh-dot.txt"));
        assert_eq!(problems(&machinekeys_aces(&zh)), Vec::<String>::new());
    }
}
