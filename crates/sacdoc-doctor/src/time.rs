//! UTC dates without a date crate: run ids, timestamps of follow-ups, certificate expiry.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 -> (year, month, day) (Howard Hinnant's civil-from-days).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) -> days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-25T18:00:00Z` for a time in milliseconds since 1970.
pub fn iso_from_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// Parses `YYYY-MM-DD[THH:MM[:SS]]...` (the rest ignored, read as UTC).
pub fn ms_from_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: u32 = s.get(5..7)?.parse().ok()?;
    let d: u32 = s.get(8..10)?.parse().ok()?;
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0);
    let (hh, mm, ss) =
        if b.len() >= 16 { (num(11..13), num(14..16), num(17..19)) } else { (0, 0, 0) };
    Some(((days_from_civil(y, m, d) * 86_400) + hh * 3600 + mm * 60 + ss) * 1000)
}

/// Now, in milliseconds since 1970.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Now as `2026-11-25T18:00:00Z`.
pub fn now_iso() -> String {
    iso_from_ms(now_ms())
}

/// A run id for file names: `20261125-180000`.
pub fn run_id() -> String {
    let iso = now_iso();
    iso.chars().filter(|c| c.is_ascii_digit()).enumerate().fold(String::new(), |mut s, (i, c)| {
        if i == 8 {
            s.push('-');
        }
        s.push(c);
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        assert_eq!(iso_from_ms(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_from_ms(1_735_689_599_000), "2024-12-31T23:59:59Z");
        assert_eq!(ms_from_iso("2024-12-31T23:59:59"), Some(1_735_689_599_000));
        assert_eq!(ms_from_iso("2000-02-29"), Some(951_782_400_000));
        assert_eq!(ms_from_iso("nonsense"), None);
        assert_eq!(run_id().len(), 15);
    }
}
