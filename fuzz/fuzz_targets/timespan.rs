//! The .NET TimeSpan parser (v1 leases) and the timestamp parser on arbitrary text; a parsed TimeSpan
//! of whole minutes must format back to the same minutes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(span) = arr_session::timespan::parse(text) {
            let minutes = arr_session::timespan::whole_minutes(span);
            let again = arr_session::timespan::parse(&arr_session::timespan::format_minutes(minutes));
            assert_eq!(again.map(arr_session::timespan::whole_minutes), Some(minutes));
        }
        let _ = arr_session::timefmt::parse_rfc3339(text);
    }
});
