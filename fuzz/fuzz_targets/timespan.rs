//! The .NET TimeSpan parser (v1 leases) and the timestamp parser on arbitrary text; a parsed TimeSpan
//! of whole minutes must format back to the same minutes.
#![no_main]
use arr_wire_time::{timespan, timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(span) = timespan::parse(text) {
            let minutes = timespan::whole_minutes(span.duration);
            let again = timespan::parse(&timespan::format_minutes(minutes));
            assert_eq!(again.map(|t| timespan::whole_minutes(t.duration)), Some(minutes));
        }
        let _ = timestamp::parse_rfc3339(text);
    }
});
