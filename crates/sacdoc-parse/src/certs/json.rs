//! The doctor's certificate listing: `Get-Date -Format o; Get-ChildItem STORE | Select-Object
//! Thumbprint,NotAfter,HasPrivateKey | ConvertTo-Json`: the VM's clock on the first line, then
//! JSON. Windows PowerShell writes `NotAfter` as `\/Date(ms)\/`, which no display language changes
//! (where `Format-List` prints a localized date); PowerShell 7 writes an ISO string.

use std::sync::Arc;

/// One certificate of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonCert {
    /// Upper-case hexadecimal.
    pub thumbprint: String,
    /// Expiry in milliseconds since 1970 (`None` when it could not be read).
    pub not_after_ms: Option<i64>,
    /// Expiry as printed, or as ISO 8601 when it came as `\/Date(ms)\/`.
    pub not_after_text: String,
    pub has_private_key: Option<bool>,
}

/// The listing is not JSON (an error record, or a line that garbled it).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the certificate listing is not JSON: {0}")]
pub struct JsonError(#[source] Arc<serde_json::Error>);

/// Splits the answer into the VM's clock (ms since 1970, UTC) and the rest.
pub fn split_clock(text: &str) -> (Option<i64>, &str) {
    let t = text.trim_start();
    let (first, rest) = t.split_once('\n').unwrap_or((t, ""));
    match parse_clock(first.trim()) {
        Some(ms) => (Some(ms), rest),
        None => (None, t),
    }
}

/// The VM's clock as `Get-Date -Format o` prints it (`2026-01-15T08:00:00.0000000+01:00`, the
/// same in every culture; converted to UTC), or as plain `Get-Date` prints it in the cultures
/// [`super::normalize_date`] reads (read as UTC, the offset being unknown), or the en-US long date
/// `Thursday, January 15, 2026 8:00:00 AM`.
pub fn parse_clock(s: &str) -> Option<i64> {
    if let Some(ms) = crate::dates::ms_from_iso(s) {
        let offset = s.get(19..).and_then(|r| r.find(['+', '-']).map(|i| &r[i..]));
        let adj = offset
            .and_then(|o| {
                let sign = if o.starts_with('-') { -1 } else { 1 };
                let h: i64 = o.get(1..3)?.parse().ok()?;
                let m: i64 = o.get(4..6)?.parse().ok()?;
                Some(sign * (h * 60 + m) * 60_000)
            })
            .unwrap_or(0);
        return Some(ms - adj);
    }
    if let Some(iso) = super::normalize_date(s) {
        return crate::dates::ms_from_iso(&iso);
    }
    en_us_long(s)
}

/// `Thursday, January 15, 2026 8:00:00 AM`.
fn en_us_long(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let words: Vec<String> =
        s.split([' ', ',']).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let mi = words.iter().position(|w| MONTHS.contains(&w.as_str()))?;
    let month = MONTHS.iter().position(|m| *m == words[mi])? + 1;
    let day: u32 = words.get(mi + 1)?.parse().ok()?;
    let year: i32 = words.get(mi + 2)?.parse().ok()?;
    let hms: Vec<u32> = words.get(mi + 3)?.split(':').filter_map(|x| x.parse().ok()).collect();
    let (mut h, m, sec) = (*hms.first()?, *hms.get(1)?, hms.get(2).copied().unwrap_or(0));
    match words.get(mi + 4).map(String::as_str) {
        Some("pm") if h < 12 => h += 12,
        Some("am") if h == 12 => h = 0,
        _ => {}
    }
    crate::dates::ms_from_civil(year, u32::try_from(month).ok()?, day, h, m, sec)
}

/// Reads `ConvertTo-Json` output: one object, an array, or nothing (an empty store). Objects
/// without a thumbprint are skipped.
pub fn parse(text: &str) -> Result<Vec<JsonCert>, JsonError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let v: serde_json::Value = serde_json::from_str(t).map_err(|e| JsonError(Arc::new(e)))?;
    let items = match v {
        serde_json::Value::Array(a) => a,
        o => vec![o],
    };
    let mut out = Vec::new();
    for it in items {
        let thumb =
            it.get("Thumbprint").and_then(|x| x.as_str()).unwrap_or("").to_ascii_uppercase();
        if thumb.is_empty() {
            continue;
        }
        let na = it.get("NotAfter").cloned().unwrap_or(serde_json::Value::Null);
        let (ms, txt) = date_value(&na);
        out.push(JsonCert {
            thumbprint: thumb,
            not_after_ms: ms,
            not_after_text: txt,
            has_private_key: it.get("HasPrivateKey").and_then(|x| x.as_bool()),
        });
    }
    Ok(out)
}

/// `"\/Date(1735689599000)\/"`, `{"value": ...}`, or an ISO `2025-01-01T00:00:00` string.
fn date_value(v: &serde_json::Value) -> (Option<i64>, String) {
    if let Some(inner) = v.get("value") {
        return date_value(inner);
    }
    let Some(s) = v.as_str() else { return (None, v.to_string()) };
    if let Some(rest) = s.strip_prefix("/Date(").or_else(|| s.strip_prefix("\\/Date(")) {
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
        if let Ok(ms) = digits.parse::<i64>() {
            return (Some(ms), crate::dates::iso_from_ms(ms).unwrap_or_else(|| s.to_string()));
        }
    }
    (crate::dates::ms_from_iso(s), s.to_string())
}
