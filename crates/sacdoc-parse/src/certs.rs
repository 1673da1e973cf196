//! PowerShell certificate-store listings: `Get-ChildItem 'Cert:\LocalMachine\Remote Desktop'`
//! (default table) and `... | Format-List Thumbprint,Subject,NotAfter,HasPrivateKey`.
//!
//! ```text
//!    PSParentPath: Microsoft.PowerShell.Security\Certificate::LocalMachine\Remote Desktop
//!
//! Thumbprint                                Subject
//! ----------                                -------
//! 0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43  CN=WIN-SERVER01
//! ```
//!
//! Property names are not translated; dates are printed in the VM's culture, so `NotAfter` is
//! kept as printed and also normalised to `YYYY-MM-DDTHH:MM:SS` (VM local time) when its shape
//! is one of the cultures' (see [`normalize_date`]). A thumbprint is 40 hexadecimal digits; a
//! table row without one is not a certificate and stays in `unparsed`.

use serde::Serialize;

use crate::services::psformat::{self, is_truncated, ListRecord, Table};
use crate::services::Property;
use crate::text::Ledger;
use crate::Unparsed;

mod dates;
pub mod json;

pub use dates::normalize_date;
pub use json::JsonError;

/// Every certificate found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CertsOutput {
    pub certificates: Vec<Certificate>,
    /// The store paths of `PSParentPath:` banners, as printed.
    pub stores: Vec<String>,
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

/// One certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// 40 upper-case hexadecimal digits; empty for a `Format-List` record printed without a
    /// `Thumbprint` line (its other properties identify it).
    pub thumbprint: String,
    pub subject: Option<String>,
    /// The table cut the subject (`...`).
    pub subject_truncated: bool,
    pub issuer: Option<String>,
    pub friendly_name: Option<String>,
    /// `NotAfter` as printed.
    pub not_after_text: Option<String>,
    /// `NotAfter` as `YYYY-MM-DDTHH:MM:SS` (VM local time), when its format was recognised.
    pub not_after: Option<String>,
    pub not_before_text: Option<String>,
    pub not_before: Option<String>,
    pub has_private_key: Option<bool>,
    /// The store of the last `PSParentPath:` banner above it (table form).
    pub store: Option<String>,
    /// Every property as printed.
    pub properties: Vec<Property>,
    pub line: usize,
}

impl CertsOutput {
    /// The certificate with thumbprint `thumbprint` (case-insensitive, spaces ignored).
    pub fn by_thumbprint(&self, thumbprint: &str) -> Option<&Certificate> {
        let want: String = thumbprint.chars().filter(|c| !c.is_whitespace()).collect();
        self.certificates.iter().find(|c| c.thumbprint.eq_ignore_ascii_case(&want))
    }
}

/// True for 40 hexadecimal digits.
pub fn is_thumbprint(s: &str) -> bool {
    s.len() == 40 && s.chars().all(|c| c.is_ascii_hexdigit())
}

const BANNER: &str = "PSParentPath:";

/// Parses a certificate listing (table or list). Never fails.
pub fn parse(input: &str) -> CertsOutput {
    let mut ledger = Ledger::new(input);
    let mut banners: Vec<(usize, String)> = Vec::new();
    let f = psformat::parse(&mut ledger, |l| match l.text.trim_start().strip_prefix(BANNER) {
        Some(rest) => {
            banners.push((l.number, store_of(rest.trim())));
            true
        }
        None => false,
    });
    let mut certs = Vec::new();
    for t in &f.tables {
        from_table(t, &banners, &mut ledger, &mut certs);
    }
    for r in &f.records {
        match from_record(r) {
            Some(c) => certs.push(c),
            None => {
                for n in &r.lines {
                    ledger.untake(*n);
                }
            }
        }
    }
    certs.sort_by_key(|c| c.line);
    let (commands, runs) = (ledger.commands().to_vec(), ledger.runs());
    let (consumed, unparsed) = ledger.finish();
    CertsOutput {
        certificates: certs,
        stores: banners.into_iter().map(|(_, s)| s).collect(),
        commands,
        runs,
        unparsed,
        consumed_lines: consumed,
    }
}

/// `Microsoft.PowerShell.Security\Certificate::LocalMachine\My` → `LocalMachine\My`.
fn store_of(path: &str) -> String {
    path.split_once("::").map_or(path, |(_, p)| p).to_string()
}

fn from_table(
    t: &Table,
    banners: &[(usize, String)],
    ledger: &mut Ledger<'_>,
    out: &mut Vec<Certificate>,
) {
    let thumb = t.column("Thumbprint");
    let subject = t.column("Subject");
    // Banners come in line order: the table's is the last one above it (a search, not a scan
    // from the end, which made a capture of many small tables quadratic).
    let above = banners.partition_point(|(n, _)| *n < t.line);
    let store = above.checked_sub(1).map(|i| banners[i].1.clone());
    for row in &t.rows {
        let Some(tp) = row.cell(thumb).filter(|tp| is_thumbprint(tp)) else {
            ledger.untake(row.line);
            continue;
        };
        let mut c = Certificate {
            thumbprint: tp.to_ascii_uppercase(),
            line: row.line,
            ..Default::default()
        };
        if let Some(s) = row.cell(subject) {
            c.subject = Some(s.to_string());
            c.subject_truncated = is_truncated(s);
        }
        c.store = store.clone();
        c.properties = t
            .columns
            .iter()
            .zip(&row.cells)
            .map(|(n, v)| Property { name: n.clone(), value: v.clone() })
            .collect();
        out.push(c);
    }
}

/// Properties that identify a certificate record; a record with any of them is one (a
/// `Format-List Subject,NotAfter` or `Select-Object` without `Thumbprint` is still a list of
/// certificates).
const IDENTIFYING: &[&str] = &[
    "Thumbprint",
    "Subject",
    "Issuer",
    "NotAfter",
    "NotBefore",
    "SerialNumber",
    "FriendlyName",
    "DnsNameList",
    "HasPrivateKey",
    "EnhancedKeyUsageList",
];

fn from_record(r: &ListRecord) -> Option<Certificate> {
    if !IDENTIFYING.iter().any(|k| r.get(k).is_some()) {
        return None;
    }
    // The thumbprint when printed and well-formed; empty when the record has none.
    let tp: String = r
        .get("Thumbprint")
        .map(|t| t.chars().filter(|c| !c.is_whitespace()).collect())
        .filter(|t: &String| is_thumbprint(t))
        .unwrap_or_default();
    let text = |n: &str| r.get(n).map(str::to_string);
    Some(Certificate {
        thumbprint: tp.to_ascii_uppercase(),
        subject: text("Subject"),
        subject_truncated: false,
        issuer: text("Issuer"),
        friendly_name: text("FriendlyName"),
        not_after_text: text("NotAfter"),
        not_after: r.get("NotAfter").and_then(normalize_date),
        not_before_text: text("NotBefore"),
        not_before: r.get("NotBefore").and_then(normalize_date),
        has_private_key: r.get("HasPrivateKey").and_then(|v| {
            match v.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }
        }),
        store: r.get("PSParentPath").map(store_of),
        properties: r
            .items
            .iter()
            .map(|i| Property { name: i.name.clone(), value: i.value.clone() })
            .collect(),
        line: r.line,
    })
}
