//! Time formatting and parsing: the service's `creationTime` form, .NET `TimeSpan` strings used by the
//! legacy v1 API, and the human durations accepted on the command line.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall-clock time as nanoseconds since the Unix epoch. Sessions store wall-clock times (not `Instant`)
/// because they must survive a restart through the state file.
pub(crate) fn unix_nanos_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Formats like the real service's session `creationTime`: `2024-07-11T20:30:35.0166890+00:00`
/// (offset form, seven fraction digits = .NET ticks). The format is shared with the client.
pub(crate) fn format_creation_time(unix_nanos: u64) -> String {
    arr_wire_time::timestamp::format_service_time(UNIX_EPOCH + Duration::from_nanos(unix_nanos))
}

/// .NET `TimeSpan` default format as the v1 API emitted it: `hh:mm:ss`, or `d.hh:mm:ss` from one day on.
pub(crate) fn format_timespan(total_secs: u64) -> String {
    arr_wire_time::timespan::format_seconds(total_secs)
}

/// Parses a .NET `TimeSpan` string `[-][d.]h:m[:s[.fffffff]]` into whole seconds (fractions dropped),
/// negative when prefixed with `-`, by the rules the client shares (h < 24, m < 60, s < 60, because .NET
/// would otherwise reinterpret them: the infamous "24:00:00 is 24 days").
pub(crate) fn parse_timespan(text: &str) -> Result<i64, String> {
    let span = arr_wire_time::timespan::parse(text)
        .ok_or_else(|| format!("'{text}' is not a valid time span; expected [d.]hh:mm:ss"))?;
    let secs = i64::try_from(span.duration.as_secs()).map_err(|_| format!("'{text}' is too long"))?;
    Ok(if span.negative { -secs } else { secs })
}

/// Parses command-line durations: `500ms`, `3s`, `1.5s`, `10m`, `24h`, `1d`; a bare number is seconds.
/// By hand rather than `humantime`, which takes neither fractions (`1.5s`) nor a bare number.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (examples: 500ms, 3s, 10m, 24h)"))?;
    let factor = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        other => {
            return Err(format!(
                "unknown duration unit '{other}' in '{text}' (use ms, s, m, h or d)"
            ))
        }
    };
    let secs = value * factor;
    if !secs.is_finite() || !(0.0..=1e10).contains(&secs) {
        return Err(format!("duration '{text}' is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creation_time_matches_service_form() {
        // 2024-07-11T20:30:35.016689Z
        let nanos = 1_720_729_835_016_689_000;
        assert_eq!(format_creation_time(nanos), "2024-07-11T20:30:35.0166890+00:00");
        assert_eq!(format_creation_time(0), "1970-01-01T00:00:00.0000000+00:00");
        // Leap day.
        assert_eq!(&format_creation_time(951_782_400_000_000_000)[..10], "2000-02-29");
    }

    #[test]
    fn timespans_round_trip() {
        assert_eq!(parse_timespan("4:0:0"), Ok(14_400));
        assert_eq!(parse_timespan("04:00:00"), Ok(14_400));
        assert_eq!(parse_timespan("1.00:00:00"), Ok(86_400));
        assert_eq!(parse_timespan("0:30"), Ok(1800));
        assert_eq!(parse_timespan("00:01:30.5000000"), Ok(90));
        assert_eq!(parse_timespan("-1:0:0"), Ok(-3600));
        assert!(parse_timespan("24:00:00").is_err());
        assert!(parse_timespan("abc").is_err());
        assert!(parse_timespan("1:2:3:4").is_err());
        assert_eq!(format_timespan(1), "00:00:01");
        assert_eq!(format_timespan(14_400), "04:00:00");
        assert_eq!(format_timespan(86_400 + 61), "1.00:01:01");
    }

    #[test]
    fn cli_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }
}
