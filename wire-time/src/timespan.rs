//! .NET `TimeSpan` strings: `[-][d.]h:m[:s[.fffffff]]`, e.g. `4:0:0`, `04:00:00`, `1.00:00:00`,
//! `00:00:01.5`. Written as `hh:mm:ss`, and `d.hh:mm:ss` from one day on, because .NET rejects an hour
//! field of 24 (it would read `24:00:00` as 24 days).
//!
//! Hand-written: no maintained crate reads .NET's TimeSpan format; it is 60 lines.

use std::time::Duration;

/// A parsed TimeSpan: its length and whether it was negative (`-1:0:0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeSpan {
    /// The length.
    pub duration: Duration,
    /// Whether the text started with `-`.
    pub negative: bool,
}

/// Parses a TimeSpan. Fields out of range (hours over 23, minutes or seconds over 59), more than 7
/// fraction digits and anything but ASCII digits are refused.
pub fn parse(text: &str) -> Option<TimeSpan> {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if text.is_empty() || !text.is_ascii() {
        return None;
    }
    let (days, clock) = match text.split_once('.') {
        // A dot before the first colon separates days; a dot after it starts the fraction.
        Some((d, rest)) if !d.contains(':') => (field(d, u32::MAX)?, rest),
        _ => (0, text),
    };
    let (clock, fraction) = match clock.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (clock, None),
    };
    let fields: Vec<&str> = clock.split(':').collect();
    let (hours, minutes, seconds) = match fields.as_slice() {
        [h, m] => (field(h, 23)?, field(m, 59)?, 0),
        [h, m, s] => (field(h, 23)?, field(m, 59)?, field(s, 59)?),
        _ => return None,
    };
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 7 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<u64>().ok()? * 10u64.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
    };
    let total = u64::from(days) * 86_400 + u64::from(hours) * 3600 + u64::from(minutes) * 60 + u64::from(seconds);
    Some(TimeSpan {
        duration: Duration::from_secs(total) + Duration::from_nanos(nanos),
        negative,
    })
}

fn field(text: &str, max: u32) -> Option<u32> {
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok().filter(|v| *v <= max)
}

/// Formats whole seconds: `14400` → `04:00:00`, `86400` → `1.00:00:00`.
pub fn format_seconds(total: u64) -> String {
    let (days, hours, minutes, seconds) = (total / 86_400, (total / 3600) % 24, (total / 60) % 60, total % 60);
    if days > 0 {
        format!("{days}.{hours:02}:{minutes:02}:{seconds:02}")
    } else {
        format!("{hours:02}:{minutes:02}:{seconds:02}")
    }
}

/// Formats whole minutes: `240` → `04:00:00`, `1440` → `1.00:00:00`.
pub fn format_minutes(minutes: u32) -> String {
    format_seconds(u64::from(minutes) * 60)
}

/// Whole minutes of a span, rounded down (the 2021 API's `elapsedTimeMinutes` rule).
pub fn whole_minutes(span: Duration) -> u32 {
    u32::try_from(span.as_secs() / 60).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(text: &str) -> Option<(bool, u64)> {
        parse(text).map(|t| (t.negative, t.duration.as_secs()))
    }

    #[test]
    fn reads_what_the_service_and_powershell_write() {
        assert_eq!(seconds("4:0:0"), Some((false, 14_400)));
        assert_eq!(seconds("04:00:00"), Some((false, 14_400)));
        assert_eq!(seconds("1.00:00:00"), Some((false, 86_400)));
        assert_eq!(seconds("0:30"), Some((false, 1800)));
        assert_eq!(seconds("00:01:30.5000000"), Some((false, 90)));
        assert_eq!(seconds("-1:0:0"), Some((true, 3600)));
        assert_eq!(seconds("24:00:00"), None);
        assert_eq!(seconds("00:60:00"), None);
        assert_eq!(seconds("00:00:01.12345678"), None);
        assert_eq!(seconds("abc"), None);
        assert_eq!(seconds(""), None);
    }

    #[test]
    fn writes_days_from_one_day_on() {
        assert_eq!(format_minutes(240), "04:00:00");
        assert_eq!(format_minutes(1440), "1.00:00:00");
        assert_eq!(format_seconds(90), "00:01:30");
        for minutes in [0, 1, 59, 60, 1439, 1440, 2000] {
            let span = parse(&format_minutes(minutes)).unwrap();
            assert_eq!(whole_minutes(span.duration), minutes);
        }
    }
}
