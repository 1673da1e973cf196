//! Grading a training session when the trainee says done: would RDP connect now (from the
//! simulated VM's state), was each change backed up before and checked after (from the lines
//! the VM's shell ran), were temporary changes undone or tracked, was security lowered more than
//! needed, and what it cost. The card's items say what was done well and what lost points.

use serde::Serialize;

use super::classify::{self, Act, Subject};
use crate::sim::machine::rdp_reach::{self, RdpReach};
use crate::sim::machine::state::{StartType, WinState, SERVICES_KEY};
use crate::sim::machine::{journal::JournalEntry, Machine};

/// Points lost, per kind of item.
pub const LOST_RDP_FAILS: u32 = 50;
pub const LOST_MISSING_BACKUP: u32 = 10;
pub const LOST_UNCHECKED_CHANGE: u32 = 5;
pub const LOST_TEMPORARY_LEFT: u32 = 15;
pub const LOST_DOWNGRADE: u32 = 15;
pub const LOST_HINT: u32 = 5;

/// What an item of the card is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    RdpConnects,
    RdpFails,
    Backup,
    MissingBackup,
    Checked,
    UncheckedChange,
    TemporaryUndone,
    TemporaryLeft,
    Downgrade,
    Hint,
    FollowUp,
}

/// One graded finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub kind: ItemKind,
    /// Points this item lost (0 for what was done well or is only noted).
    pub lost: u32,
    pub what: String,
    /// The command line it is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// That command's position in the journal (0 = the first line run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

impl Item {
    fn new(kind: ItemKind, lost: u32, what: impl Into<String>) -> Item {
        Item { kind, lost, what: what.into(), command: None, index: None }
    }

    fn at(mut self, index: usize, entry: &JournalEntry) -> Item {
        self.index = Some(index);
        self.command = Some(entry.line.clone());
        self
    }
}

/// The session's inputs to grading besides the machine.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// Hints revealed, in order.
    pub hints_used: Vec<String>,
}

/// The graded result (the cost is added by the caller, which knows the line).
#[derive(Debug, Clone, Serialize)]
pub struct Grade {
    pub score: u32,
    pub full_marks: bool,
    pub rdp: RdpReachView,
    pub items: Vec<Item>,
    pub commands: usize,
}

/// [`RdpReach`] as the card shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RdpReachView {
    pub connects: bool,
    pub port: u16,
    pub conditions: Vec<rdp_reach::Condition>,
}

impl From<RdpReach> for RdpReachView {
    fn from(r: RdpReach) -> Self {
        RdpReachView { connects: r.connects(), port: r.port, conditions: r.conditions }
    }
}

/// Grades `after` against `before` (the same scenario, freshly booted).
pub fn grade(before: &Machine, after: &Machine, session: &Session) -> Grade {
    let reach = rdp_reach::evaluate(&after.state);
    let mut items = Vec::new();
    if reach.connects() {
        items.push(Item::new(ItemKind::RdpConnects, 0, "RDP would connect now"));
    } else {
        let why: Vec<String> = reach.failing().iter().map(|c| c.detail.clone()).collect();
        items.push(Item::new(
            ItemKind::RdpFails,
            LOST_RDP_FAILS,
            format!("RDP would not connect: {}", why.join("; ")),
        ));
    }
    let entries = after.journal.entries();
    items.extend(backups_and_checks(entries));
    items.extend(temporary(&before.state, &after.state, entries));
    items.extend(downgrades(&before.state, &after.state));
    for (i, h) in session.hints_used.iter().enumerate() {
        items.push(Item::new(ItemKind::Hint, LOST_HINT, format!("hint {} used: {h}", i + 1)));
    }
    let lost: u32 = items.iter().map(|i| i.lost).sum();
    let score = 100u32.saturating_sub(lost);
    Grade { score, full_marks: lost == 0, rdp: reach.into(), items, commands: entries.len() }
}

