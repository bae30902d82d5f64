//! Property tests of everything that reads untrusted input: the config parser, both versions' response
//! decoders, the TimeSpan and timestamp parsers, and the error decoder. None may panic on any input, and
//! what we write must read back the same.

use arr_wire_time::{timespan, timestamp as timefmt};

use crate::fuzzing;
use crate::{Session, SessionSize, SessionStatus};
use proptest::prelude::*;
use serde_json::{json, Value};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z@]{1,20}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Objects using the real field names, with values of any type: the interesting part of the input space.
fn session_like_object() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "id",
        "status",
        "size",
        "maxLeaseTimeMinutes",
        "elapsedTimeMinutes",
        "hostname",
        "handshakePort",
        "arrInspectorPort",
        "teraflops",
        "creationTime",
        "error",
        "sessionId",
        "sessionStatus",
        "sessionSize",
        "sessionMaxLeaseTime",
        "sessionElapsedTime",
        "sessionHostname",
        "message",
        "sessions",
        "@nextLink",
    ]);
    prop::collection::btree_map(names, arbitrary_json(), 0..12)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

fn session() -> impl Strategy<Value = Session> {
    (
        "[A-Za-z0-9_-]{1,64}",
        prop::sample::select(vec!["Starting", "Ready", "Stopped", "Expired", "Error", "Hibernating"]),
        prop::sample::select(vec!["Standard", "Premium", "Tiny"]),
        proptest::option::of(0u32..=1440),
        proptest::option::of(0u32..=1440),
        proptest::option::of("[a-z0-9.]{1,60}"),
        proptest::option::of(1u16..=65535),
        proptest::option::of(1u16..=65535),
        proptest::option::of(0.1f64..100.0),
    )
        .prop_map(
            |(id, status, size, lease, elapsed, hostname, handshake, inspector, teraflops)| Session {
                id,
                status: SessionStatus::from(status),
                size: SessionSize::from(size),
                max_lease_time_minutes: lease,
                elapsed_time_minutes: elapsed,
                hostname,
                handshake_port: handshake,
                arr_inspector_port: inspector,
                teraflops,
                creation_time: Some("2024-07-11T20:30:35.016689+00:00".to_owned()),
                error: None,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn no_decoder_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        fuzzing::all_decoders(&bytes);
    }

    #[test]
    fn no_decoder_panics_on_session_like_json(value in session_like_object()) {
        fuzzing::all_decoders(value.to_string().as_bytes());
        fuzzing::all_decoders(json!({ "sessions": [value.clone()], "@nextLink": "https://x/y" }).to_string().as_bytes());
        fuzzing::all_decoders(json!({ "error": value }).to_string().as_bytes());
    }

    #[test]
    fn the_config_parser_never_panics(value in arbitrary_json(), text in ".{0,200}") {
        let _ = fuzzing::config(&value.to_string());
        let _ = fuzzing::config(&text);
    }

    #[test]
    fn an_unknown_config_key_is_named(key in "[a-z]{3,12}", value in arbitrary_json()) {
        let known = ["endpoint", "accountid", "accountdomain", "stsendpoint", "accountkey", "accesstoken",
            "apiversion", "proxy", "retry"];
        prop_assume!(!known.contains(&key.as_str()));
        let config = json!({
            "endpoint": "westus2", "accountId": "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
            "accountDomain": "westus2", "accountKey": "k", key.clone(): value,
        });
        let err = fuzzing::config(&config.to_string()).unwrap_err();
        prop_assert!(err.message().starts_with(&key), "{}", err.message());
    }

    #[test]
    fn sessions_read_back_as_written(s in session()) {
        let body = serde_json::to_vec(&s).unwrap();
        prop_assert_eq!(fuzzing::session_2021(&body).unwrap(), s);
    }

    #[test]
    fn v1_properties_read_back_in_whole_minutes(lease in 0u32..=1440, elapsed_seconds in 0u64..86_400) {
        let elapsed = format!("{:02}:{:02}:{:02}", elapsed_seconds / 3600, (elapsed_seconds / 60) % 60, elapsed_seconds % 60);
        let body = json!({ "sessionId": "s", "sessionStatus": "Ready", "sessionMaxLeaseTime": timespan::format_minutes(lease),
            "sessionElapsedTime": elapsed });
        let s = fuzzing::session_v1(body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(s.max_lease_time_minutes, Some(lease));
        prop_assert_eq!(s.elapsed_time_minutes, Some((elapsed_seconds / 60) as u32));
    }

    #[test]
    fn timespans_round_trip_and_never_panic(minutes in 0u32..=100_000, text in "[0-9:.-]{0,16}") {
        prop_assert_eq!(timespan::parse(&timespan::format_minutes(minutes)).map(|t| timespan::whole_minutes(t.duration)), Some(minutes));
        let _ = timespan::parse(&text);
    }

    #[test]
    fn both_timestamp_forms_with_any_fraction_read_the_same(
        secs in 0i64..4_000_000_000, digits in 0usize..=7, offset_form in any::<bool>()
    ) {
        // Format `secs` as a UTC date-time by hand, then parse it in the service's two spellings.
        let days = secs.div_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let rem = secs.rem_euclid(86_400);
        let fraction = if digits == 0 { String::new() } else { format!(".{}", "1".repeat(digits)) };
        let zone = if offset_form { "+00:00" } else { "Z" };
        let text = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{fraction}{zone}", rem / 3600, (rem / 60) % 60, rem % 60);
        let parsed = timefmt::parse_rfc3339(&text).unwrap();
        let whole = parsed.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        prop_assert_eq!(whole as i64, secs);
    }

    #[test]
    fn error_bodies_read_back(code in "[A-Za-z]{0,20}", message in ".{0,80}", legacy in any::<bool>()) {
        let body = if legacy { json!({ "error": message }) } else { json!({ "error": { "code": code, "message": message } }) };
        let e = fuzzing::service_error(body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(&e.message, &message);
        if !legacy {
            prop_assert_eq!(&e.code, &code);
        }
    }
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (inverse of the parser's own arithmetic,
/// written independently here so the test does not check the code against itself).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
