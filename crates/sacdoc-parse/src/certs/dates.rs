//! Dates as PowerShell prints a `DateTime` in the VM's culture.

/// Normalises a printed date-time to `YYYY-MM-DDTHH:MM:SS` (local time of the VM).
///
/// Shapes read (culture → example):
/// - ISO 8601 (`Get-Date -Format o`, `ToString('s')`): `2025-03-01T10:20:30...` (kept to seconds)
/// - en-US: `3/1/2025 10:20:30 AM` (month first, 12-hour clock)
/// - de-DE and others with dots: `01.03.2025 10:20:30`
/// - zh-CN, ja-JP: `2025/3/1 10:20:30`
/// - fr-FR, es-ES, en-GB: `01/03/2025 10:20:30` (day first, 24-hour clock)
///
/// GUESS: a slash date with the year last and no AM/PM marker is read day first (fr, es, en-GB);
/// en-US always prints AM/PM. Returns `None` for any other shape.
pub fn normalize_date(text: &str) -> Option<String> {
    let t = text.trim();
    if let Some(iso) = iso(t) {
        return Some(iso);
    }
    let mut parts = t.split_whitespace();
    let date = parts.next()?;
    let time = parts.next()?;
    let marker = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let (mut h, mi, s) = hms(time)?;
    let pm = match marker.map(|m| m.to_ascii_uppercase()) {
        None => None,
        Some(m) if m == "AM" => Some(false),
        Some(m) if m == "PM" => Some(true),
        Some(_) => return None,
    };
    let (y, mo, d) = if date.contains('.') {
        let n = nums(date, '.')?;
        (n[2], n[1], n[0])
    } else if date.contains('/') {
        let n = nums(date, '/')?;
        if n[0] > 31 {
            (n[0], n[1], n[2])
        } else if pm.is_some() {
            (n[2], n[0], n[1])
        } else {
            (n[2], n[1], n[0])
        }
    } else if date.contains('-') {
        let n = nums(date, '-')?;
        (n[0], n[1], n[2])
    } else {
        return None;
    };
    if let Some(pm) = pm {
        if h == 0 || h > 12 {
            return None;
        }
        h = match (pm, h) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    valid(y, mo, d, h, mi, s)
}

fn iso(t: &str) -> Option<String> {
    let b = t.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let n = nums(t.get(..10)?, '-')?;
    let (h, mi, s) = hms(t.get(11..19)?)?;
    valid(n[0], n[1], n[2], h, mi, s)
}

fn nums(s: &str, sep: char) -> Option<[u32; 3]> {
    let v: Vec<u32> = s.split(sep).map(|p| p.parse().ok()).collect::<Option<Vec<_>>>()?;
    match v.as_slice() {
        [a, b, c] => Some([*a, *b, *c]),
        _ => None,
    }
}

fn hms(s: &str) -> Option<(u32, u32, u32)> {
    let v: Vec<u32> = s.split(':').map(|p| p.parse().ok()).collect::<Option<Vec<_>>>()?;
    match v.as_slice() {
        [h, m, s] => Some((*h, *m, *s)),
        [h, m] => Some((*h, *m, 0)),
        _ => None,
    }
}

fn valid(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<String> {
    let ok = (1900..=9999).contains(&y)
        && (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && h < 24
        && mi < 60
        && s < 61;
    ok.then(|| format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"))
}

#[cfg(test)]
mod tests {
    use super::normalize_date as n;

    #[test]
    fn cultures() {
        assert_eq!(n("3/1/2025 10:20:30 PM").as_deref(), Some("2025-03-01T22:20:30"));
        assert_eq!(n("12/31/2025 12:05:00 AM").as_deref(), Some("2025-12-31T00:05:00"));
        assert_eq!(n("01.03.2025 10:20:30").as_deref(), Some("2025-03-01T10:20:30"));
        assert_eq!(n("2025/3/1 10:20:30").as_deref(), Some("2025-03-01T10:20:30"));
        assert_eq!(n("01/03/2025 10:20:30").as_deref(), Some("2025-03-01T10:20:30"));
        assert_eq!(n("2025-03-01T10:20:30.0000000+01:00").as_deref(), Some("2025-03-01T10:20:30"));
        assert_eq!(n("tomorrow"), None);
        assert_eq!(n("13/13/2025 10:00:00"), None);
    }
}
