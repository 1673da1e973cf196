//! PowerShell `Get-Service`: the default table (`Status Name DisplayName`), any other
//! `Format-Table` of service properties, and `Format-List`.
//!
//! ```text
//! Status   Name               DisplayName
//! ------   ----               -----------
//! Running  TermService        Remote Desktop Services
//! Stopped  UmRdpService       Remote Desktop Services UserMode Po...
//! ```
//!
//! Property names and the `Status`/`StartType` enum names are not translated; display names
//! are. The default table cuts names to the column width (`...`): such a name is flagged
//! `name_truncated` and [`ServicesOutput::service`] never matches it.

use serde::Serialize;

use crate::sc::{ServiceState, StartType};
use crate::Unparsed;

pub mod psformat;

use crate::text::Ledger;
use psformat::{is_truncated, ListRecord, Table};

/// Every service row or record found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServicesOutput {
    pub services: Vec<PsService>,
    /// Prompt and command-echo lines of the input (see [`crate::prompt`]), with line numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<crate::Command>,
    /// The runs of output between those commands (empty without a command line).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<crate::Run>,
    pub unparsed: Vec<Unparsed>,
    /// Numbers of the input lines whose content is in `services` (not serialized).
    #[serde(skip)]
    pub consumed_lines: Vec<usize>,
}

/// One service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PsService {
    pub name: String,
    /// The table cut the name (it ends in `...`); it must not be matched.
    pub name_truncated: bool,
    pub display_name: Option<String>,
    pub display_name_truncated: bool,
    pub status: Option<ServiceState>,
    /// `Status` as printed.
    pub status_text: Option<String>,
    pub start_type: Option<StartType>,
    pub start_type_text: Option<String>,
    pub service_type: Option<String>,
    /// `ServicesDependedOn` (`{RPCSS, TermDD}`).
    pub depends_on: Vec<String>,
    /// `DependentServices`.
    pub dependents: Vec<String>,
    /// Every property as printed (`Format-List`), or every cell with its column (tables).
    pub properties: Vec<Property>,
    pub line: usize,
}

/// A property name and its value as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    pub name: String,
    pub value: String,
}

impl PsService {
    /// The state number (`4` = running), as `sc` prints it.
    pub fn state_code(&self) -> Option<u32> {
        self.status.map(ServiceState::code)
    }

    /// The start type number (`2` = automatic), as `sc qc` prints it.
    pub fn start_type_code(&self) -> Option<u32> {
        self.start_type.map(StartType::code)
    }
}

impl ServicesOutput {
    /// The service named `name` (case-insensitive); never a truncated name.
    pub fn service(&self, name: &str) -> Option<&PsService> {
        self.services.iter().find(|s| !s.name_truncated && s.name.eq_ignore_ascii_case(name))
    }
}

/// Parses `Get-Service` output (table or list). Never fails.
pub fn parse(input: &str) -> ServicesOutput {
    let mut ledger = Ledger::new(input);
    let f = psformat::parse(&mut ledger, |_| false);
    let mut services = Vec::new();
    for t in &f.tables {
        from_table(t, &mut services);
    }
    for r in &f.records {
        // A record naming no service is something else (an error record, say): keep its lines.
        if ["Name", "ServiceName", "DisplayName"].iter().any(|k| r.get(k).is_some()) {
            services.push(from_record(r));
        } else {
            for n in &r.lines {
                ledger.untake(*n);
            }
        }
    }
    services.sort_by_key(|s| s.line);
    let (commands, runs) = (ledger.commands().to_vec(), ledger.runs());
    let (consumed, unparsed) = ledger.finish();
    ServicesOutput { services, commands, runs, unparsed, consumed_lines: consumed }
}

fn from_table(t: &Table, out: &mut Vec<PsService>) {
    let name = t.column("Name").or_else(|| t.column("ServiceName"));
    let display = t.column("DisplayName");
    let status = t.column("Status");
    let start = t.column("StartType");
    for row in &t.rows {
        let mut s = PsService { line: row.line, ..PsService::default() };
        if let Some(n) = row.cell(name) {
            s.name = n.to_string();
            s.name_truncated = is_truncated(n);
        }
        if let Some(d) = row.cell(display) {
            s.display_name = Some(d.to_string());
            s.display_name_truncated = is_truncated(d);
        }
        set_status(&mut s, row.cell(status));
        set_start(&mut s, row.cell(start));
        s.properties = t
            .columns
            .iter()
            .zip(&row.cells)
            .map(|(c, v)| Property { name: c.clone(), value: v.clone() })
            .collect();
        out.push(s);
    }
}

fn from_record(r: &ListRecord) -> PsService {
    let mut s = PsService { line: r.line, ..PsService::default() };
    s.name = r.get("Name").or_else(|| r.get("ServiceName")).unwrap_or_default().to_string();
    s.display_name = r.get("DisplayName").map(str::to_string);
    set_status(&mut s, r.get("Status"));
    set_start(&mut s, r.get("StartType"));
    s.service_type = r.get("ServiceType").map(str::to_string);
    s.depends_on = list(r.get("ServicesDependedOn"));
    s.dependents = list(r.get("DependentServices"));
    s.properties =
        r.items.iter().map(|i| Property { name: i.name.clone(), value: i.value.clone() }).collect();
    s
}

fn set_status(s: &mut PsService, v: Option<&str>) {
    if let Some(v) = v {
        s.status = ServiceState::from_name(v);
        s.status_text = Some(v.to_string());
    }
}

fn set_start(s: &mut PsService, v: Option<&str>) {
    if let Some(v) = v {
        s.start_type = StartType::from_name(v);
        s.start_type_text = Some(v.to_string());
    }
}

/// `{RPCSS, TermDD}` → ["RPCSS", "TermDD"]; `{}` → [].
pub(crate) fn list(v: Option<&str>) -> Vec<String> {
    let Some(v) = v else { return Vec::new() };
    let inner = v.trim().trim_start_matches('{').trim_end_matches('}');
    inner.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty() && x != "...").collect()
}
