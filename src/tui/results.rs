//! The parsed outputs as tables: every command the doctor ran, classified by what printed it, with
//! the rows the Results view shows (netstat sorted and filtered, ACL entries marked, registry
//! values, services).

use crate::parse;
use crate::runner::CommandOutput;

/// What kind of table a command's output makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Netstat,
    Acl,
    Registry,
    Services,
    Other,
}

impl Kind {
    /// Classifies a command line by the program it runs.
    pub fn of(command: &str) -> Kind {
        let c = command.trim_start().to_ascii_lowercase();
        if c.starts_with("netstat") {
            Kind::Netstat
        } else if c.starts_with("icacls") {
            Kind::Acl
        } else if c.starts_with("reg query") {
            Kind::Registry
        } else if c.starts_with("sc ") || c.contains("get-service") || c.starts_with("tasklist") {
            Kind::Services
        } else {
            Kind::Other
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Netstat => "netstat",
            Kind::Acl => "ACL",
            Kind::Registry => "registry",
            Kind::Services => "services",
            Kind::Other => "output",
        }
    }
}

/// How the netstat table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetSort {
    #[default]
    Port,
    Pid,
    State,
    Image,
}

impl NetSort {
    pub fn next(self) -> NetSort {
        match self {
            NetSort::Port => NetSort::Pid,
            NetSort::Pid => NetSort::State,
            NetSort::State => NetSort::Image,
            NetSort::Image => NetSort::Port,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NetSort::Port => "port",
            NetSort::Pid => "PID",
            NetSort::State => "state",
            NetSort::Image => "image",
        }
    }
}

/// One row of a table, its cells, and whether it is marked (the RDP port, a wrong ACE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<String>,
    pub mark: Option<String>,
}

/// A table ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Row>,
}

/// The netstat rows of `out`, filtered by `filter` (a port or PID exactly, or text found in any
/// field: address, state, protocol, image, service) and sorted.
pub fn netstat(out: &CommandOutput, rdp_port: u16, sort: NetSort, filter: &str) -> Table {
    let parsed = parse::netstat::parse(&out.output);
    let f = filter.trim().to_ascii_lowercase();
    let mut conns: Vec<_> = parsed
        .connections
        .into_iter()
        .filter(|c| {
            let text = [
                c.proto.as_str(),
                c.local_address.as_str(),
                c.foreign_address.as_str(),
                c.state.as_deref().unwrap_or(""),
                c.state_raw.as_deref().unwrap_or(""),
                c.image.as_deref().unwrap_or(""),
                c.component.as_deref().unwrap_or(""),
            ]
            .join(" ")
            .to_lowercase();
            f.is_empty()
                || c.local_port.map(|p| p.to_string() == f).unwrap_or(false)
                || c.foreign_port.map(|p| p.to_string() == f).unwrap_or(false)
                || c.pid.map(|p| p.to_string() == f).unwrap_or(false)
                || text.contains(&f)
        })
        .collect();
    match sort {
        NetSort::Port => conns.sort_by_key(|c| (c.local_port, c.pid)),
        NetSort::Pid => conns.sort_by_key(|c| (c.pid, c.local_port)),
        NetSort::State => conns.sort_by(|a, b| a.state.cmp(&b.state)),
        NetSort::Image => conns.sort_by(|a, b| a.image.cmp(&b.image)),
    }
    let rows = conns
        .iter()
        .map(|c| {
            let rdp = c.is_listening() && c.local_port == Some(rdp_port);
            Row {
                cells: vec![
                    c.proto.clone(),
                    c.local_address.clone(),
                    c.local_port_raw.clone(),
                    c.foreign_address.clone(),
                    c.state.clone().unwrap_or_default(),
                    c.pid.map(|p| p.to_string()).unwrap_or_default(),
                    c.image.clone().or_else(|| c.component.clone()).unwrap_or_default(),
                ],
                mark: rdp.then(|| format!("RDP port {rdp_port}")),
            }
        })
        .collect();
    Table { header: vec!["Proto", "Local", "Port", "Foreign", "State", "PID", "Image"], rows }
}

/// What the MachineKeys folder must grant (well-known SID, name, full control needed), from the
/// procedure (rdp-internal-error.md): SYSTEM and Administrators full control, NETWORK SERVICE
/// read. As in the doctor's check, SYSTEM and NETWORK SERVICE may get it through Everyone or
/// Authenticated Users (Windows' default here is Everyone (R,W) and Administrators (F)).
const ACL_WANTED: &[(&str, &str, bool)] = &[
    ("S-1-5-18", "SYSTEM", true),
    ("S-1-5-20", "NETWORK SERVICE", false),
    ("S-1-5-32-544", "Administrators", true),
];

/// Everyone and Authenticated Users.
const ACL_GROUPS: &[&str] = &["S-1-1-0", "S-1-5-11"];

fn full(a: &parse::icacls::Ace) -> bool {
    a.rights.iter().any(|r| r == "F" || r == "GA")
}

fn reads(a: &parse::icacls::Ace) -> bool {
    full(a) || a.rights.iter().any(|r| matches!(r.as_str(), "R" | "RX" | "M" | "GR"))
}

fn writes(a: &parse::icacls::Ace) -> bool {
    full(a) || a.rights.iter().any(|r| matches!(r.as_str(), "M" | "W" | "GW"))
}

