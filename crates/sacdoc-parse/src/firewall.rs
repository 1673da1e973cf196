//! `netsh advfirewall firewall show rule name=... [verbose]`, and the `Get-NetFirewallRule ... |
//! Format-List` shape.
//!
//! ```text
//! Rule Name:                            Remote Desktop - User Mode (TCP-In)
//! ----------------------------------------------------------------------
//! Enabled:                              Yes
//! Direction:                            In
//! ...
//! LocalPort:                            3389
//! Action:                               Allow
//!
//! Ok.
//! ```
//!
//! netsh translates labels and values (`Regelname`, `Aktiviert: Ja`, `Aktion: Zulassen`). A rule
//! is found by its shape: a `label: value` line followed by a ruler of dashes, then `label:
//! value` lines up to a blank line. Each field's meaning comes from its label when the label is
//! known (see `labels`), else from its position in netsh's fixed order; `Action` is always last.
//! Values are normalised (`enabled`, `direction`, `action`, `local_ports`) and kept as printed.

use serde::Serialize;

use crate::services::psformat::{self, ListRecord};
use crate::text::Ledger;
use crate::text::{Joined, Line};
use crate::Unparsed;

pub mod labels;

pub use labels::{Action, Direction};

/// Every rule found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FirewallOutput {
    pub rules: Vec<FirewallRule>,
    /// Lines outside rules: `Ok.`, `No rules match the specified criteria.` (translated).
    pub messages: Vec<Unparsed>,
    /// Prompt and command-echo lines of the input (see [`crate::prompt`]), with line numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<crate::Command>,
    /// The runs of output between those commands (empty without a command line).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<crate::Run>,
    pub unparsed: Vec<Unparsed>,
    /// Numbers of the input lines whose content is in the fields above (not serialized).
    #[serde(skip)]
    pub consumed_lines: Vec<usize>,
}

/// One firewall rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FirewallRule {
    /// The rule name as netsh prints it (translated for built-in rules), or `DisplayName`.
    pub name: String,
    /// `Get-NetFirewallRule`'s `Name` (not translated, e.g. `RemoteDesktop-UserMode-In-TCP`).
    pub id: Option<String>,
    pub enabled: Option<bool>,
    pub direction: Option<Direction>,
    pub action: Option<Action>,
    pub protocol: Option<String>,
    /// `LocalPort` as printed.
    pub local_port: Option<String>,
    /// `LocalPort` read as port ranges (`3389`, `49152-65535`); empty when `any` or a keyword.
    pub local_ports: Vec<PortRange>,
    /// `LocalPort` is "any" (translated).
    pub local_port_any: bool,
    pub remote_port: Option<String>,
    pub profiles: Option<String>,
    pub grouping: Option<String>,
    pub program: Option<String>,
    pub service: Option<String>,
    /// Every field as printed, with the key it was given (`other` when unknown).
    pub fields: Vec<RuleField>,
    pub line: usize,
}

/// An inclusive port range (`from == to` for one port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

/// One `label: value` line (indented continuation lines appended with a space).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleField {
    pub label: String,
    pub value: String,
    pub key: &'static str,
    pub line: usize,
}

impl FirewallRule {
    /// True when the rule's local port covers `port` (or is any port).
    pub fn covers_local_port(&self, port: u16) -> bool {
        self.local_port_any || self.local_ports.iter().any(|r| r.from <= port && port <= r.to)
    }
}

impl FirewallOutput {
    /// Enabled inbound allow rules covering TCP `port`.
    pub fn inbound_allowing(&self, port: u16) -> impl Iterator<Item = &FirewallRule> {
        self.rules.iter().filter(move |r| {
            r.enabled == Some(true)
                && r.direction == Some(Direction::In)
                && r.action == Some(Action::Allow)
                && r.protocol
                    .as_deref()
                    .is_none_or(|p| p.eq_ignore_ascii_case("TCP") || labels::is_any(p))
                && r.covers_local_port(port)
        })
    }
}

/// netsh's field order after the rule name, without and with `verbose`.
const POSITIONS: &[&[&str]] = &[
    &[
        "enabled",
        "direction",
        "profiles",
        "grouping",
        "local_ip",
        "remote_ip",
        "protocol",
        "local_port",
        "remote_port",
        "edge_traversal",
        "action",
    ],
    &[
        "description",
        "enabled",
        "direction",
        "profiles",
        "grouping",
        "local_ip",
        "remote_ip",
        "protocol",
        "local_port",
        "remote_port",
        "edge_traversal",
        "program",
        "service",
        "interface_types",
        "security",
        "rule_source",
        "action",
    ],
];

