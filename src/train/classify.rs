//! What a typed command line did, for grading: a backup, a change, a check, a restart, or
//! nothing graded. Read from the line the VM's shell ran (cmd.exe, or PowerShell one-liners
//! inside it), case-insensitively, one `&`/`&&`/`;`-separated part at a time.

/// What a command acts on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum Subject {
    /// A registry key, long root, lower case (`hkey_local_machine\system\...`).
    Registry(String),
    /// A service by name, lower case; `*` for "any service" (netstat, tasklist, taskkill).
    Service(String),
    /// A file or folder's ACL, lower case, without a trailing `\` or `\*`.
    Acl(String),
    Certificate,
    Firewall,
}

/// One graded act of a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    Backup(Subject),
    /// A change; `needs_backup` is false for operations with nothing to restore (a service
    /// stop or start).
    Change {
        subject: Subject,
        needs_backup: bool,
    },
    Check(Subject),
    Restart,
}

const SERVICES: &str = "hkey_local_machine\\system\\currentcontrolset\\services\\";

/// The acts of one line, in order. A read whose output the line saves to a file (`> FILE`,
/// `Out-File`, `Export-Clixml`) is a backup of what it read, as the doctor keeps a firewall
/// rule's ports (`Get-NetFirewallRule ... | Out-File`) or a service's configuration.
pub fn acts(line: &str) -> Vec<Act> {
    let line = unwrap_powershell(line);
    let saved = saves_to_file(&line);
    line.split(['&', ';', '|'])
        .filter_map(|part| act(&words(part)))
        .map(|a| match a {
            Act::Check(s) if saved => Act::Backup(s),
            a => a,
        })
        .collect()
}

/// True when the line writes output to a file: `Out-File`, `Export-Clixml`, or a `>` redirection
/// to something other than `nul` or another stream (`2>&1`).
fn saves_to_file(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    if lower.contains("out-file") || lower.contains("export-clixml") {
        return true;
    }
    lower.match_indices('>').any(|(i, _)| {
        let rest = lower[i + 1..].trim_start_matches('>').trim_start();
        !(rest.is_empty()
            || rest.starts_with("nul")
            || rest.starts_with('&')
            || rest.starts_with("$null"))
    })
}

/// `powershell [-NoProfile ...] -Command "X"` -> `X`; any other line as it is.
fn unwrap_powershell(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let starts = lower.trim_start().starts_with("powershell");
    match lower.find("-command") {
        Some(i) if starts => {
            let rest = line[i + "-command".len()..].trim();
            rest.trim_matches('"').to_string()
        }
        _ => line.to_string(),
    }
}

/// Splits on blanks outside double or single quotes; the quotes are removed; lower case.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur).to_lowercase());
                }
            }
            (_, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur.to_lowercase());
    }
    out
}

/// A registry key as typed (`HKLM\...`, `HKLM:\...`, `HKEY_LOCAL_MACHINE\...`), long root, lower
/// case, without a trailing `\`.
pub fn reg_key(typed: &str) -> String {
    let t = typed.trim().trim_end_matches('\\').to_lowercase();
    let t = t.strip_prefix("registry::").unwrap_or(&t).to_string();
    for (short, long) in [("hklm:", "hkey_local_machine"), ("hklm", "hkey_local_machine")] {
        if let Some(rest) = t.strip_prefix(short) {
            if rest.is_empty() || rest.starts_with('\\') {
                return format!("{long}{rest}");
            }
        }
    }
    t
}

fn path(typed: &str) -> String {
    typed.trim().trim_end_matches('*').trim_end_matches('\\').to_lowercase()
}

/// The value after a `-Name`-style switch, or the first word after the command that is not a
/// switch.
fn first_operand<'a>(w: &'a [String], switch: &str) -> Option<&'a str> {
    if let Some(i) = w.iter().position(|x| x == switch) {
        return w.get(i + 1).map(String::as_str);
    }
    w.iter().skip(1).find(|x| !x.starts_with('-') && !x.starts_with('/')).map(String::as_str)
}

