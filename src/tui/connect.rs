//! The connect screen's model: serial ports found on this machine, recent targets (kept in the
//! state folder), the simulator's scenarios, a free-text target, and the credentials form
//! (password masked, never stored).

use std::path::PathBuf;

/// How many recent targets are kept.
const RECENT_MAX: usize = 10;

/// One choice on the connect screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// `serial port`, `recent`, `simulator`.
    pub group: &'static str,
    pub target: String,
    pub note: String,
}

/// Serial ports on this machine: what `serialport` enumerates, plus the usual device names found
/// under /dev (built without libudev, enumeration may miss USB adapters).
pub fn serial_ports() -> Vec<Choice> {
    let names: Vec<(String, String)> = serialport::available_ports()
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let note = match p.port_type {
                serialport::SerialPortType::UsbPort(u) => {
                    u.product.unwrap_or_else(|| "USB serial".into())
                }
                serialport::SerialPortType::PciPort => "PCI".into(),
                _ => String::new(),
            };
            (p.port_name, note)
        })
        .collect();
    #[cfg(unix)]
    let names = with_dev_ttys(names);
    names.into_iter().map(|(target, note)| Choice { group: "serial port", target, note }).collect()
}

/// Adds the usual serial device names found under /dev that enumeration missed.
#[cfg(unix)]
fn with_dev_ttys(mut names: Vec<(String, String)>) -> Vec<(String, String)> {
    let Ok(dir) = std::fs::read_dir("/dev") else { return names };
    let mut found: Vec<String> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("ttyS") || n.starts_with("ttyUSB") || n.starts_with("ttyACM"))
        .map(|n| format!("/dev/{n}"))
        .collect();
    found.sort_by_key(|n| (n.len(), n.clone()));
    for n in found.into_iter().take(8) {
        if !names.iter().any(|(p, _)| *p == n) {
            names.push((n, String::new()));
        }
    }
    names
}

/// The file of recent targets.
pub fn recent_path() -> PathBuf {
    crate::paths::state_dir().join("tui-recent-targets.txt")
}

/// Recent targets, newest first.
pub fn recent() -> Vec<String> {
    std::fs::read_to_string(recent_path())
        .map(|t| t.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Puts `target` first in the recent list (never a password: targets hold none).
pub fn remember(target: &str) -> std::io::Result<()> {
    let mut list = recent();
    list.retain(|t| t != target);
    list.insert(0, target.to_string());
    list.truncate(RECENT_MAX);
    let path = recent_path();
    if let Some(dir) = path.parent() {
        crate::transport::owner_only::create_dir_all(dir)?;
    }
    crate::transport::owner_only::write(&path, (list.join("\n") + "\n").as_bytes())
}

/// Everything the connect screen offers, in display order.
pub fn choices(ports: Vec<Choice>, recent: Vec<String>) -> Vec<Choice> {
    let mut out = ports;
    out.extend(recent.into_iter().map(|t| Choice {
        group: "recent",
        target: t,
        note: String::new(),
    }));
    for name in crate::sim::machine::scenario_names() {
        let note =
            crate::sim::machine::load_scenario(name).map(|s| s.description).unwrap_or_default();
        out.push(Choice { group: "simulator", target: format!("sim:{name}"), note });
    }
    out.extend(exercises(&crate::train::exercise::catalogue(&crate::paths::lessons_dir())));
    out
}

/// What an exercise's choice holds in place of a target: `train:NAME`.
pub const TRAIN_PREFIX: &str = "train:";

/// The training exercises (built in and imported lessons), each started as `sacdoc train NAME`
/// would start it. The note is the title only: the cause is the trainee's to find.
pub fn exercises(list: &[crate::train::exercise::Exercise]) -> Vec<Choice> {
    list.iter()
        .map(|e| Choice {
            group: "exercise",
            target: format!("{TRAIN_PREFIX}{}", e.name),
            note: e.title.clone(),
        })
        .collect()
}

/// The exercise a connect-screen entry names (`train:port-conflict`), if it names one.
pub fn exercise_of(target: &str) -> Option<&str> {
    target.strip_prefix(TRAIN_PREFIX).map(str::trim).filter(|n| !n.is_empty())
}

/// Which field of the credentials form has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    #[default]
    User,
    Domain,
    Password,
}

/// The credentials dialog. The password lives only here until the session is configured.
#[derive(Clone, Default, PartialEq)]
pub struct CredForm {
    pub target: String,
    pub user: String,
    pub domain: String,
    pub password: String,
    pub field: Field,
    pub error: Option<String>,
    /// The job that asked for the account, run once it is given (the link is already up).
    pub then: Option<super::event::Command>,
}

impl std::fmt::Debug for CredForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredForm")
            .field("target", &self.target)
            .field("user", &self.user)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl CredForm {
    /// The text of the focused field.
    pub fn focused(&mut self) -> &mut String {
        match self.field {
            Field::User => &mut self.user,
            Field::Domain => &mut self.domain,
            Field::Password => &mut self.password,
        }
    }

    pub fn next_field(&mut self) {
        self.field = match self.field {
            Field::User => Field::Domain,
            Field::Domain => Field::Password,
            Field::Password => Field::User,
        };
    }
}