/// Parses netsh or `Get-NetFirewallRule | Format-List` output. Never fails.
pub fn parse(input: &str) -> FirewallOutput {
    let mut ledger = Ledger::new(input);
    let lines = ledger.lines().to_vec();
    // A label line whose next non-blank line is a ruler (blank lines between them when a paste
    // doubled every line break).
    let nonblank: Vec<&Line<'_>> = lines.iter().filter(|l| !l.is_blank()).collect();
    let netsh =
        nonblank.windows(2).any(|w| label_value(w[0].text).is_some() && is_ruler(w[1].text));
    let list = lines.iter().any(|l| psformat::list_item(l.text).is_some());
    let mut out = FirewallOutput::default();
    if netsh || !list {
        parse_netsh(&mut ledger, &mut out);
    } else {
        let f = psformat::parse(&mut ledger, |_| false);
        for t in &f.tables {
            for row in &t.rows {
                ledger.untake(row.line);
            }
            ledger.untake(t.line);
            ledger.untake(t.line + 1);
        }
        for r in &f.records {
            if IDENTIFYING.iter().any(|k| r.get(k).is_some()) {
                out.rules.push(from_record(r));
            } else {
                for n in &r.lines {
                    ledger.untake(*n);
                }
            }
        }
    }
    let (commands, runs) = (ledger.commands().to_vec(), ledger.runs());
    let (consumed, unparsed) = ledger.finish();
    out.consumed_lines = consumed;
    out.unparsed = unparsed;
    out.commands = commands;
    out.runs = runs;
    out
}

/// `Get-NetFirewallRule` properties that identify a rule record: a `Format-List` of any of
/// them (`Format-List DisplayName,Enabled`, `Format-List Direction,Action,LocalPort`) is a list
/// of rules.
const IDENTIFYING: &[&str] = &[
    "Name",
    "DisplayName",
    "DisplayGroup",
    "Group",
    "Enabled",
    "Direction",
    "Action",
    "Profile",
    "LocalPort",
    "Program",
];

fn is_ruler(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 10 && t.chars().all(|c| c == '-')
}

/// `Label:<spaces>value` in column 0 (the label has no colon; the value may be empty).
fn label_value(text: &str) -> Option<(&str, &str)> {
    if text.starts_with(char::is_whitespace) {
        return None;
    }
    let colon = text.find(':')?;
    let label = text[..colon].trim_end();
    let rest = &text[colon + 1..];
    if label.is_empty() || !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((label, rest.trim()))
}

/// A line filled to the console width continues on a line with no label of its own.
fn wrapped(_cur: &str, next: &Line<'_>) -> bool {
    label_value(next.text).is_none() && !is_ruler(next.text) && !next.text.starts_with(' ')
}

fn parse_netsh(ledger: &mut Ledger<'_>, out: &mut FirewallOutput) {
    let joined = ledger.joined(wrapped);
    // In a paste that doubled every line break a rule's lines are one blank line apart and
    // rules are several apart.
    let doubled = crate::text::double_spaced(joined.iter().map(Joined::is_blank));
    let mut i = 0;
    let mut in_rule = false;
    while i < joined.len() {
        let j = &joined[i];
        if j.is_blank() {
            let blank_before = i > 0 && joined[i - 1].is_blank();
            if !doubled || blank_before {
                in_rule = false;
            }
            i += 1;
            continue;
        }
        let next_at = (i + 1..joined.len()).find(|&k| !joined[k].is_blank());
        if let (Some((label, value)), Some(k)) = (label_value(&j.text), next_at) {
            let next = &joined[k];
            if is_ruler(&next.text) {
                out.rules.push(FirewallRule {
                    name: value.to_string(),
                    line: j.number,
                    ..Default::default()
                });
                push_field(out, label, value, "name", j.number);
                ledger.take(j);
                ledger.take(next);
                in_rule = true;
                i = k + 1;
                continue;
            }
        }
        let ok = if in_rule { rule_line(out, j) || message(out, j) } else { message(out, j) };
        if ok {
            ledger.take(j);
        } else {
            ledger.reject(j);
        }
        i += 1;
    }
    for r in &mut out.rules {
        assign_positions(r);
        normalise(r);
    }
}

fn push_field(out: &mut FirewallOutput, label: &str, value: &str, key: &'static str, line: usize) {
    if let Some(r) = out.rules.last_mut() {
        r.fields.push(RuleField { label: label.to_string(), value: value.to_string(), key, line });
    }
}

