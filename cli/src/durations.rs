//! Durations typed on the command line: leases (whole minutes) and waits (timeouts, poll intervals).
//!
//! Leases accept what RenderingSession.ps1 users type (`hh:mm:ss`, `h:m:s`, `h:m`, and .NET's
//! `d.hh:mm:ss`) plus the shorter `90m`, `1h30m`, `2h`, and a bare number of minutes.
//!
//! By hand rather than `humantime`: a bare number here means minutes (the script's unit), and the
//! TimeSpan forms come from `arr-wire-time`; only `1h30m` overlaps with what humantime reads.

use std::time::Duration;

use arr_session::MAX_LEASE_MINUTES;

/// Parses a lease into minutes, 1 to 1440. Used as a clap value parser, so clap names the flag
/// (`--lease`, `--by`) in front of the message.
pub fn parse_lease(text: &str) -> Result<u32, String> {
    let seconds = lease_seconds(text.trim()).ok_or_else(|| {
        format!("{text:?} is not a lease; use minutes (90), units (90m, 1h30m, 2h) or hh:mm:ss (01:30:00)")
    })?;
    if seconds % 60 != 0 {
        return Err(format!("{text:?} is not a whole number of minutes"));
    }
    let minutes = seconds / 60;
    if minutes == 0 {
        return Err("the lease must be at least 1 minute".to_owned());
    }
    if minutes > u64::from(MAX_LEASE_MINUTES) {
        return Err(format!(
            "{minutes} minutes is more than the service allows ({MAX_LEASE_MINUTES} minutes, 24h)"
        ));
    }
    Ok(minutes as u32)
}

fn lease_seconds(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return number(text)?.checked_mul(60);
    }
    if text.contains(':') {
        return clock_seconds(text);
    }
    units_millis(text, &["h", "m", "s"])
        .filter(|ms| ms % 1000 == 0)
        .map(|ms| ms / 1000)
}

/// `h:m` or `h:m:s` with minutes and seconds below 60 (hours unbounded: `24:00:00` is a full day), or
/// a .NET TimeSpan such as `1.00:00:00`.
fn clock_seconds(text: &str) -> Option<u64> {
    let fields: Vec<&str> = text.split(':').collect();
    let simple = match fields.as_slice() {
        [h, m] => match (number(h), sexagesimal(m)) {
            (Some(h), Some(m)) => Some((h, m, 0)),
            _ => None,
        },
        [h, m, s] => match (number(h), sexagesimal(m), sexagesimal(s)) {
            (Some(h), Some(m), Some(s)) => Some((h, m, s)),
            _ => None,
        },
        _ => None,
    };
    match simple {
        Some((h, m, s)) => h.checked_mul(3600)?.checked_add(m * 60 + s),
        None => arr_wire_time::timespan::parse(text)
            .filter(|t| !t.negative && t.duration.subsec_nanos() == 0)
            .map(|t| t.duration.as_secs()),
    }
}

fn sexagesimal(text: &str) -> Option<u64> {
    number(text).filter(|v| *v < 60)
}

fn number(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `1h30m`, `90s`, `500ms`: one or more `<digits><unit>` with units from `allowed`, in milliseconds.
fn units_millis(text: &str, allowed: &[&str]) -> Option<u64> {
    let mut rest = text;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let value = number(&rest[..digits])?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        if !allowed.contains(&unit) {
            return None;
        }
        let scale = match unit {
            "h" => 3_600_000,
            "m" => 60_000,
            "s" => 1000,
            "ms" => 1,
            _ => return None,
        };
        total = total.checked_add(value.checked_mul(scale)?)?;
    }
    Some(total)
}

/// `--warn`: minutes before the end, largest first as the keeper fires them.
#[derive(Clone, Debug, PartialEq)]
pub struct WarnAt(pub Vec<u32>);

/// Parses `--warn`: comma-separated leases (`10m,2m`, each 1 to 1440 minutes), or `none` for no warnings.
pub fn parse_warn(text: &str) -> Result<WarnAt, String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(WarnAt(Vec::new()));
    }
    let mut minutes = text.split(',').map(parse_lease).collect::<Result<Vec<u32>, String>>()?;
    minutes.sort_unstable_by(|a, b| b.cmp(a));
    minutes.dedup();
    Ok(WarnAt(minutes))
}

/// Parses a wait duration (`--timeout`, `--poll-interval`): `500ms`, `2s`, `1m30s`, `1h`, or a bare
/// number of seconds. Zero is refused.
pub fn parse_wait(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let millis = if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        number(trimmed).and_then(|s| s.checked_mul(1000))
    } else {
        units_millis(trimmed, &["h", "m", "s", "ms"])
    };
    match millis {
        Some(0) => Err("must be greater than zero".to_owned()),
        Some(ms) => Ok(Duration::from_millis(ms)),
        None => Err(format!(
            "{text:?} is not a duration; use e.g. 500ms, 2s, 5m, 1h30m or a number of seconds"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_forms_give_minutes() {
        let cases = [
            ("90", 90),
            ("90m", 90),
            ("1h30m", 90),
            ("2h", 120),
            ("120s", 2),
            ("01:30:00", 90),
            ("1:30:0", 90),
            ("4:00", 240),
            ("24:00:00", 1440),
            ("1.00:00:00", 1440),
            (" 10m ", 10),
        ];
        for (text, minutes) in cases {
            assert_eq!(parse_lease(text), Ok(minutes), "{text}");
        }
    }

    #[test]
    fn bad_leases_are_refused() {
        for text in [
            "", "0", "0m", "00:00:00", "1441", "25h", "1:60:00", "1:00:61", "abc", "90x", "1h30", "-5", "1.5h",
        ] {
            assert!(parse_lease(text).is_err(), "{text}");
        }
        assert!(parse_lease("00:00:30").unwrap_err().contains("whole number of minutes"));
        assert!(parse_lease("1441").unwrap_err().contains("1440"));
    }

    #[test]
    fn warnings_are_a_list_of_leases() {
        assert_eq!(parse_warn("10m,2m").map(|w| w.0), Ok(vec![10, 2]));
        assert_eq!(parse_warn("2, 1h,2").map(|w| w.0), Ok(vec![60, 2]));
        assert_eq!(parse_warn("none").map(|w| w.0), Ok(vec![]));
        assert!(parse_warn("").is_err());
        assert!(parse_warn("10m,").is_err());
        assert!(parse_warn("0").is_err());
    }

    #[test]
    fn wait_durations() {
        assert_eq!(parse_wait("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_wait("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_wait("1m30s"), Ok(Duration::from_secs(90)));
        assert!(parse_wait("0").is_err());
        assert!(parse_wait("soon").is_err());
        assert!(parse_wait("").is_err());
    }
}
