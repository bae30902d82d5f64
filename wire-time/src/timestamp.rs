//! RFC 3339 timestamps, through the `time` crate. The service wrote `creationTime` as
//! `2021-03-22T17:11:23.214787+00:00` (sessions, offset form, up to 7 fraction digits) and
//! `2022-09-14T01:02:25.3744317Z` (conversions, `Z` form); the spec examples use 3 digits. Also the two
//! forms Azure Storage reads: SAS times and HTTP dates (`x-ms-date`).

use std::time::SystemTime;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

/// Parses a timestamp with a `Z` or `±hh:mm` offset and 0 to 9 fraction digits.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok().map(SystemTime::from)
}

/// Formats as the real service wrote a session's `creationTime`: UTC in the offset form with seven
/// fraction digits (.NET ticks), e.g. `2024-07-11T20:30:35.0166890+00:00`.
pub fn format_service_time(at: SystemTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]+00:00");
    OffsetDateTime::from(at)
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.0000000+00:00".to_owned())
}

/// Formats as Azure Storage writes SAS times (`st`, `se`): UTC, whole seconds, `Z`, e.g.
/// `2026-11-28T08:47:21Z`.
pub fn format_utc_seconds(at: SystemTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from(at)
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// Formats as HTTP dates are written (RFC 1123, the IMF-fixdate of RFC 9110), as Azure Storage reads
/// `x-ms-date`: UTC, e.g. `Sat, 28 Nov 2026 08:47:21 GMT`.
pub fn format_http_date(at: SystemTime) -> String {
    let format =
        format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    OffsetDateTime::from(at)
        .format(&format)
        .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 GMT".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn both_forms_and_any_fraction_read_the_same() {
        let at = UNIX_EPOCH + Duration::from_secs(1_616_433_083);
        assert_eq!(parse_rfc3339("2021-03-22T17:11:23Z"), Some(at));
        assert_eq!(parse_rfc3339("2021-03-22T17:11:23+00:00"), Some(at));
        assert_eq!(
            parse_rfc3339("2021-03-22T17:11:23.2147870+00:00"),
            Some(at + Duration::from_nanos(214_787_000))
        );
        assert_eq!(
            parse_rfc3339("2021-03-22T19:11:23.5+02:00"),
            Some(at + Duration::from_millis(500))
        );
        assert_eq!(parse_rfc3339("2021-02-30T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn writes_sas_times_in_whole_seconds() {
        let at = UNIX_EPOCH + Duration::from_millis(1_795_855_641_999);
        assert_eq!(format_utc_seconds(at), "2026-11-28T08:47:21Z");
        assert_eq!(
            parse_rfc3339("2026-11-28T08:47:21Z"),
            Some(UNIX_EPOCH + Duration::from_secs(1_795_855_641))
        );
    }

    #[test]
    fn writes_http_dates() {
        let at = UNIX_EPOCH + Duration::from_millis(1_795_855_641_999);
        assert_eq!(format_http_date(at), "Sat, 28 Nov 2026 08:47:21 GMT");
        assert_eq!(format_http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        // Leap day, single-digit day.
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(format_http_date(leap), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(
            format_http_date(UNIX_EPOCH + Duration::from_secs(86_400 * 4)),
            "Mon, 05 Jan 1970 00:00:00 GMT"
        );
    }

    #[test]
    fn writes_the_service_form_and_reads_it_back() {
        let at = UNIX_EPOCH + Duration::from_nanos(1_720_729_835_016_689_000);
        let text = format_service_time(at);
        assert_eq!(text, "2024-07-11T20:30:35.0166890+00:00");
        assert_eq!(parse_rfc3339(&text), Some(at));
    }
}
