//! The `icacls PATH /save FILE` format: for every object a line with its name (relative to the
//! saved directory) then a line with its security descriptor in SDDL
//! (`D:AI(A;ID;FA;;;SY)(A;ID;0x1200a9;;;BU)`). icacls writes the file as UTF-16LE; over SAC it is
//! read back with `type`, which already decodes it, so [`parse_save`] takes text and
//! [`decode_utf16le`] handles raw bytes.
//!
//! SDDL is not localized, which makes this the most reliable way to read an ACL on a
//! non-English system: SIDs and aliases (`SY`, `BA`) instead of translated names.

use serde::Serialize;
use thiserror::Error;

use crate::text::Ledger;
use crate::Unparsed;

/// Why raw `/save` bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("icacls /save data has an odd length ({len} bytes); UTF-16LE needs whole 2-byte units: copy the file again without truncating it")]
    OddLength { len: usize },
    #[error("icacls /save data starts with a UTF-16 big-endian byte-order mark (FE FF); icacls writes little-endian: this is not an icacls /save file")]
    BigEndian,
    #[error("icacls /save data holds an unpaired UTF-16 surrogate at byte {offset}; the file is damaged: save it again")]
    InvalidUtf16 { offset: usize },
}

/// Decodes UTF-16LE bytes, with or without the FF FE byte-order mark.
pub fn decode_utf16le(bytes: &[u8]) -> Result<String, DecodeError> {
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(DecodeError::BigEndian);
    }
    let body = bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes);
    if !body.len().is_multiple_of(2) {
        return Err(DecodeError::OddLength { len: bytes.len() });
    }
    let skipped = bytes.len() - body.len();
    let units = body.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    let mut out = String::with_capacity(body.len() / 2);
    for (i, r) in char::decode_utf16(units).enumerate() {
        match r {
            Ok(c) => out.push(c),
            Err(_) => return Err(DecodeError::InvalidUtf16 { offset: skipped + 2 * i }),
        }
    }
    Ok(out)
}

/// The parsed `/save` file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IcaclsSave {
    pub entries: Vec<SaveEntry>,
    pub unparsed: Vec<Unparsed>,
    #[serde(skip)]
    pub consumed_lines: Vec<usize>,
}

/// One object of a `/save` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaveEntry {
    pub line: usize,
    pub path: String,
    pub sddl: String,
    /// DACL control flags (`P` protected, `AI` auto-inherited, ...).
    pub dacl_flags: String,
    /// DACL ACEs in order.
    pub aces: Vec<SddlAce>,
}

/// One SDDL ACE: `(type;flags;rights;object_guid;inherit_object_guid;sid)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SddlAce {
    /// `A` allow, `D` deny, ...
    pub ace_type: String,
    /// `ID` inherited, `OI`, `CI`, `IO`, `NP` as two-letter codes.
    pub flags: Vec<String>,
    /// `FA`, `0x1200a9`, ...
    pub rights: String,
    /// Full SID (aliases such as `SY` expanded).
    pub sid: String,
}

impl SddlAce {
    pub fn is_allow(&self) -> bool {
        self.ace_type == "A"
    }
    pub fn is_inherited(&self) -> bool {
        self.flags.iter().any(|f| f == "ID")
    }
}

/// Parses decoded `/save` text. Never panics; lines outside the grammar land in `unparsed`.
pub fn parse_save(input: &str) -> IcaclsSave {
    let mut ledger = Ledger::new(input);
    let lines = ledger.lines().to_vec();
    let mut out = IcaclsSave::default();
    let mut name: Option<usize> = None;
    for (i, l) in lines.iter().enumerate() {
        if l.is_blank() {
            continue;
        }
        let sddl = parse_sddl(l.text.trim());
        match (name, sddl) {
            (Some(ni), Some((dacl_flags, aces))) => {
                let n = &lines[ni];
                ledger.take_range(n.number, n.number);
                ledger.take_range(l.number, l.number);
                out.entries.push(SaveEntry {
                    line: n.number,
                    path: n.text.to_string(),
                    sddl: l.text.trim().to_string(),
                    dacl_flags,
                    aces,
                });
                name = None;
            }
            (prev, None) => {
                if let Some(p) = prev {
                    reject_line(&mut ledger, &lines[p]);
                }
                name = Some(i);
            }
            (None, Some(_)) => reject_line(&mut ledger, l),
        }
    }
    if let Some(p) = name {
        reject_line(&mut ledger, &lines[p]);
    }
    let (consumed, unparsed) = ledger.finish();
    out.consumed_lines = consumed;
    out.unparsed = unparsed;
    out
}

/// Parses raw `/save` bytes (UTF-16LE, with or without BOM).
pub fn parse_save_bytes(bytes: &[u8]) -> Result<IcaclsSave, DecodeError> {
    decode_utf16le(bytes).map(|t| parse_save(&t))
}

fn reject_line(ledger: &mut Ledger<'_>, l: &crate::text::Line<'_>) {
    let j = crate::text::Joined { number: l.number, last: l.number, text: l.text.to_string() };
    ledger.reject(&j);
}

