//! Instants as milliseconds since 1970 (UTC), to and from the ISO 8601 text Windows and sacdoc
//! print. The calendar arithmetic is the `time` crate's.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// `2026-11-25T18:00:00Z` for a time in milliseconds since 1970 (`None` outside years 1-9999).
pub fn iso_from_ms(ms: i64) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// Parses `YYYY-MM-DD[THH:MM[:SS]]...` (anything after the seconds ignored, read as UTC).
pub fn ms_from_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (hh, mm, ss) = if b.len() >= 16 {
        (num(11..13)?, num(14..16)?, if b.len() >= 19 { num(17..19)? } else { 0 })
    } else {
        (0, 0, 0)
    };
    ms_from_civil(s.get(0..4)?.parse().ok()?, num(5..7)?, num(8..10)?, hh, mm, ss)
}

/// Milliseconds since 1970 of a UTC date and time (`None` when it is no valid date).
pub fn ms_from_civil(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    let month = Month::try_from(u8::try_from(mo).ok()?).ok()?;
    let date = Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()?;
    let n = |v: u32| u8::try_from(v).ok();
    let time = Time::from_hms(n(h)?, n(mi)?, n(s)?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc().unix_timestamp() * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        assert_eq!(iso_from_ms(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(iso_from_ms(1_735_689_599_000).as_deref(), Some("2024-12-31T23:59:59Z"));
        assert_eq!(iso_from_ms(-1).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(ms_from_iso("2024-12-31T23:59:59"), Some(1_735_689_599_000));
        assert_eq!(ms_from_iso("2000-02-29"), Some(951_782_400_000));
        assert_eq!(ms_from_iso("2001-02-29"), None, "no such day");
        assert_eq!(ms_from_iso("nonsense"), None);
        assert_eq!(iso_from_ms(i64::MAX), None, "far outside the calendar: no panic");
    }
}
