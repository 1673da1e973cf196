//! `sacdoc parse KIND [FILE|-]`: saved Windows command output → one pretty JSON document.
//!
//! Input bytes are decoded here, before any parser sees them: UTF-8 (with or without BOM),
//! UTF-16LE/BE with a BOM (PowerShell `>` redirection, `icacls /save` files), UTF-16LE without a
//! BOM when every other byte is zero, and anything else as UTF-8 with invalid bytes replaced,
//! with a warning on stderr (a legacy OEM code page such as CP850 or CP936: the replaced
//! characters are lost, but numbers and structure survive).

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
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let kind = args.kind.trim().to_ascii_lowercase();
    if !KINDS.contains(&kind.as_str()) {
        bail!("unknown kind {:?}; the kinds are: {}", args.kind, KINDS.join(", "));
    }
    let (bytes, name) = read_input(args.file.as_ref())?;
    let decoded = decode(&bytes);
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

/// Decoded input text and, when something was lost or guessed, a warning for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub warning: Option<String>,
}

/// Decodes command output bytes (see the module documentation for the rules).
pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    if looks_utf16le(bytes) {
        let mut d = utf16(bytes, u16::from_le_bytes);
        d.warning.get_or_insert_with(|| "read as UTF-16LE without a byte-order mark".to_string());
        return d;
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Decoded {
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded { text: s.to_string(), warning: None },
        Err(e) => Decoded {
            text: String::from_utf8_lossy(bytes).into_owned(),
            warning: Some(format!(
                "not valid UTF-8 (first bad byte at offset {}); decoded lossily, so some characters \
                 are shown as U+FFFD. Save the output as UTF-8 (chcp 65001) or UTF-16 to keep them",
                e.valid_up_to()
            )),
        },
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Decoded {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
    let text: String = char::decode_utf16(units.iter().copied())
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    let mut warning = None;
    if bytes.len() % 2 == 1 {
        warning = Some("UTF-16 input has an odd number of bytes; the last byte was dropped".into());
    } else if text.contains(char::REPLACEMENT_CHARACTER) {
        warning = Some("UTF-16 input has unpaired surrogates; they are shown as U+FFFD".into());
    }
    Decoded { text, warning }
}

/// UTF-16LE text of mostly ASCII has a zero in (nearly) every odd byte and few in even bytes.
fn looks_utf16le(bytes: &[u8]) -> bool {
    if bytes.len() < 4 || bytes.len() % 2 == 1 {
        return false;
    }
    let pairs = bytes.len() / 2;
    let odd_zero = bytes.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    let even_zero = bytes.iter().step_by(2).filter(|b| **b == 0).count();
    odd_zero * 10 >= pairs * 9 && even_zero * 10 < pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms_and_plain_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBFab").text, "ab");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Ä:1".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le), Decoded { text: "Ä:1".into(), warning: None });
        let be: Vec<u8> =
            [0xFE, 0xFF].into_iter().chain("x".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&be).text, "x");
        let bare: Vec<u8> = "TCP 1".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let d = decode(&bare);
        assert_eq!(d.text, "TCP 1");
        assert!(d.warning.is_some());
    }

    #[test]
    fn invalid_utf8_is_lossy_with_a_warning() {
        let d = decode(b"ABH\x99REN");
        assert_eq!(d.text, "ABH\u{fffd}REN");
        assert!(d.warning.as_deref().is_some_and(|w| w.contains("offset 3")));
    }
}
