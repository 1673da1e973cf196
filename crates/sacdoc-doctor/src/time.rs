//! Times the doctor writes: run ids, timestamps of follow-ups, the VM clock in evidence. The
//! conversions are [`sacdoc_parse::dates`]'s (the `time` crate's calendar).

use time::OffsetDateTime;

pub use sacdoc_parse::dates::{iso_from_ms, ms_from_iso};

/// Now, in milliseconds since 1970.
pub fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// Now as `2026-11-25T18:00:00Z`.
pub fn now_iso() -> String {
    iso_or_ms(now_ms())
}

/// `ms` as ISO 8601, or as a count of milliseconds when it is outside the calendar (a garbled
/// clock line must still print something).
pub fn iso_or_ms(ms: i64) -> String {
    iso_from_ms(ms).unwrap_or_else(|| format!("{ms} ms after 1970"))
}

/// A run id for file names: `20261125-180000` (UTC).
pub fn run_id() -> String {
    let t = OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_name_files_by_the_second() {
        let id = run_id();
        assert_eq!(id.len(), 15, "{id}");
        assert_eq!(id.as_bytes()[8], b'-');
        assert!(now_iso().ends_with('Z'));
        assert_eq!(iso_or_ms(i64::MAX), format!("{} ms after 1970", i64::MAX));
    }
}
