//! Civil dates for SAC's `s` command and the health report, from Unix seconds (no time zone: SAC
//! shows GMT).

/// (year, month, day, hour, minute, second) of a Unix time; the conversion is the machine
/// clock's.
pub fn civil(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let c = crate::machine::clock::civil(unix);
    (c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// Unix seconds of a civil date (inverse of [`civil`]); `None` for a day the month lacks.
pub fn unix_of(year: i64, month: u32, day: u32, hour: u32, minute: u32) -> Option<i64> {
    crate::machine::clock::unix_of(year, month, day, hour, minute, 0)
}

/// Now as Unix seconds and milliseconds.
pub fn now_unix() -> (i64, u32) {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (d.as_secs() as i64, d.subsec_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_known_date() {
        // 2018-03-06T02:06:00Z, the date of the Azure health report sample.
        let t = unix_of(2018, 3, 6, 2, 6).unwrap();
        assert_eq!(t, 1_520_301_960);
        assert_eq!(unix_of(2018, 2, 30, 0, 0), None);
        assert_eq!(civil(t), (2018, 3, 6, 2, 6, 0));
    }
}