/// For each successful change: a successful backup of it earlier, a check of it later.
fn backups_and_checks(entries: &[JournalEntry]) -> Vec<Item> {
    let acts: Vec<(usize, Act)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.exit_code == 0)
        .flat_map(|(i, e)| classify::acts(&e.line).into_iter().map(move |a| (i, a)))
        .collect();
    let mut items = Vec::new();
    let mut credited_backups = Vec::new();
    for (i, a) in &acts {
        let Act::Change { subject, needs_backup } = a else { continue };
        let e = &entries[*i];
        if *needs_backup {
            let backup = acts.iter().find(|(j, b)| {
                j < i && matches!(b, Act::Backup(s) if classify::covers(s, subject))
            });
            match backup {
                Some((j, _)) => {
                    if !credited_backups.contains(j) {
                        credited_backups.push(*j);
                        items.push(
                            Item::new(
                                ItemKind::Backup,
                                0,
                                format!("backup of {}", describe(subject)),
                            )
                            .at(*j, &entries[*j]),
                        );
                    }
                }
                None => items.push(
                    Item::new(
                        ItemKind::MissingBackup,
                        LOST_MISSING_BACKUP,
                        format!("changed {} without a backup first", describe(subject)),
                    )
                    .at(*i, e),
                ),
            }
        }
        let checked = acts
            .iter()
            .any(|(j, c)| j > i && matches!(c, Act::Check(s) if classify::checks(s, subject)));
        items.push(if checked {
            Item::new(
                ItemKind::Checked,
                0,
                format!("change of {} checked after", describe(subject)),
            )
            .at(*i, e)
        } else {
            Item::new(
                ItemKind::UncheckedChange,
                LOST_UNCHECKED_CHANGE,
                format!("changed {} without checking it after", describe(subject)),
            )
            .at(*i, e)
        });
    }
    items
}

fn describe(s: &Subject) -> String {
    match s {
        Subject::Registry(k) => format!("registry key {k}"),
        Subject::Service(n) if n == "*" => "a process".into(),
        Subject::Service(n) => format!("service {n}"),
        Subject::Acl(p) => format!("the ACL of {p}"),
        Subject::Certificate => "a certificate".into(),
        Subject::Firewall => "the firewall".into(),
    }
}

/// Group Policy processing stopped for a fix must be back on; a moved RDP port needs the Azure
/// network security group to allow it (a follow-up the card carries, since the VM cannot do it).
fn temporary(before: &WinState, after: &WinState, entries: &[JournalEntry]) -> Vec<Item> {
    let mut items = Vec::new();
    let off = |st: &WinState| {
        let key = format!("{SERVICES_KEY}\\gpsvc");
        st.registry.get_u64(&key, "Start") == Some(4)
            || st.services.get("gpsvc").is_some_and(|s| s.start == StartType::Disabled)
    };
    if off(after) && !off(before) {
        items.push(Item::new(
            ItemKind::TemporaryLeft,
            LOST_TEMPORARY_LEFT,
            "Group Policy (gpsvc) was stopped and not re-enabled: sc config gpsvc start= auto, \
             sc start gpsvc, gpupdate /force",
        ));
    } else if !off(before) && gpsvc_changed(entries) {
        items.push(Item::new(ItemKind::TemporaryUndone, 0, "Group Policy (gpsvc) is back on"));
    }
    if after.rdp_port() != before.rdp_port() {
        items.push(Item::new(
            ItemKind::FollowUp,
            0,
            format!(
                "RDP moved to port {}: the Azure network security group must allow TCP {} \
                 (this cannot be done from the VM)",
                after.rdp_port(),
                after.rdp_port()
            ),
        ));
    }
    items
}

/// True when a line that ran changed gpsvc's configuration (stopped it for the fix, or turned
/// it back on).
fn gpsvc_changed(entries: &[JournalEntry]) -> bool {
    let gpsvc = Subject::Registry(format!("{}\\gpsvc", classify::reg_key(SERVICES_KEY)));
    entries.iter().filter(|e| e.exit_code == 0).any(|e| {
        classify::acts(&e.line)
            .iter()
            .any(|a| matches!(a, Act::Change { subject, .. } if classify::covers(subject, &gpsvc) || classify::covers(&gpsvc, subject)))
    })
}

