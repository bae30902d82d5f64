//! Reading the service's timestamps without a date-time dependency.
//!
//! The service wrote `creationTime` as `2021-03-22T17:11:23.214787+00:00` (sessions, offset form, up to 7
//! fraction digits) and `2022-09-14T01:02:25.3744317Z` (conversions, `Z` form); the spec examples use 3
//! digits. All of these, and any offset, are read here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses an RFC 3339 / ISO 8601 timestamp with a `Z` or `±hh:mm` offset and 0 to 9 fraction digits.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !text.is_ascii() {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let separators_ok = bytes[4] == b'-'
        && bytes[7] == b'-'
        && matches!(bytes[10], b'T' | b't' | b' ')
        && bytes[13] == b':'
        && bytes[16] == b':';
    if !separators_ok || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos: u64 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = fraction[..digits].parse::<u64>().ok()? * 10u64.pow(9 - digits as u32);
        rest = &fraction[digits..];
    }
    let offset_seconds = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let h: i64 = rest[1..3].parse().ok()?;
            let m: i64 = rest[4..6].parse().ok()?;
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    let whole = u64::try_from(seconds).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(whole) + Duration::from_nanos(nanos))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's well-known algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> f64 {
        parse_rfc3339(text)
            .unwrap()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
    }

    #[test]
    fn reads_every_form_the_service_used() {
        let z = secs("2021-03-22T17:11:23Z");
        assert_eq!(z, 1_616_433_083.0);
        assert!((secs("2021-03-22T17:11:23.214787+00:00") - (z + 0.214787)).abs() < 1e-6);
        assert!((secs("2021-03-22T17:11:23.2147870Z") - (z + 0.214787)).abs() < 1e-6);
        assert!((secs("2021-03-22T17:11:23.214Z") - (z + 0.214)).abs() < 1e-6);
        assert_eq!(secs("2021-03-22T19:11:23+02:00"), z);
    }

    #[test]
    fn rejects_malformed_timestamps() {
        for bad in [
            "",
            "2021-03-22",
            "2021-13-01T00:00:00Z",
            "2021-02-30T00:00:00Z",
            "2021-03-22T17:11:23",
            "2021-03-22T17:11:23.Z",
            "2021-03-22T17:11:23+0000",
            "2021-03-22T25:00:00Z",
            "２０２１-03-22T17:11:23Z",
        ] {
            assert!(parse_rfc3339(bad).is_none(), "{bad}");
        }
    }
}