/// What is missing for one wanted principal on the MachineKeys folder, or `None`.
fn acl_gap(aces: &[parse::icacls::Ace], sid: &str, name: &str, need_full: bool) -> Option<String> {
    let live = |a: &&parse::icacls::Ace| !a.flags.iter().any(|f| f == "IO") && !a.deny;
    let own = |a: &&parse::icacls::Ace| a.sid.as_deref() == Some(sid);
    let group = |a: &&parse::icacls::Ace| a.sid.as_deref().is_some_and(|s| ACL_GROUPS.contains(&s));
    let ok = if sid == "S-1-5-32-544" {
        aces.iter().filter(live).filter(own).any(full)
    } else if need_full {
        aces.iter().filter(live).filter(own).any(full)
            || aces.iter().filter(live).filter(group).any(|a| reads(a) && writes(a))
    } else {
        aces.iter().filter(live).filter(|a| own(a) || group(a)).any(reads)
    };
    (!ok).then(|| format!("{name} needs ({})", if need_full { "F" } else { "R" }))
}

/// The ACEs of every object in an icacls output; deny entries are marked, and a wanted
/// principal that is missing gets a marked row of its own.
pub fn acl(out: &CommandOutput) -> Table {
    let parsed = parse::icacls::parse(&out.output);
    let mut rows = Vec::new();
    for obj in &parsed.objects {
        let machinekeys = obj.path.to_ascii_lowercase().ends_with("machinekeys");
        let gaps: Vec<(&str, String)> = if machinekeys {
            ACL_WANTED
                .iter()
                .filter_map(|(sid, name, f)| acl_gap(&obj.aces, sid, name, *f).map(|g| (*sid, g)))
                .collect()
        } else {
            Vec::new()
        };
        for ace in &obj.aces {
            let gap = gaps.iter().find(|(sid, _)| ace.sid.as_deref() == Some(*sid));
            let mark =
                if ace.deny { Some("deny entry".to_string()) } else { gap.map(|(_, g)| g.clone()) };
            rows.push(Row {
                cells: vec![
                    obj.path.clone(),
                    ace.principal.clone(),
                    ace.rights.join(","),
                    ace.flags.join(""),
                    if ace.inherited { "inherited".into() } else { String::new() },
                ],
                mark,
            });
        }
        // A wanted principal with no entry of its own gets a row that says what is missing.
        for (sid, g) in &gaps {
            if !obj.aces.iter().any(|a| a.sid.as_deref() == Some(*sid)) {
                let name = g.split(" needs").next().unwrap_or(g).to_string();
                rows.push(Row {
                    cells: vec![
                        obj.path.clone(),
                        name,
                        String::new(),
                        String::new(),
                        String::new(),
                    ],
                    mark: Some(format!("missing: {g}")),
                });
            }
        }
    }
    for e in &parsed.errors {
        rows.push(Row {
            cells: vec![e.path.clone(), String::new(), String::new(), String::new(), String::new()],
            mark: Some(e.message.clone()),
        });
    }
    Table { header: vec!["Path", "Principal", "Rights", "Flags", ""], rows }
}

/// The values of every key in a `reg query` output.
pub fn registry(out: &CommandOutput) -> Table {
    let parsed = parse::reg::parse(&out.output);
    let mut rows = Vec::new();
    for key in &parsed.keys {
        for v in &key.values {
            rows.push(Row {
                cells: vec![key.path.clone(), v.name.clone(), v.kind.clone(), v.data_raw.clone()],
                mark: None,
            });
        }
    }
    if let Some(e) = &parsed.error {
        rows.push(Row {
            cells: vec![e.clone(), String::new(), String::new(), String::new()],
            mark: Some("error".into()),
        });
    }
    Table { header: vec!["Key", "Value", "Type", "Data"], rows }
}

/// Services from `sc query` or PowerShell `Get-Service`; stopped services are marked.
pub fn services(out: &CommandOutput) -> Table {
    let mut rows = Vec::new();
    let sc = parse::sc::parse(&out.output);
    for s in &sc.services {
        let stopped = s.state.as_ref().is_some_and(|st| st.code == 1);
        rows.push(Row {
            cells: vec![
                s.name.clone(),
                s.state.as_ref().map(|st| st.text.clone()).unwrap_or_default(),
                s.start_type.as_ref().map(|t| t.text.clone()).unwrap_or_default(),
                s.pid.map(|p| p.to_string()).unwrap_or_default(),
            ],
            mark: stopped.then(|| "stopped".into()),
        });
    }
    if rows.is_empty() {
        let ps = parse::services::parse(&out.output);
        for s in &ps.services {
            let stopped = s.state_code() == Some(1);
            rows.push(Row {
                cells: vec![
                    s.name.clone(),
                    s.status_text.clone().unwrap_or_default(),
                    s.start_type_text.clone().unwrap_or_default(),
                    String::new(),
                ],
                mark: stopped.then(|| "stopped".into()),
            });
        }
    }
    if rows.is_empty() {
        return other(out);
    }
    Table { header: vec!["Service", "State", "Start", "PID"], rows }
}

/// Any other output: its lines.
pub fn other(out: &CommandOutput) -> Table {
    let rows = out
        .output
        .lines()
        .map(|l| Row { cells: vec![l.trim_end().to_string()], mark: None })
        .collect();
    Table { header: vec!["Output"], rows }
}