fn act(w: &[String]) -> Option<Act> {
    let cmd = w.first()?.trim_end_matches(".exe");
    let arg = |i: usize| w.get(i).map(String::as_str).unwrap_or("");
    let has = |flag: &str| w.iter().any(|x| x == flag);
    let service = |n: &str| Subject::Service(n.to_string());
    let change = |subject, needs_backup| Some(Act::Change { subject, needs_backup });
    match cmd {
        "reg" => {
            let key = Subject::Registry(reg_key(arg(2)));
            match arg(1) {
                "export" => Some(Act::Backup(key)),
                "query" => Some(Act::Check(key)),
                "add" | "delete" => change(key, true),
                _ => None,
            }
        }
        "sc" => {
            let name = service(arg(2));
            match arg(1) {
                "config" => change(Subject::Registry(format!("{SERVICES}{}", arg(2))), true),
                "stop" | "start" => change(name, false),
                "query" | "queryex" | "qc" => Some(Act::Check(name)),
                _ => None,
            }
        }
        "net" => match arg(1) {
            "stop" | "start" if !arg(2).is_empty() => change(service(arg(2)), false),
            _ => None,
        },
        "stop-service" | "start-service" | "restart-service" => {
            change(service(first_operand(w, "-name")?), false)
        }
        "get-service" => Some(Act::Check(service(first_operand(w, "-name")?))),
        "netstat" | "tasklist" => Some(Act::Check(service("*"))),
        "taskkill" => change(service("*"), false),
        "icacls" => {
            let p = Subject::Acl(path(arg(1)));
            if has("/save") {
                Some(Act::Backup(p))
            } else if has("/restore") {
                change(p, false)
            } else if [
                "/grant",
                "/grant:r",
                "/reset",
                "/setowner",
                "/remove",
                "/deny",
                "/inheritance:e",
                "/inheritance:d",
                "/inheritance:r",
            ]
            .iter()
            .any(|f| has(f))
            {
                change(p, true)
            } else {
                Some(Act::Check(p))
            }
        }
        "takeown" => {
            let i = w.iter().position(|x| x == "/f")?;
            change(Subject::Acl(path(arg(i + 1))), true)
        }
        "get-acl" => Some(Act::Check(Subject::Acl(path(first_operand(w, "-path")?)))),
        "set-itemproperty" | "new-itemproperty" | "remove-itemproperty" => {
            let p = first_operand(w, "-path")?;
            change(Subject::Registry(reg_key(p)), true)
        }
        "get-itemproperty" => {
            Some(Act::Check(Subject::Registry(reg_key(first_operand(w, "-path")?))))
        }
        "remove-item" | "del" | "rm" | "erase" if w.iter().any(|x| x.contains("cert:")) => {
            change(Subject::Certificate, true)
        }
        "export-certificate" | "export-pfxcertificate" => Some(Act::Backup(Subject::Certificate)),
        "certutil" if has("-exportpfx") => Some(Act::Backup(Subject::Certificate)),
        "certutil" if has("-store") => Some(Act::Check(Subject::Certificate)),
        "get-childitem" | "gci" | "dir" | "ls" if w.iter().any(|x| x.contains("cert:")) => {
            Some(Act::Check(Subject::Certificate))
        }
        "set-netfirewallrule" | "new-netfirewallrule" | "remove-netfirewallrule" => {
            change(Subject::Firewall, true)
        }
        "get-netfirewallrule" | "get-netfirewallportfilter" => Some(Act::Check(Subject::Firewall)),
        "netsh" if has("advfirewall") => {
            if has("export") {
                Some(Act::Backup(Subject::Firewall))
            } else if has("show") {
                Some(Act::Check(Subject::Firewall))
            } else if ["set", "add", "delete"].iter().any(|f| has(f)) {
                change(Subject::Firewall, true)
            } else {
                None
            }
        }
        "shutdown" if has("/r") => Some(Act::Restart),
        "restart-computer" => Some(Act::Restart),
        _ => None,
    }
}

/// True when a backup of `backup` covers a change of `change` (the same thing, or a key or
/// folder above it).
pub fn covers(backup: &Subject, change: &Subject) -> bool {
    match (backup, change) {
        // `sc qc NAME > FILE` records what `sc config NAME` changes.
        (Subject::Service(s), Subject::Registry(k)) => {
            k.strip_prefix(SERVICES).is_some_and(|n| n.split('\\').next() == Some(s.as_str()))
        }
        (Subject::Registry(b), Subject::Registry(c)) => c == b || c.starts_with(&format!("{b}\\")),
        (Subject::Acl(b), Subject::Acl(c)) => c == b || c.starts_with(&format!("{b}\\")),
        (Subject::Certificate, Subject::Certificate) | (Subject::Firewall, Subject::Firewall) => {
            true
        }
        _ => false,
    }
}

