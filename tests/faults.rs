//! Fault scenarios: the client either succeeds within its retry policy or returns the right error in
//! its configured time, and afterwards the service holds no session the caller does not know about.
//! (Bursts of 429/500/503, dropped connections, stalls and malformed bodies one by one are in retries.rs.)

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use arr_emulator::{Emulator, EmulatorConfig, FaultKind, FaultRates};
use arr_session::{ApiVersion, Client, ErrorKind, RetryPolicy, WaitOptions};
use common::*;

/// Every session still running on the service is one the caller knows; then stops them.
async fn assert_no_orphans(emulator: &Emulator, client: &Client, known: &BTreeSet<String>) {
    for session in emulator.sessions() {
        assert!(
            known.contains(&session.id),
            "session {} was created behind the caller's back",
            session.id
        );
    }
    let _ = client.stop_owned_sessions(Duration::from_secs(20)).await;
    let live: Vec<_> = emulator
        .sessions()
        .into_iter()
        .filter(|s| s.status == "Starting" || s.status == "Ready")
        .collect();
    assert!(live.is_empty(), "sessions left running: {live:?}");
}

#[tokio::test]
async fn an_sts_outage_is_retried_and_a_lasting_one_reported_without_side_effects() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    emulator.inject(fault(
        "sts.token",
        FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        2,
    ));
    client.list_sessions().await.unwrap().into_value();
    assert_eq!(emulator.request_count("sts.token"), 3);

    let fresh = client_for(&emulator, ApiVersion::V2021_01_01);
    emulator.inject(fault(
        "sts.token",
        FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        10,
    ));
    let err = fresh.create_session(&standard(10).with_id("never")).await.unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::Service, Some(503)));
    assert_eq!(
        emulator.request_count("sessions.create"),
        0,
        "nothing was sent without a token"
    );
    assert!(emulator.sessions().is_empty());
}

#[tokio::test]
async fn an_unreachable_sts_fails_fast_with_a_network_error() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    // A port nobody listens on: bind one, note it, and close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    config.sts_endpoint = Some(format!("http://127.0.0.1:{port}"));
    config.connect_timeout = Duration::from_millis(500);
    let err = Client::new(config)
        .unwrap()
        .create_session(&standard(10))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(emulator.sessions().is_empty());
}

#[tokio::test]
async fn an_ambiguous_create_failure_leaves_the_session_owned_so_it_is_not_leaked() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.retry.max_retries = 0;
    let client = Client::new(config).unwrap();
    client.access_token().await.unwrap();
    emulator.inject(fault("sessions.create", FaultKind::DropAfterProcessing, 1));
    let err = client.create_session(&standard(10).with_id("maybe")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    assert_eq!(
        client.owned_sessions(),
        vec!["maybe".to_owned()],
        "the id is known, so the guard keeps it"
    );

    // A create the service refused outright owns nothing.
    let err = client.create_session(&standard(20).with_id("maybe")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    emulator.inject(fault(
        "sessions.create",
        FaultKind::Status {
            status: 429,
            retry_after: Some(0),
        },
        1,
    ));
    assert!(client.create_session(&standard(10).with_id("throttled")).await.is_err());
    assert_eq!(client.owned_sessions(), vec!["maybe".to_owned()]);
    assert_no_orphans(&emulator, &client, &["maybe".to_owned()].into()).await;
}

#[tokio::test]
async fn the_client_carries_on_across_an_emulator_restart_with_a_state_file() {
    let path = std::env::temp_dir().join(format!("arr-restart-{}.json", uuid::Uuid::new_v4().simple()));
    let first = start(EmulatorConfig {
        state_file: Some(path.clone()),
        ..quick()
    })
    .await;
    let client = client_for(&first, ApiVersion::V2021_01_01);
    let id = client
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    client
        .wait_until_ready(&id, &WaitOptions::default())
        .await
        .unwrap()
        .into_value();
    let listen: std::net::SocketAddr = first.base_url().trim_start_matches("http://").parse().unwrap();
    first.shutdown().await;

    // Same address, same state: pooled connections are dead, the token is still valid.
    let second = start(EmulatorConfig {
        listen,
        state_file: Some(path.clone()),
        ..quick()
    })
    .await;
    assert_eq!(
        client.get_session(&id).await.unwrap().into_value().status.as_str(),
        "Ready"
    );
    client.extend_session(&id, 5).await.unwrap().into_value();
    assert_eq!(second.request_count("sts.token"), 0, "the token survived the restart");
    assert_no_orphans(&second, &client, &[id].into()).await;
    second.shutdown().await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_lose_no_session() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::from_millis(100),
        faults: FaultRates {
            status_500: 0.1,
            status_503: 0.1,
            drop: 0.1,
            delay: 0.05,
            delay_millis: 200,
            malformed: 0.0,
            ..FaultRates::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.retry = RetryPolicy::new(8, Duration::from_millis(5), Duration::from_millis(100));
    config.request_timeout = Duration::from_secs(5);
    let client = Client::new(config).unwrap();
    let mut known = BTreeSet::new();
    let mut completed = 0;
    for round in 0..30 {
        let id = format!("soak-{round}");
        known.insert(id.clone());
        let lifecycle = async {
            client
                .create_session(&standard(10).with_id(id.clone()))
                .await?
                .into_value();
            client
                .wait_until_ready(&id, &WaitOptions::with_timeout(Duration::from_secs(20)))
                .await?
                .into_value();
            client.extend_session(&id, 5).await?.into_value();
            client.stop_session(&id).await
        };
        if lifecycle.await.is_ok() {
            completed += 1;
        }
    }
    assert!(
        completed >= 25,
        "only {completed} of 30 lifecycles completed under the retry policy"
    );
    assert!(emulator.sessions().len() <= 30, "retried creates made no duplicates");
    assert_no_orphans(&emulator, &client, &known).await;
}
