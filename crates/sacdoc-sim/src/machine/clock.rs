//! Simulated time: the machine's boot instant and uptime, and civil-date conversions (UTC) for
//! the commands that print dates.

/// The machine clock. Time moves only when commands run (their `delay_ms`) or the VM reboots, so
/// every session is reproducible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Unix seconds at the last boot.
    pub boot_unix: i64,
    /// Milliseconds since the last boot.
    pub uptime_ms: u64,
}

impl Default for Clock {
    fn default() -> Self {
        // 2026-01-15 08:00:00 UTC.
        Clock { boot_unix: 1_768_464_000, uptime_ms: 0 }
    }
}

impl Clock {
    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        self.boot_unix + (self.uptime_ms / 1000) as i64
    }
    /// Lets `ms` of simulated time pass.
    pub fn advance(&mut self, ms: u64) {
        self.uptime_ms = self.uptime_ms.saturating_add(ms);
    }
    /// A reboot taking `ms`: the new boot instant is now + ms, uptime restarts at zero.
    pub fn reboot(&mut self, ms: u64) {
        self.boot_unix = self.now() + (ms / 1000) as i64;
        self.uptime_ms = 0;
    }
}

/// A civil date-time in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 = Sunday.
    pub weekday: u32,
}

/// Unix seconds to a civil UTC date (the `time` crate's calendar; outside it, the epoch).
pub fn civil(unix: i64) -> Civil {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    Civil {
        year: i64::from(t.year()),
        month: u32::from(u8::from(t.month())),
        day: u32::from(t.day()),
        hour: u32::from(t.hour()),
        minute: u32::from(t.minute()),
        second: u32::from(t.second()),
        weekday: u32::from(t.weekday().number_days_from_sunday()),
    }
}

/// A civil UTC date to unix seconds; `None` when it names no instant (month 13, February 30).
pub fn unix_of(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<i64> {
    let n = |v: u32| u8::try_from(v).ok();
    let month = time::Month::try_from(n(month)?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(year).ok()?, month, n(day)?).ok()?;
    let at = time::Time::from_hms(n(hour)?, n(minute)?, n(second)?).ok()?;
    Some(time::PrimitiveDateTime::new(date, at).assume_utc().unix_timestamp())
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (or a bare `YYYY-MM-DD`) into unix seconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = s.split_once(['T', ' ']).unwrap_or((s, "00:00:00"));
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || t.len() < 2 {
        return None;
    }
    let sec = t.get(2).map_or(Some(0), |x| x.split('.').next()?.parse().ok())?;
    unix_of(
        d[0].parse().ok()?,
        d[1].parse().ok()?,
        d[2].parse().ok()?,
        t[0].parse().ok()?,
        t[1].parse().ok()?,
        sec,
    )
}

const DAYS: [&str; 7] =
    ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Civil {
    pub fn day_name(&self) -> &'static str {
        DAYS[self.weekday as usize % 7]
    }
    pub fn month_name(&self) -> &'static str {
        MONTHS[(self.month as usize + 11) % 12]
    }
    /// The hour on a 12-hour clock and its `AM`/`PM` designator (en-US).
    pub fn hour12(&self) -> (u32, &'static str) {
        match self.hour {
            0 => (12, "AM"),
            1..=11 => (self.hour, "AM"),
            12 => (12, "PM"),
            h => (h - 12, "PM"),
        }
    }
    /// en-US long time: `8:00:45 AM`.
    pub fn us_time(&self) -> String {
        let (h, ampm) = self.hour12();
        format!("{h}:{:02}:{:02} {ampm}", self.minute, self.second)
    }
    /// en-US short date and long time: `1/15/2026 8:00:00 AM` (PowerShell's DateTime display).
    pub fn us_short(&self) -> String {
        format!("{}/{}/{} {}", self.month, self.day, self.year, self.us_time())
    }
    /// en-US long date and long time: `Thursday, January 15, 2026 8:00:00 AM` (how Get-Date
    /// prints itself).
    pub fn us_long(&self) -> String {
        let (day, month) = (self.day_name(), self.month_name());
        format!("{day}, {month} {}, {} {}", self.day, self.year, self.us_time())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        let t = unix_of(2026, 1, 15, 8, 0, 0).unwrap();
        assert_eq!(t, 1_768_464_000);
        let c = civil(t);
        assert_eq!((c.year, c.month, c.day, c.hour), (2026, 1, 15, 8));
        assert_eq!(c.day_name(), "Thursday");
        assert_eq!(parse_iso("2026-01-15T08:00:00Z"), Some(t));
        assert_eq!(c.us_short(), "1/15/2026 8:00:00 AM");
        assert_eq!(c.us_long(), "Thursday, January 15, 2026 8:00:00 AM");
        let pm = civil(unix_of(2026, 1, 14, 12, 0, 45).unwrap());
        assert_eq!(pm.us_long(), "Wednesday, January 14, 2026 12:00:45 PM");
        assert_eq!(civil(unix_of(2026, 1, 14, 23, 5, 9).unwrap()).us_time(), "11:05:09 PM");
        assert_eq!(civil(unix_of(2026, 1, 14, 0, 5, 9).unwrap()).us_time(), "12:05:09 AM");
    }
}