/// True when a read of `check` looks at what a change of `change` changed: the same key, a key
/// above or below it, the service (`sc qc` for its configuration key too; netstat and tasklist
/// for any service), the same ACL or one above or below it.
pub fn checks(check: &Subject, change: &Subject) -> bool {
    let related = |a: &str, b: &str| {
        a == b || a.starts_with(&format!("{b}\\")) || b.starts_with(&format!("{a}\\"))
    };
    match (check, change) {
        (Subject::Registry(a), Subject::Registry(b)) => related(a, b),
        (Subject::Service(s), Subject::Registry(k)) => {
            k.strip_prefix(SERVICES).is_some_and(|n| n.split('\\').next() == Some(s.as_str()))
        }
        (Subject::Registry(k), Subject::Service(s)) => {
            k.strip_prefix(SERVICES).is_some_and(|n| n.split('\\').next() == Some(s.as_str()))
        }
        (Subject::Service(a), Subject::Service(b)) => a == "*" || a == b,
        (Subject::Acl(a), Subject::Acl(b)) => related(a, b),
        (Subject::Certificate, Subject::Certificate) | (Subject::Firewall, Subject::Firewall) => {
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(k: &str) -> Subject {
        Subject::Registry(k.to_string())
    }

    #[test]
    fn reg_lines() {
        let k = "hkey_local_machine\\system\\currentcontrolset\\services\\rsa";
        assert_eq!(
            acts(r#"reg export HKLM\SYSTEM\CurrentControlSet\Services\RSA "C:\temp\x.reg" /y"#),
            [Act::Backup(reg(k))]
        );
        assert_eq!(
            acts(
                r"REG ADD HKLM\SYSTEM\CurrentControlSet\Services\RSA /v Start /t REG_DWORD /d 4 /f"
            ),
            [Act::Change { subject: reg(k), needs_backup: true }]
        );
        assert_eq!(
            acts(r"reg query HKLM\SYSTEM\CurrentControlSet\Services\RSA\"),
            [Act::Check(reg(k))]
        );
    }

    #[test]
    fn services_by_sc_net_and_powershell() {
        let s = |n: &str| Subject::Service(n.into());
        assert_eq!(
            acts("sc stop RemoteSupportAgent & sc query RemoteSupportAgent"),
            [
                Act::Change { subject: s("remotesupportagent"), needs_backup: false },
                Act::Check(s("remotesupportagent"))
            ]
        );
        assert_eq!(
            acts(r#"powershell -NoProfile -Command "Restart-Service -Name TermService -Force""#),
            [Act::Change { subject: s("termservice"), needs_backup: false }]
        );
        assert_eq!(
            acts("sc config gpsvc start= auto"),
            [Act::Change {
                subject: reg("hkey_local_machine\\system\\currentcontrolset\\services\\gpsvc"),
                needs_backup: true
            }]
        );
        assert_eq!(acts("netstat -ano | findstr 3389"), [Act::Check(s("*"))]);
    }

    #[test]
    fn acls_and_certificates() {
        let mk = r"c:\programdata\microsoft\crypto\rsa\machinekeys";
        assert_eq!(
            acts(
                r"icacls C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys\* /save c:\temp\mk.acl /t /c"
            ),
            [Act::Backup(Subject::Acl(mk.into()))]
        );
        assert_eq!(
            acts(
                r#"icacls C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys /grant "NT AUTHORITY\System:(F)""#
            ),
            [Act::Change { subject: Subject::Acl(mk.into()), needs_backup: true }]
        );
        assert_eq!(
            acts(r"Remove-Item -Path 'Cert:\LocalMachine\Remote Desktop\8E3B' -Force"),
            [Act::Change { subject: Subject::Certificate, needs_backup: true }]
        );
        assert_eq!(acts("echo hello"), []);
    }

    #[test]
    fn a_read_saved_to_a_file_is_a_backup() {
        assert_eq!(
            acts(
                r#"powershell -Command "Get-NetFirewallRule -Name X | Get-NetFirewallPortFilter | Out-File 'C:\temp\fw.txt'""#
            ),
            [Act::Backup(Subject::Firewall), Act::Backup(Subject::Firewall)]
        );
        let rsa = Subject::Service("rsa".into());
        assert_eq!(acts(r"sc qc RSA > C:\temp\rsa.txt"), [Act::Backup(rsa.clone())]);
        assert_eq!(acts("sc qc RSA >nul 2>&1"), [Act::Check(rsa.clone())]);
        assert!(covers(&rsa, &reg("hkey_local_machine\\system\\currentcontrolset\\services\\rsa")));
    }

    #[test]
    fn coverage_and_checks_follow_the_tree() {
        let parent = reg("hkey_local_machine\\system\\x");
        let child = reg("hkey_local_machine\\system\\x\\y");
        assert!(covers(&parent, &child));
        assert!(!covers(&child, &parent));
        assert!(!covers(&reg("hkey_local_machine\\system\\xy"), &child));
        assert!(checks(&parent, &child) && checks(&child, &parent));
        let gpsvc = reg("hkey_local_machine\\system\\currentcontrolset\\services\\gpsvc");
        assert!(checks(&Subject::Service("gpsvc".into()), &gpsvc));
        assert!(!checks(&Subject::Service("termservice".into()), &gpsvc));
    }
}
