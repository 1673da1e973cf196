//! `rdp-port`: who listens on the configured RDP port (step 1 of the procedure).
//!
//! Reads `PortNumber`, filters `netstat -ano` on the VM to that port, and looks up each owner PID
//! with `tasklist /svc` for that one PID: cheaper than `netstat -anob`, which names the owner of
//! every connection on the machine.

use super::super::commands::{self, q};
use super::super::engine::{CheckError, Ctx, Optional};
use super::super::model::{Backup, CheckId, Finding, Fix, PendingItem, PendingKind, Step};
use super::shared::{self, RDP_SERVICES};
use super::{Check, Found};
use sacdoc_parse::{netstat, tasklist, text};

pub struct RdpPort;

impl Check for RdpPort {
    fn id(&self) -> CheckId {
        CheckId::RdpPort
    }
    fn step(&self) -> &'static str {
        "1: the RDP port"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::rdp_tcp_values(), commands::netstat_port(3389), commands::tasklist_pid(0)]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError> {
        let tcp = shared::rdp_tcp(cx)?;
        let port = tcp.port();
        found.evidence(&commands::rdp_tcp_values(), tcp.lines.clone());
        let cmd = commands::netstat_port(port);
        let out = cx.need(&cmd)?;
        let listeners = listeners(&out.output, port);
        let rows = listeners.iter().map(|r| r.line.as_str()).collect::<Vec<_>>().join("\n");
        if listeners.is_empty() {
            found.evidence(&cmd, format!("no TCP listener on port {port}"));
            let mut services = Vec::new();
            for name in RDP_SERVICES {
                if let Some(s) = shared::service(cx, name).optional()? {
                    services.push(s);
                }
            }
            let fix = shared::termservice_fix(&services, &cx.settings.run_id);
            return Ok(found.problem(format!("nothing listens on RDP port {port}"), fix));
        }
        found.evidence(&cmd, rows);
        let mut pids: Vec<u32> = listeners.iter().filter_map(|r| r.pid).collect();
        pids.sort_unstable();
        pids.dedup();
        let mut owners: Vec<Owner> = Vec::new();
        for pid in pids {
            let tcmd = commands::tasklist_pid(pid);
            let tout = cx.need(&tcmd)?;
            found.evidence(&tcmd, super::show(&tout, 3));
            match owner(&tout.output, pid) {
                Some(t) => owners.push(t),
                None => {
                    return Ok(found.unknown(format!(
                        "PID {pid} listens on {port} but tasklist has no such process"
                    )))
                }
            }
        }
        let is_rdp = |t: &Owner| t.services.iter().any(|s| s.eq_ignore_ascii_case("TermService"));
        let Some(other) = owners.iter().find(|t| !is_rdp(t)) else {
            let t = &owners[0];
            return Ok(found
                .ok(format!("TermService ({}, PID {}) listens on port {port}", t.image, t.pid)));
        };
        let who = match other.services.first() {
            Some(s) => format!("service {s} ({}, PID {})", other.image, other.pid),
            None => format!("{} (PID {}, not a service)", other.image, other.pid),
        };
        let fix = match (&cx.settings.new_rdp_port, other.services.first()) {
            (None, Some(svc)) if other.services.len() == 1 => {
                Some(stop_owner_fix(svc, port, &cx.settings.run_id))
            }
            (new, _) => Some(move_port_fix(
                new.unwrap_or(if port == 3390 { 3391 } else { 3390 }),
                port,
                &cx.settings.run_id,
            )),
        };
        Ok(found.problem(format!("{who} listens on RDP port {port} instead of TermService"), fix))
    }
}

/// One TCP listener on the RDP port: its owner PID and the row as printed, for evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub pid: Option<u32>,
    pub line: String,
}

/// The TCP listeners on `port` in `netstat -ano` output (filtered by findstr or not). The parser
/// normalises the state word (`LISTENING`, `ABHÖREN`, `侦听`), so any display language reads.
pub fn listeners(output: &str, port: u16) -> Vec<Listener> {
    let parsed = netstat::parse(output);
    let lines = text::lines(output);
    parsed
        .listeners_on(port)
        .into_iter()
        .map(|c| Listener {
            pid: c.pid,
            line: lines
                .iter()
                .find(|l| l.number == c.line)
                .map_or_else(String::new, |l| l.text.trim_end().to_string()),
        })
        .collect()
}

/// The process behind one PID, from `tasklist /svc /fo csv /nh /fi "PID eq N"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub image: String,
    pub pid: u32,
    /// Services hosted by the process (empty for `N/A` in any language).
    pub services: Vec<String>,
}

/// The process `pid` in tasklist output (CSV or table, any display language).
pub fn owner(output: &str, pid: u32) -> Option<Owner> {
    tasklist::parse(output).processes.into_iter().find(|p| p.pid == pid).map(|p| Owner {
        image: p.image,
        pid: p.pid,
        services: p.services,
    })
}

