//! `sacdoc parse KIND [FILE|-]`: saved Windows command output → one pretty JSON document.
//!
//! Input bytes are decoded before any parser sees them ([`super::decode`]): UTF-8, UTF-16 with or
//! without a BOM, or a legacy code page (`--encoding`, else the likeliest one, with a warning on
//! stderr naming it).

use std::io::Read;
use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::parse;

/// The kinds of output `sacdoc parse` reads.
pub const KINDS: &[&str] =
    &["netstat", "icacls", "reg", "sc", "tasklist", "bcdedit", "certs", "services", "firewall"];

/// Arguments of `sacdoc parse`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {
    /// What the input is: netstat, icacls, reg, sc, tasklist, bcdedit, certs, services, firewall.
    pub kind: String,
    /// The file to read; `-` or nothing reads standard input.
    pub file: Option<PathBuf>,
    /// The input's legacy code page when it is not UTF-8/UTF-16: cp850, cp437, cp866, gbk,
    /// shift_jis, windows-1252, a number as `chcp` shows it, ... (default: the likeliest one).
    #[arg(long, value_name = "CP")]
    pub encoding: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let kind = args.kind.trim().to_ascii_lowercase();
    if !KINDS.contains(&kind.as_str()) {
        bail!("unknown kind {:?}; the kinds are: {}", args.kind, KINDS.join(", "));
    }
    let (bytes, name) = read_input(args.file.as_ref())?;
    let encoding = match &args.encoding {
        None => None,
        Some(e) => Some(super::decode::CodePage::from_name(e).with_context(|| {
            format!("--encoding {e:?} is not a code page sacdoc knows: try cp850, cp437, cp866, gbk, shift_jis, windows-1252")
        })?),
    };
    let decoded = super::decode::decode(&bytes, encoding);
    if let Some(w) = &decoded.warning {
        super::output::warn(&format!("{name}: {w}"));
    }
    let json = to_json(&kind, &decoded.text)?;
    super::output::println(&json)?;
    Ok(0)
}

fn read_input(file: Option<&PathBuf>) -> anyhow::Result<(Vec<u8>, String)> {
    let mut bytes = Vec::new();
    match file {
        Some(p) if p.as_os_str() != "-" => {
            let bytes = std::fs::read(p).with_context(|| {
                format!(
                    "cannot read {}: give a readable file, or - for standard input",
                    p.display()
                )
            })?;
            Ok((bytes, p.display().to_string()))
        }
        _ => {
            std::io::stdin().read_to_end(&mut bytes).context("cannot read standard input")?;
            Ok((bytes, "standard input".to_string()))
        }
    }
}

/// Parses `text` as `kind` and renders the result as pretty JSON.
pub fn to_json(kind: &str, text: &str) -> anyhow::Result<String> {
    let json = match kind {
        "netstat" => serde_json::to_string_pretty(&parse::netstat::parse(text)),
        "icacls" => serde_json::to_string_pretty(&parse::icacls::parse(text)),
        "reg" => serde_json::to_string_pretty(&parse::reg::parse(text)),
        "sc" => serde_json::to_string_pretty(&parse::sc::parse(text)),
        "tasklist" => serde_json::to_string_pretty(&parse::tasklist::parse(text)),
        "bcdedit" => serde_json::to_string_pretty(&parse::bcdedit::parse(text)),
        "certs" => serde_json::to_string_pretty(&parse::certs::parse(text)),
        "services" => serde_json::to_string_pretty(&parse::services::parse(text)),
        "firewall" => serde_json::to_string_pretty(&parse::firewall::parse(text)),
        other => bail!("unknown kind {other:?}; the kinds are: {}", KINDS.join(", ")),
    };
    json.context("cannot render the result as JSON")
}