fn rule_line(out: &mut FirewallOutput, j: &Joined) -> bool {
    if j.text.starts_with(char::is_whitespace) {
        // ICMP `Type Code` lines and other indented continuations.
        return match out.rules.last_mut().and_then(|r| r.fields.last_mut()) {
            Some(f) => {
                f.value.push(' ');
                f.value.push_str(j.text.trim());
                true
            }
            None => false,
        };
    }
    match label_value(&j.text) {
        Some((label, value)) => {
            let key = labels::key_of(label).unwrap_or("other");
            push_field(out, label, value, key, j.number);
            true
        }
        None => false,
    }
}

/// `Ok.` and `No rules match the specified criteria.`: one unindented sentence outside a rule.
fn message(out: &mut FirewallOutput, j: &Joined) -> bool {
    if j.text.starts_with(char::is_whitespace) || label_value(&j.text).is_some() {
        return false;
    }
    out.messages.push(Unparsed { line: j.number, text: j.text.clone() });
    true
}

/// Unknown labels get the key of their position when the field count matches netsh's order.
fn assign_positions(r: &mut FirewallRule) {
    let n = r.fields.len().saturating_sub(1);
    if let Some(order) = POSITIONS.iter().find(|o| o.len() == n) {
        for (f, key) in r.fields.iter_mut().skip(1).zip(order.iter()) {
            if f.key == "other" {
                f.key = key;
            }
        }
    }
    let has_action = r.fields.iter().any(|f| f.key == "action");
    if let Some(last) = r.fields.last_mut().filter(|f| f.key == "other" && !has_action) {
        if labels::action(&last.value).is_some() {
            last.key = "action";
        }
    }
}

fn normalise(r: &mut FirewallRule) {
    for f in r.fields.clone() {
        let v = f.value.clone();
        match f.key {
            "enabled" => r.enabled = labels::enabled(&v),
            "direction" => r.direction = labels::direction(&v),
            "action" => r.action = labels::action(&v),
            "protocol" => r.protocol = Some(v),
            "local_port" => set_local_port(r, &v),
            "remote_port" => r.remote_port = Some(v),
            "profiles" => r.profiles = Some(v),
            "grouping" => r.grouping = Some(v),
            "program" => r.program = Some(v),
            "service" => r.service = Some(v),
            _ => {}
        }
    }
}

fn set_local_port(r: &mut FirewallRule, v: &str) {
    r.local_port = Some(v.to_string());
    r.local_port_any = labels::is_any(v);
    r.local_ports = ports(v);
}

/// Whether a port filter's `LocalPort` (`3389`, `{3389, 3390}`, `3389-3390`, `Any` in any
/// display language) covers `port`.
pub fn port_allowed(local: &str, port: u16) -> bool {
    let list = local.trim().trim_start_matches('{').trim_end_matches('}');
    list.split(',').any(|p| labels::is_any(p.trim()))
        || ports(list).iter().any(|r| r.from <= port && port <= r.to)
}

/// `3389`, `80,443`, `49152-65535` → ranges; anything else (keywords) → none.
pub fn ports(v: &str) -> Vec<PortRange> {
    let mut out = Vec::new();
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        match (a.trim().parse::<u16>(), b.trim().parse::<u16>()) {
            (Ok(from), Ok(to)) if from <= to => out.push(PortRange { from, to }),
            _ => return Vec::new(),
        }
    }
    out
}

fn from_record(rec: &ListRecord) -> FirewallRule {
    let mut r = FirewallRule { line: rec.line, ..Default::default() };
    r.name = rec.get("DisplayName").or_else(|| rec.get("Name")).unwrap_or_default().to_string();
    r.id = rec.get("Name").map(str::to_string);
    for item in &rec.items {
        let key = match item.name.to_ascii_lowercase().as_str() {
            "enabled" => "enabled",
            "direction" => "direction",
            "action" => "action",
            "protocol" => "protocol",
            "localport" => "local_port",
            "remoteport" => "remote_port",
            "profile" => "profiles",
            "displaygroup" => "grouping",
            "program" => "program",
            "service" => "service",
            "name" => "id",
            "displayname" => "name",
            "description" => "description",
            _ => "other",
        };
        r.fields.push(RuleField {
            label: item.name.clone(),
            value: item.value.clone(),
            key,
            line: item.line,
        });
    }
    normalise(&mut r);
    r
}