/// Stops the service holding the port, keeps it from starting again, and restarts TermService.
fn stop_owner_fix(svc: &str, port: u16, run_id: &str) -> Fix {
    let key = format!(r"HKLM\SYSTEM\CurrentControlSet\Services\{svc}");
    let file = format!(r"{}\{run_id}-svc-{svc}.reg", commands::BACKUP_DIR);
    Fix {
        id: "free-rdp-port".into(),
        title: format!("Stop {svc}, which holds port {port}, and restart TermService"),
        why: format!(
            "TermService cannot bind port {port} while {svc} holds it. The service is stopped and \
             set to disabled so it does not take the port again at the next start (its previous \
             start type is in the backup). To keep {svc} and move RDP instead, run again with \
             --rdp-port N."
        ),
        backups: vec![Backup {
            what: format!("{svc} service key (start type)"),
            command: format!("reg export {key} {} /y", q(&file)),
            remote_file: file.clone(),
            restore: format!("reg import {}", q(&file)),
        }],
        commands: Step::all([
            sacdoc_console::runner::powershell(&format!("Stop-Service -Name {svc} -Force")),
            format!("sc config {svc} start= disabled"),
            sacdoc_console::runner::powershell("Restart-Service -Name TermService -Force"),
        ]),
        verify: Some(CheckId::RdpPort),
        reboot: false,
        later: Vec::new(),
        warning: None,
    }
}

/// Moves RDP to `new` when the port's owner must keep it: registry, firewall, TermService, and the
/// Azure network security group (which only the Azure side can open).
fn move_port_fix(new: u16, old: u16, run_id: &str) -> Fix {
    let file = format!(r"{}\{run_id}-rdp-tcp.reg", commands::BACKUP_DIR);
    Fix {
        id: "move-rdp-port".into(),
        title: format!("Move RDP from port {old} to port {new}"),
        why: format!(
            "Port {old} is held by a program that is not a single service, so it cannot be stopped \
             from here; RDP moves to {new} (choose another with --rdp-port N): PortNumber, the \
             inbound firewall rule, and a TermService restart."
        ),
        backups: vec![Backup {
            what: "RDP-Tcp key".into(),
            command: format!("reg export {} {} /y", q(commands::RDP_TCP), q(&file)),
            remote_file: file.clone(),
            restore: format!("reg import {}", q(&file)),
        }],
        commands: Step::all([
            sacdoc_console::runner::powershell(&format!(
                "Set-ItemProperty -Path '{}' -Name PortNumber -Value {new}",
                commands::RDP_TCP_PS
            )),
            sacdoc_console::runner::powershell(&format!(
                "Set-NetFirewallRule -Name {} -LocalPort {new}",
                commands::FW_RULE
            )),
            sacdoc_console::runner::powershell("Restart-Service -Name TermService -Force"),
        ]),
        verify: Some(CheckId::RdpPort),
        reboot: false,
        later: vec![PendingItem {
            kind: PendingKind::AzureNsgPort,
            description: format!(
                "Allow TCP {new} inbound in the VM's Azure network security group (the VM cannot \
                 do this itself), then connect to port {new}."
            ),
            commands: Vec::new(),
            after_reboot: false,
            created: String::new(),
            from_fix: "move-rdp-port".into(),
        }],
        warning: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::fixture;
    use super::*;

    #[test]
    fn german_abhoren_rows_are_listeners_like_english_listening() {
        let de = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/netstat/de-an-cp850-misdecoded.txt"
        ));
        let en = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/netstat/en-win10-anob.txt"
        ));
        let zh = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/netstat/zh-anbo-padded.txt"
        ));
        let de_rdp = listeners(&de, 3389);
        assert_eq!(de_rdp.len(), 2, "{de_rdp:?}");
        assert!(de_rdp[0].line.contains("0.0.0.0:3389"), "{:?}", de_rdp[0]);
        // The same port on each capture (the Chinese capture shows only the IPv4 rows).
        for (name, text, n) in [("de", &de, 2), ("en", &en, 2), ("zh", &zh, 1)] {
            let rows = listeners(text, 135);
            assert_eq!(rows.len(), n, "{name}: {rows:?}");
        }
        assert_eq!(listeners(&en, 135)[0].pid, Some(1712));
        assert!(listeners(&de, 3390).is_empty());
    }

    #[test]
    fn localized_tasklist_names_the_owner_and_its_services() {
        let zh = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/tasklist/zh_svc_localized_na.txt"
        ));
        let ts = owner(&zh, 376).expect("PID 376");
        assert_eq!(
            (ts.image.as_str(), ts.services.as_slice()),
            ("svchost.exe", &["TermService".to_string()][..])
        );
        // 暂缺 is the Chinese N/A: no services, so the owner is "not a service".
        assert!(owner(&zh, 4).expect("PID 4").services.is_empty());
        assert_eq!(owner(&zh, 99_999), None);
        let filtered = fixture(include_str!(
            "../../../sacdoc-parse/tests/fixtures/parse/tasklist/zh_svc_filtered.txt"
        ));
        assert_eq!(owner(&filtered, 2476).map(|o| o.services), Some(vec!["FxService".to_string()]));
    }
}