/// Security lowered: TLS 1.0/1.1 newly on while TLS 1.2 is on, SecurityLayer newly 0, NLA newly off.
fn downgrades(before: &WinState, after: &WinState) -> Vec<Item> {
    let mut items = Vec::new();
    let tls12 = rdp_reach::server_protocol_enabled(after, "TLS 1.2");
    for p in ["TLS 1.0", "TLS 1.1"] {
        let newly = rdp_reach::server_protocol_enabled(after, p)
            && !rdp_reach::server_protocol_enabled(before, p);
        if newly && tls12 {
            items.push(Item::new(
                ItemKind::Downgrade,
                LOST_DOWNGRADE,
                format!("{p} was enabled though TLS 1.2 alone would do"),
            ));
        }
    }
    if rdp_reach::security_layer(after) == 0 && rdp_reach::security_layer(before) != 0 {
        items.push(Item::new(
            ItemKind::Downgrade,
            LOST_DOWNGRADE,
            "SecurityLayer set to 0 (RDP security without TLS)",
        ));
    }
    if !rdp_reach::nla_required(after) && rdp_reach::nla_required(before) {
        items.push(Item::new(ItemKind::Downgrade, LOST_DOWNGRADE, "NLA was turned off"));
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::machine::ShellState;

    /// The scenario's machine booted, before and after running `lines` in its cmd.exe.
    fn session(scenario: &str, lines: &[&str]) -> (Machine, Machine) {
        let mut before = crate::sim::prepared_machine(scenario, "").expect("scenario");
        before.boot();
        let mut after = before.clone();
        let mut shell = ShellState::default();
        for l in lines {
            after.exec(&mut shell, l);
        }
        (before, after)
    }

    fn kinds(g: &Grade) -> Vec<ItemKind> {
        g.items.iter().map(|i| i.kind).collect()
    }

    const TLS: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols";

    #[test]
    fn nothing_done_loses_the_connection_points_only() {
        let (b, a) = session("tls-disabled", &[]);
        let g = grade(&b, &a, &Session::default());
        assert_eq!(kinds(&g), [ItemKind::RdpFails]);
        assert_eq!(g.score, 100 - LOST_RDP_FAILS);
        assert!(!g.rdp.connects);
    }

    #[test]
    fn tls_12_alone_backed_up_and_checked_is_full_marks() {
        let (b, a) = session(
            "tls-disabled",
            &[
                r"md C:\temp",
                &format!(r"reg export {TLS} C:\temp\tls.reg /y"),
                &format!(r#"reg add "{TLS}\TLS 1.2\Server" /v Enabled /t REG_DWORD /d 1 /f"#),
                &format!(r#"reg query "{TLS}" /s"#),
            ],
        );
        let g = grade(&b, &a, &Session::default());
        assert!(g.full_marks, "{:#?}", g.items);
        assert!(kinds(&g).contains(&ItemKind::Backup));
    }

    #[test]
    fn enabling_tls_10_and_11_too_is_a_downgrade() {
        let mut lines =
            vec![r"md C:\temp".to_string(), format!(r"reg export {TLS} C:\temp\t.reg /y")];
        for v in ["1.0", "1.1", "1.2"] {
            lines
                .push(format!(r#"reg add "{TLS}\TLS {v}\Server" /v Enabled /t REG_DWORD /d 1 /f"#));
            lines.push(format!(
                r#"reg add "{TLS}\TLS {v}\Server" /v DisabledByDefault /t REG_DWORD /d 0 /f"#
            ));
        }
        lines.push(format!(r#"reg query "{TLS}" /s"#));
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (b, a) = session("tls-disabled", &refs);
        let g = grade(&b, &a, &Session::default());
        assert!(g.rdp.connects);
        let downgrades: Vec<&str> = g
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::Downgrade)
            .map(|i| i.what.as_str())
            .collect();
        assert_eq!(downgrades.len(), 2, "{downgrades:?}");
        assert!(downgrades[0].contains("TLS 1.0") && downgrades[1].contains("TLS 1.1"));
    }

    #[test]
    fn security_layer_0_and_nla_off_are_downgrades_and_a_failed_change_is_not_graded() {
        let rdp = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp";
        let (b, a) = session(
            "healthy",
            &[
                &format!(r#"reg add "{rdp}" /v SecurityLayer /t REG_DWORD /d 0 /f"#),
                &format!(r#"reg add "{rdp}" /v UserAuthentication /t REG_DWORD /d 0 /f"#),
                r"reg add HKZZ\X /v Y /d 1 /f",
            ],
        );
        let g = grade(&b, &a, &Session::default());
        let k = kinds(&g);
        assert_eq!(k.iter().filter(|k| **k == ItemKind::Downgrade).count(), 2, "{:#?}", g.items);
        // Two changes, each without a backup and without a check; the failed line is not one.
        assert_eq!(k.iter().filter(|k| **k == ItemKind::MissingBackup).count(), 2, "{k:?}");
        assert_eq!(k.iter().filter(|k| **k == ItemKind::UncheckedChange).count(), 2, "{k:?}");
    }

    #[test]
    fn group_policy_turned_back_on_is_credited_and_hints_cost_points() {
        let gp = r"HKLM\SYSTEM\CurrentControlSet\Services\gpsvc";
        let (b, a) = session(
            "healthy",
            &[
                r"md C:\temp",
                &format!(r"reg export {gp} C:\temp\gp.reg /y"),
                &format!(r"reg add {gp} /v Start /t REG_DWORD /d 4 /f"),
                "sc config gpsvc start= auto",
                "sc qc gpsvc",
            ],
        );
        let hints = Session { hints_used: vec!["one".into()] };
        let g = grade(&b, &a, &hints);
        let k = kinds(&g);
        assert!(k.contains(&ItemKind::TemporaryUndone), "{:#?}", g.items);
        assert!(!k.contains(&ItemKind::TemporaryLeft));
        assert_eq!(g.score, 100 - LOST_HINT, "{:#?}", g.items);
    }

    #[test]
    fn the_certificate_exported_removed_renewed_and_listed_is_full_marks() {
        let rd = r"Cert:\LocalMachine\Remote Desktop";
        let thumb = "8E3B2F10C4A95D7716E0B2A3C94F5D1E07A6B3C2";
        let rdp = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp";
        let (b, a) = session(
            "cert-expired",
            &[
                r"md C:\temp",
                &format!(
                    r#"powershell -NoProfile -Command "Export-Certificate -Cert '{rd}\{thumb}' -FilePath C:\temp\rdp.cer""#
                ),
                &format!(r#"reg export "{rdp}" C:\temp\rdp-tcp.reg /y"#),
                &format!(r#"reg delete "{rdp}" /v SSLCertificateSHA1Hash /f"#),
                &format!(r#"powershell -NoProfile -Command "Remove-Item -Path '{rd}\{thumb}'""#),
                r#"powershell -NoProfile -Command "Restart-Service -Name SessionEnv -Force""#,
                &format!(r#"powershell -NoProfile -Command "Get-ChildItem '{rd}'""#),
                &format!(r#"reg query "{rdp}""#),
                "sc query SessionEnv",
            ],
        );
        let g = grade(&b, &a, &Session::default());
        assert!(g.full_marks, "{:#?}", g.items);
        let backups = g.items.iter().filter(|i| i.kind == ItemKind::Backup).count();
        assert_eq!(backups, 2, "{:#?}", g.items);
    }

    #[test]
    fn machinekeys_reset_after_icacls_save_is_full_marks() {
        let mk = r"C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys";
        let (b, a) = session(
            "machinekeys-acl",
            &[
                &format!(r"icacls {mk} /save C:\temp\mk.acl /t /c"),
                &format!(r"takeown /f {mk} /a /r /d y"),
                &format!(
                    r#"icacls {mk} /grant "NT AUTHORITY\System:(F)" "NT AUTHORITY\NETWORK SERVICE:(R)" "BUILTIN\Administrators:(F)" /t /c"#
                ),
                r#"powershell -NoProfile -Command "Restart-Service -Name TermService -Force""#,
                &format!(r"icacls {mk}"),
                "netstat -ano",
            ],
        );
        let g = grade(&b, &a, &Session::default());
        assert!(g.rdp.connects, "{:#?}", g.rdp);
        assert!(g.full_marks, "{:#?}", g.items);
    }
}
