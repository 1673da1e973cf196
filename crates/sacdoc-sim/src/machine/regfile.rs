//! `.reg` files as `reg export` writes them (UTF-16LE with a BOM, "Windows Registry Editor
//! Version 5.00", `dword:%08x`, `hex(N):` byte lists wrapped at 80 columns with `,\`) and as
//! `reg import` reads them.

use super::registry::{expand_root, RegValue, Registry};

/// Encodes text as UTF-16LE with a byte-order mark.
pub fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

fn utf16_bytes(s: &str) -> Vec<u8> {
    let mut v: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
    v.extend_from_slice(&[0, 0]);
    v
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `prefix` followed by comma-separated hex bytes, wrapped as regedit wraps them.
fn hex_line(prefix: &str, bytes: &[u8]) -> String {
    let mut out = prefix.to_string();
    let mut len = out.len();
    for (i, b) in bytes.iter().enumerate() {
        let last = i + 1 == bytes.len();
        let item = if last { format!("{b:02x}") } else { format!("{b:02x},") };
        out.push_str(&item);
        len += item.len();
        if !last && len >= 77 {
            out.push_str("\\\r\n  ");
            len = 2;
        }
    }
    out
}

fn value_line(name: &str, v: &RegValue) -> String {
    let n = if name.is_empty() { "@".to_string() } else { format!("\"{}\"", escape(name)) };
    match v {
        RegValue::Sz(s) => format!("{n}=\"{}\"", escape(s)),
        RegValue::Dword(d) => format!("{n}=dword:{d:08x}"),
        RegValue::Binary(b) => hex_line(&format!("{n}=hex:"), b),
        RegValue::ExpandSz(s) => hex_line(&format!("{n}=hex(2):"), &utf16_bytes(s)),
        RegValue::MultiSz(items) => {
            let mut b: Vec<u8> = items.iter().flat_map(|s| utf16_bytes(s)).collect();
            b.extend_from_slice(&[0, 0]);
            hex_line(&format!("{n}=hex(7):"), &b)
        }
        RegValue::Qword(q) => hex_line(&format!("{n}=hex(b):"), &q.to_le_bytes()),
        RegValue::None(b) => hex_line(&format!("{n}=hex(0):"), b),
    }
}

/// The text of a `.reg` export of `key` and its subkeys (keys by their full stored path).
pub fn export(reg: &Registry, key: &str) -> String {
    let mut out = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for path in reg.walk(key) {
        out.push_str(&format!("[{path}]\r\n"));
        for (name, v) in reg.values(&path) {
            out.push_str(&value_line(&name, &v));
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            if let Some(n) = it.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses a quoted string at the start of `s`; returns it and the rest after the closing quote.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut esc = false;
    for (i, c) in body.char_indices() {
        if esc {
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == '"' {
            return Some((unescape(&body[..i]), &body[i + 1..]));
        }
    }
    None
}

fn hex_bytes(s: &str) -> Result<Vec<u8>, RegFileError> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| u8::from_str_radix(x, 16).map_err(|_| RegFileError::HexByte(x.to_string())))
        .collect()
}

fn utf16_string(b: &[u8]) -> String {
    let units: Vec<u16> =
        b.chunks(2).map(|c| u16::from_le_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
    String::from_utf16_lossy(&units)
}

fn parse_value(data: &str) -> Result<Option<RegValue>, RegFileError> {
    if data == "-" {
        return Ok(None);
    }
    if data.starts_with('"') {
        let (s, _) = quoted(data).ok_or(RegFileError::Unterminated)?;
        return Ok(Some(RegValue::Sz(s)));
    }
    if let Some(h) = data.strip_prefix("dword:") {
        return u32::from_str_radix(h.trim(), 16)
            .map(|d| Some(RegValue::Dword(d)))
            .map_err(|_| RegFileError::Dword);
    }
    if let Some(h) = data.strip_prefix("hex:") {
        return Ok(Some(RegValue::Binary(hex_bytes(h)?)));
    }
    let (kind, rest) = data
        .strip_prefix("hex(")
        .and_then(|r| r.split_once("):"))
        .ok_or_else(|| RegFileError::Data(data.to_string()))?;
    let b = hex_bytes(rest)?;
    Ok(Some(match kind.to_ascii_lowercase().as_str() {
        "0" => RegValue::None(b),
        "2" => RegValue::ExpandSz(utf16_string(&b).trim_end_matches('\0').to_string()),
        "7" => {
            let s = utf16_string(&b);
            RegValue::MultiSz(s.split('\0').filter(|x| !x.is_empty()).map(String::from).collect())
        }
        "b" => {
            let mut a = [0u8; 8];
            for (i, x) in b.iter().take(8).enumerate() {
                a[i] = *x;
            }
            RegValue::Qword(u64::from_le_bytes(a))
        }
        "4" => {
            let mut a = [0u8; 4];
            for (i, x) in b.iter().take(4).enumerate() {
                a[i] = *x;
            }
            RegValue::Dword(u32::from_le_bytes(a))
        }
        _ => RegValue::Binary(b),
    }))
}

/// Why a `.reg` file cannot be imported; the message names what could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegFileError {
    #[error("not a registry file")]
    NotRegFile,
    #[error("bad key {0:?}")]
    Key(String),
    #[error("bad line {0:?}")]
    Line(String),
    #[error("bad hex byte {0:?}")]
    HexByte(String),
    #[error("unterminated string")]
    Unterminated,
    #[error("bad dword")]
    Dword,
    #[error("unknown value data {0:?}")]
    Data(String),
}

/// Applies a `.reg` file to the registry. Errors name the line that could not be read.
pub fn import(reg: &mut Registry, text: &str) -> Result<(), RegFileError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut lines: Vec<String> = Vec::new();
    let mut pending = String::new();
    for raw in text.split('\n') {
        let l = raw.trim_end_matches('\r');
        if let Some(cont) = l.strip_suffix('\\').filter(|_| !pending.is_empty() || l.contains('='))
        {
            pending.push_str(cont.trim_start());
            continue;
        }
        pending.push_str(if pending.is_empty() { l } else { l.trim_start() });
        lines.push(std::mem::take(&mut pending));
    }
    let mut iter = lines.iter().filter(|l| !l.trim().is_empty() && !l.starts_with(';'));
    match iter.next() {
        Some(h) if h.trim() == "Windows Registry Editor Version 5.00" || h.trim() == "REGEDIT4" => {
        }
        _ => return Err(RegFileError::NotRegFile),
    }
    let mut current: Option<String> = None;
    for l in iter {
        let l = l.trim_end();
        if let Some(k) = l.strip_prefix('[').and_then(|k| k.strip_suffix(']')) {
            if let Some(del) = k.strip_prefix('-') {
                reg.delete_key(del);
                current = None;
            } else {
                expand_root(k).ok_or_else(|| RegFileError::Key(k.to_string()))?;
                reg.create_key(k);
                current = Some(k.to_string());
            }
            continue;
        }
        let Some(key) = &current else { continue };
        let (name, rest) = if let Some(r) = l.strip_prefix('@') {
            (String::new(), r)
        } else {
            quoted(l).ok_or_else(|| RegFileError::Line(l.to_string()))?
        };
        let data = rest
            .trim_start()
            .strip_prefix('=')
            .ok_or_else(|| RegFileError::Line(l.to_string()))?
            .trim();
        match parse_value(data)? {
            Some(v) => {
                reg.set(key, &name, v);
            }
            None => {
                reg.delete_value(key, &name);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_type() {
        let mut r = Registry::new();
        let k = "HKLM\\SOFTWARE\\T";
        r.set(k, "", RegValue::Sz("d\"q\\".into()));
        r.set(k, "D", RegValue::Dword(3389));
        r.set(k, "E", RegValue::ExpandSz("%SystemRoot%\\MEMORY.DMP".into()));
        r.set(k, "M", RegValue::MultiSz(vec!["a".into(), "b c".into()]));
        r.set(k, "Q", RegValue::Qword(0x1_0000_0001));
        r.set(k, "B", RegValue::Binary((0..60).collect()));
        r.set("HKLM\\SOFTWARE\\T\\Sub", "x", RegValue::Dword(1));
        let text = export(&r, k);
        assert!(text.contains("\"D\"=dword:00000d3d\r\n"));
        let mut r2 = Registry::new();
        import(&mut r2, &text).unwrap();
        for (n, v) in r.values(k) {
            assert_eq!(r2.get(k, &n), Some(&v), "{n}");
        }
        assert_eq!(r2.get("HKLM\\SOFTWARE\\T\\Sub", "x"), Some(&RegValue::Dword(1)));
    }
}
