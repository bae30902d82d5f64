//! .NET `TimeSpan` strings, as the legacy v1 API uses them for leases and elapsed time.
//!
//! Read: `[-][d.]h:m[:s[.fffffff]]`, e.g. `4:0:0`, `04:00:00`, `1.00:00:00`, `00:00:01.5`. Written: whole
//! minutes as `hh:mm:ss`, and `d.hh:mm:ss` from one day on, because .NET rejects an hour field of 24.

use std::time::Duration;

/// Parses a TimeSpan. Negative spans and out-of-range fields (minutes or seconds over 59) are refused.
pub fn parse(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() || text.starts_with('-') || !text.is_ascii() {
        return None;
    }
    let (days, clock) = match text.split_once('.') {
        // A dot before the first colon separates days; a dot after it starts the fraction.
        Some((d, rest)) if !d.contains(':') => (parse_field(d, u32::MAX)?, rest),
        _ => (0, text),
    };
    let (clock, fraction) = match clock.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (clock, None),
    };
    let fields: Vec<&str> = clock.split(':').collect();
    let (hours, minutes, seconds) = match fields.as_slice() {
        [h, m] => (parse_field(h, 23)?, parse_field(m, 59)?, 0),
        [h, m, s] => (parse_field(h, 23)?, parse_field(m, 59)?, parse_field(s, 59)?),
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
    Some(Duration::from_secs(total) + Duration::from_nanos(nanos))
}

fn parse_field(text: &str, max: u32) -> Option<u32> {
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok().filter(|v| *v <= max)
}

/// Formats whole minutes: `240` → `04:00:00`, `1440` → `1.00:00:00`.
pub fn format_minutes(minutes: u32) -> String {
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    if days > 0 {
        format!("{days}.{hours:02}:{mins:02}:00")
    } else {
        format!("{hours:02}:{mins:02}:00")
    }
}

/// Whole minutes of a span, rounded down (the 2021 API's `elapsedTimeMinutes` rule).
pub fn whole_minutes(span: Duration) -> u32 {
    u32::try_from(span.as_secs() / 60).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_the_v1_api_used() {
        assert_eq!(parse("4:0:0"), Some(Duration::from_secs(4 * 3600)));
        assert_eq!(parse("04:00:00"), Some(Duration::from_secs(4 * 3600)));
        assert_eq!(parse("1.00:00:00"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse("00:00:01"), Some(Duration::from_secs(1)));
        assert_eq!(parse("00:01:30.5"), Some(Duration::from_millis(90_500)));
        assert_eq!(parse("1:30"), Some(Duration::from_secs(5400)));
    }

    #[test]
    fn refuses_malformed_spans() {
        for bad in [
            "", "-1:00:00", "24:00:00", "1:60:00", "1:00:60", "a:b:c", "1", "1:2:3:4", "1:00:00.", "1.2.3",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_whole_minutes() {
        assert_eq!(format_minutes(240), "04:00:00");
        assert_eq!(format_minutes(90), "01:30:00");
        assert_eq!(format_minutes(1440), "1.00:00:00");
        assert_eq!(format_minutes(0), "00:00:00");
        assert_eq!(parse(&format_minutes(1439)).map(whole_minutes), Some(1439));
    }
}
