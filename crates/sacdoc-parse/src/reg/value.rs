//! One value line of `reg query`: `    <name>    <REG_TYPE>    <data>` (Vista and later), or the
//! tab-separated XP form `\t<name>\t<REG_TYPE>\t<data>`.
//!
//! The name may contain spaces (`Security Packages`, `(par défaut)`) and the data runs of
//! spaces, so the line is split at the type token, which is never translated.

use serde::Serialize;

/// Data of a value, typed by its `REG_*` type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RegData {
    /// `REG_DWORD`, `REG_QWORD` (printed as `0x...`).
    Number(u64),
    /// `REG_MULTI_SZ` items (printed joined by the two characters `\0`).
    List(Vec<String>),
    /// Everything else as printed: `REG_SZ`, `REG_EXPAND_SZ` unexpanded, `REG_BINARY` hex.
    Text(String),
}

/// One registry value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegValue {
    pub line: usize,
    /// Value name; `""` for the default value.
    pub name: String,
    /// True for the default value, whatever name the display language gives it.
    pub default: bool,
    /// The name as printed when it was the localized default name (`(Standard)`, `(默认)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_raw: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: RegData,
    /// The data as printed.
    pub data_raw: String,
}

impl RegValue {
    /// The number of a `REG_DWORD`/`REG_QWORD` value.
    pub fn number(&self) -> Option<u64> {
        match self.data {
            RegData::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The text of a string-like value.
    pub fn text(&self) -> Option<&str> {
        match &self.data {
            RegData::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// Default-value names in the display languages seen in captures and parsers' tests. Any other
/// fully parenthesised name is also taken as the default (no real value on the keys the doctor
/// reads is named in parentheses), so an unknown language still works.
const DEFAULT_NAMES: &[&str] = &[
    "(Default)",
    "(Standard)",
    "(par défaut)",
    "(默认)",
    "(預設)",
    "(既定)",
    "(Predeterminado)",
    "(Predefinito)",
    "(Padrão)",
    "(По умолчанию)",
    "<NO NAME>",
    "<SANS NOM>",
];

/// Parses a value line. Returns None when the line is not one.
pub fn parse_value_line(text: &str, number: usize) -> Option<RegValue> {
    let (body, sep) = if let Some(b) = text.strip_prefix("    ") {
        (b, "    ")
    } else if let Some(b) = text.strip_prefix('\t') {
        (b, "\t")
    } else {
        return None;
    };
    if body.starts_with([' ', '\t']) || body.is_empty() {
        return None;
    }
    let (name, kind, data) = split_at_type(body, sep)?;
    let default = is_default_name(name);
    let data_raw = data.to_string();
    Some(RegValue {
        line: number,
        name: if default { String::new() } else { name.to_string() },
        default,
        name_raw: default.then(|| name.to_string()),
        data: typed(kind, data),
        kind: kind.to_string(),
        data_raw,
    })
}

/// Finds `<sep>REG_XXX` followed by `<sep>` or the end of the line.
fn split_at_type<'a>(body: &'a str, sep: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let mut from = 0;
    while let Some(pos) = body[from..].find(sep).map(|p| p + from) {
        let after = &body[pos + sep.len()..];
        let tok_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        let tok = &after[..tok_len];
        let rest = &after[tok_len..];
        if tok.starts_with("REG_") && tok.len() > 4 && pos > 0 {
            if rest.is_empty() || rest.trim().is_empty() {
                return Some((&body[..pos], tok, ""));
            }
            if let Some(data) = rest.strip_prefix(sep) {
                return Some((&body[..pos], tok, data));
            }
        }
        from = pos + sep.len();
    }
    None
}

fn is_default_name(name: &str) -> bool {
    DEFAULT_NAMES.iter().any(|d| d.eq_ignore_ascii_case(name))
        || (name.starts_with('(')
            && name.ends_with(')')
            && name.chars().count() > 2
            && !name.contains('\\'))
}

fn typed(kind: &str, data: &str) -> RegData {
    match kind {
        "REG_DWORD"
        | "REG_QWORD"
        | "REG_DWORD_LITTLE_ENDIAN"
        | "REG_DWORD_BIG_ENDIAN"
        | "REG_QWORD_LITTLE_ENDIAN" => {
            hex_number(data).map(RegData::Number).unwrap_or_else(|| RegData::Text(data.to_string()))
        }
        "REG_MULTI_SZ" => {
            if data.is_empty() {
                return RegData::List(Vec::new());
            }
            let trimmed = data.strip_suffix("\\0").unwrap_or(data);
            RegData::List(trimmed.split("\\0").map(str::to_string).collect())
        }
        _ => RegData::Text(data.to_string()),
    }
}

/// `0xd3d` -> 3389.
fn hex_number(s: &str) -> Option<u64> {
    let s = s.trim();
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    u64::from_str_radix(h, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_lines() {
        let v = parse_value_line("    PortNumber    REG_DWORD    0xd3d", 3).expect("value");
        assert_eq!(
            (v.name.as_str(), v.kind.as_str(), v.number()),
            ("PortNumber", "REG_DWORD", Some(3389))
        );
        let v = parse_value_line(
            "    Security Packages    REG_MULTI_SZ    kerberos\\0msv1_0\\0schannel",
            1,
        )
        .expect("multi");
        assert_eq!(
            v.data,
            RegData::List(vec!["kerberos".into(), "msv1_0".into(), "schannel".into()])
        );
        let v = parse_value_line("    LegalNoticeCaption    REG_SZ", 1).expect("empty");
        assert_eq!(v.data, RegData::Text(String::new()));
        let v = parse_value_line("    (默认)    REG_SZ    C:\\a  b", 1).expect("default");
        assert!(v.default && v.name.is_empty());
        assert_eq!(v.name_raw.as_deref(), Some("(默认)"));
        assert_eq!(v.text(), Some("C:\\a  b"));
        let v = parse_value_line("\t<SANS NOM>\tREG_SZ\t\"E:\\x.exe\" -url \"%1\"", 1).expect("xp");
        assert!(v.default);
        assert!(parse_value_line("HKEY_LOCAL_MACHINE\\x", 1).is_none());
        assert!(parse_value_line("    REG_SZ    x", 1).is_none());
        assert!(parse_value_line("        x    REG_SZ    y", 1).is_none());
    }
}
