//! UTC date and time for headers and file names (the `time` crate's calendar).

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

/// `t` as a calendar time in UTC (the epoch for a time before it or beyond the calendar).
fn civil(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(i64::try_from(unix_secs(t)).unwrap_or(0))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2025-11-25T18:00:30Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let c = civil(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year(),
        u8::from(c.month()),
        c.day(),
        c.hour(),
        c.minute(),
        c.second()
    )
}

/// `2025-11-25_18-00-30Z`: sorts by time and is a valid file name everywhere.
pub fn file_stamp(t: SystemTime) -> String {
    let c = civil(t);
    format!(
        "{:04}-{:02}-{:02}_{:02}-{:02}-{:02}Z",
        c.year(),
        u8::from(c.month()),
        c.day(),
        c.hour(),
        c.minute(),
        c.second()
    )
}

/// Whole seconds since the Unix epoch.
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_dates() {
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(at(1_764_093_630)), "2025-11-25T18:00:30Z");
        assert_eq!(file_stamp(at(1_764_093_630)), "2025-11-25_18-00-30Z");
        assert_eq!(rfc3339(at(u64::MAX / 2)), "1970-01-01T00:00:00Z", "beyond the calendar");
    }
}