/// Parses an SDDL string into its DACL flags and ACEs. Returns None when the text is not SDDL.
fn parse_sddl(s: &str) -> Option<(String, Vec<SddlAce>)> {
    let first = s.get(..2)?;
    if !["O:", "G:", "D:", "S:"].contains(&first) {
        return None;
    }
    let mut dacl_flags = String::new();
    let mut aces = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let tag = rest.get(..2)?;
        rest = &rest[2..];
        let end = next_section(rest);
        let section = &rest[..end];
        rest = &rest[end..];
        match tag {
            "O:" | "G:" => {
                if section.is_empty() || section.contains(['(', ')']) {
                    return None;
                }
            }
            "D:" | "S:" => {
                let open = section.find('(').unwrap_or(section.len());
                let (flags, body) = section.split_at(open);
                if !flags.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
                    return None;
                }
                let parsed = parse_aces(body)?;
                if tag == "D:" {
                    dacl_flags = flags.to_string();
                    aces = parsed;
                }
            }
            _ => return None,
        }
    }
    Some((dacl_flags, aces))
}

/// Byte offset of the next `X:` section tag outside parentheses.
fn next_section(s: &str) -> usize {
    let mut depth = 0usize;
    let b = s.as_bytes();
    for i in 0..b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            // An SID inside O:/G: never has a colon, so a tag here starts a new section.
            b'O' | b'G' | b'D' | b'S' if depth == 0 && i > 0 && b.get(i + 1) == Some(&b':') => {
                return i;
            }
            _ => {}
        }
    }
    b.len()
}

fn parse_aces(body: &str) -> Option<Vec<SddlAce>> {
    let mut aces = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let inner = rest.strip_prefix('(')?;
        let close = inner.find(')')?;
        let fields: Vec<&str> = inner[..close].split(';').collect();
        if fields.len() < 6 {
            return None;
        }
        let flags = fields[1]
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        aces.push(SddlAce {
            ace_type: fields[0].to_string(),
            flags,
            rights: fields[2].to_string(),
            sid: expand_alias(fields[5]),
        });
        rest = &inner[close + 1..];
    }
    Some(aces)
}

/// SDDL SID aliases -> SIDs (the common ones on file system ACLs).
fn expand_alias(sid: &str) -> String {
    const ALIASES: &[(&str, &str)] = &[
        ("SY", "S-1-5-18"),
        ("BA", "S-1-5-32-544"),
        ("BU", "S-1-5-32-545"),
        ("WD", "S-1-1-0"),
        ("CO", "S-1-3-0"),
        ("CG", "S-1-3-1"),
        ("OW", "S-1-3-4"),
        ("AU", "S-1-5-11"),
        ("LS", "S-1-5-19"),
        ("NS", "S-1-5-20"),
        ("IU", "S-1-5-4"),
        ("NU", "S-1-5-2"),
        ("AN", "S-1-5-7"),
        ("AC", "S-1-15-2-1"),
        ("PU", "S-1-5-32-547"),
        ("BG", "S-1-5-32-546"),
    ];
    ALIASES
        .iter()
        .find(|(a, _)| *a == sid)
        .map(|(_, s)| (*s).to_string())
        .unwrap_or_else(|| sid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_with_and_without_bom() {
        let text = "a\r\nD:(A;;FA;;;SY)\r\n";
        let bytes: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(decode_utf16le(&bytes).as_deref(), Ok(text));
        let mut bom = vec![0xFF, 0xFE];
        bom.extend_from_slice(&bytes);
        assert_eq!(decode_utf16le(&bom).as_deref(), Ok(text));
        assert_eq!(decode_utf16le(&[0x41]), Err(DecodeError::OddLength { len: 1 }));
        assert_eq!(decode_utf16le(&[0xFE, 0xFF, 0, 0x41]), Err(DecodeError::BigEndian));
        assert_eq!(
            decode_utf16le(&[0x41, 0, 0x00, 0xDC]),
            Err(DecodeError::InvalidUtf16 { offset: 2 })
        );
    }

    #[test]
    fn sddl_lines() {
        let s = parse_save(
            "MachineKeys\r\nD:PAI(A;OICIIO;FA;;;CO)(A;;0x12019f;;;WD)(A;OICI;FA;;;SY)\r\n",
        );
        assert!(s.unparsed.is_empty());
        let e = &s.entries[0];
        assert_eq!((e.path.as_str(), e.dacl_flags.as_str()), ("MachineKeys", "PAI"));
        assert_eq!(e.aces[0].flags, vec!["OI", "CI", "IO"]);
        assert_eq!(e.aces[1].sid, "S-1-1-0");
        assert_eq!(e.aces[2].sid, "S-1-5-18");
        let bad = parse_save("x\r\nnot sddl\r\nD:(A;;FA;;;SY)\r\n");
        assert_eq!(bad.entries.len(), 1);
        assert_eq!(bad.unparsed.len(), 1);
        assert_eq!(bad.entries[0].path, "not sddl");
    }
}
