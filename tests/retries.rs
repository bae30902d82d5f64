//! The retry policy against injected faults: bursts are ridden out, creates never duplicate sessions.

mod common;

use arr_emulator::FaultKind;
use arr_session::{ApiVersion, Client, ErrorKind};
use common::*;

#[tokio::test]
async fn a_burst_of_429_with_retry_after_is_ridden_out() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = client
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    emulator.inject(fault(
        "sessions.get",
        FaultKind::Status {
            status: 429,
            retry_after: Some(1),
        },
        2,
    ));
    let started = std::time::Instant::now();
    client.get_session(&id).await.unwrap().into_value();
    assert_eq!(emulator.request_count("sessions.get"), 3);
    // Honouring Retry-After is the behaviour under test: two waits of one second each.
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "Retry-After was honoured"
    );
}

#[tokio::test]
async fn a_burst_of_503_within_the_policy_succeeds_and_beyond_it_fails() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    emulator.inject(fault(
        "sessions.list",
        FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        3,
    ));
    client.list_sessions().await.unwrap().into_value();
    assert_eq!(emulator.request_count("sessions.list"), 4, "3 retries by default");

    emulator.inject(fault(
        "sessions.list",
        FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        4,
    ));
    let err = client.list_sessions().await.unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::Service, Some(503)));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_create_retried_after_a_dropped_connection_leaves_exactly_one_session() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    client.access_token().await.unwrap();
    emulator.inject(fault("sessions.create", FaultKind::DropAfterProcessing, 1));
    let created = client.create_session(&standard(10).with_id("once")).await.unwrap();
    assert_eq!(
        created.http_status(),
        200,
        "the retry found the session the first attempt made"
    );
    assert_eq!(emulator.request_count("sessions.create"), 2);
    let sessions = emulator.sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].id, "once");
}

#[tokio::test]
async fn a_dropped_connection_before_processing_is_retried() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    client.access_token().await.unwrap();
    emulator.inject(fault("sessions.list", FaultKind::DropBeforeProcessing, 2));
    client.list_sessions().await.unwrap().into_value();
    assert_eq!(emulator.request_count("sessions.list"), 3);
}

#[tokio::test]
async fn a_v1_create_is_not_retried_after_an_ambiguous_failure() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V1);
    client.access_token().await.unwrap();

    emulator.inject(fault("v1.sessions.create", FaultKind::DropAfterProcessing, 1));
    let err = client.create_session(&standard(10)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(emulator.request_count("v1.sessions.create"), 1, "no blind retry");
    assert_eq!(
        emulator.sessions().len(),
        1,
        "the service made one session; the client did not make a second"
    );

    emulator.inject(fault(
        "v1.sessions.create",
        FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        1,
    ));
    let err = client.create_session(&standard(10)).await.unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(
        emulator.request_count("v1.sessions.create"),
        2,
        "a 503 may have been processed: not retried"
    );

    emulator.inject(fault(
        "v1.sessions.create",
        FaultKind::Status {
            status: 429,
            retry_after: Some(0),
        },
        1,
    ));
    client.create_session(&standard(10)).await.unwrap().into_value();
    assert_eq!(
        emulator.request_count("v1.sessions.create"),
        4,
        "a 429 was certainly not processed: retried"
    );
}

#[tokio::test]
async fn a_request_that_stalls_past_the_timeout_fails_with_timeout() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.request_timeout = std::time::Duration::from_millis(300);
    config.retry.max_retries = 0;
    let client = Client::new(config).unwrap();
    client.access_token().await.unwrap();
    emulator.inject(fault("sessions.list", FaultKind::Delay { millis: 3000 }, 1));
    let err = client.list_sessions().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[tokio::test]
async fn a_malformed_body_is_a_decode_error_with_the_ms_cv() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    client.access_token().await.unwrap();
    emulator.inject(fault("sessions.list", FaultKind::MalformedBody, 1));
    let err = client.list_sessions().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.ms_cv().is_some());
}
