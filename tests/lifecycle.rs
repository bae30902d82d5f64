//! Every operation of both API versions against the emulator, over http and over TLS.

mod common;

use std::time::Duration;

use arr_emulator::{Emulator, EmulatorConfig};
use arr_session::{ApiVersion, Client, ErrorKind, SessionSize, WaitOptions};
use common::*;

/// create → wait Ready → extend → update → list → stop → get (Stopped) → list (gone).
async fn full_lifecycle(client: &Client, emulator: &Emulator) {
    let options = if client.api_version() == ApiVersion::V1 {
        standard(30)
    } else {
        standard(30).with_id(unique_id("life"))
    };
    let response = client.create_session(&options).await.unwrap();
    assert!(response.ms_cv().is_some(), "every answer carries an MS-CV");
    let created = response.into_value();
    assert_eq!(created.status.as_str(), "Starting");
    assert_eq!(created.size.as_str(), "Standard");
    assert_eq!(created.max_lease_time_minutes, Some(30));
    let id = created.id.clone();

    let ready = client
        .wait_until_ready(&id, &WaitOptions::with_timeout(Duration::from_secs(10)))
        .await
        .unwrap()
        .into_value();
    assert!(ready.status.is_ready());
    assert!(ready.hostname.as_deref().is_some_and(|h| !h.is_empty()));
    for port in [ready.handshake_port.unwrap(), ready.arr_inspector_port.unwrap()] {
        assert!((49152..=65534).contains(&port), "port {port}");
    }
    assert!(ready.teraflops.unwrap() > 0.0);

    let extended = client.extend_session(&id, 15).await.unwrap().into_value();
    assert_eq!(extended.max_lease_time_minutes, Some(45));
    let updated = client.update_session(&id, 60).await.unwrap().into_value();
    assert_eq!(updated.max_lease_time_minutes, Some(60));

    let listed = client.list_sessions().await.unwrap().into_value();
    assert!(listed.iter().any(|s| s.id == id && s.status.is_ready()));

    let stopped = client.stop_session(&id).await.unwrap();
    assert!(stopped.ms_cv().is_some());
    let after = client.get_session(&id).await.unwrap().into_value();
    assert_eq!(after.status.as_str(), "Stopped");
    assert!(after.hostname.is_none() && after.handshake_port.is_none());
    assert!(!client
        .list_sessions()
        .await
        .unwrap()
        .into_value()
        .iter()
        .any(|s| s.id == id));

    let on_service = emulator.sessions();
    assert_eq!(on_service.len(), 1);
    assert_eq!(on_service[0].status, "Stopped");
}

#[tokio::test]
async fn lifecycle_2021_over_http() {
    let emulator = start(quick()).await;
    full_lifecycle(&client_for(&emulator, ApiVersion::V2021_01_01), &emulator).await;
}

#[tokio::test]
async fn lifecycle_v1_over_http() {
    let emulator = start(quick()).await;
    full_lifecycle(&client_for(&emulator, ApiVersion::V1), &emulator).await;
}

#[tokio::test]
async fn lifecycle_2021_over_tls_with_the_emulator_certificate() {
    let emulator = start(EmulatorConfig { tls: true, ..quick() }).await;
    assert!(emulator.base_url().starts_with("https://"));
    full_lifecycle(&client_for(&emulator, ApiVersion::V2021_01_01), &emulator).await;
}

#[tokio::test]
async fn lifecycle_v1_over_tls_with_the_emulator_certificate() {
    let emulator = start(EmulatorConfig { tls: true, ..quick() }).await;
    full_lifecycle(&client_for(&emulator, ApiVersion::V1), &emulator).await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let emulator = start(EmulatorConfig { tls: true, ..quick() }).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.extra_root_ca_pem = None;
    config.retry.max_retries = 0;
    let err = Client::new(config).unwrap().list_sessions().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(emulator.request_count("sessions.list"), 0);
}

#[tokio::test]
async fn early_2021_serialisation_decodes() {
    let emulator = start(EmulatorConfig {
        legacy_nulls: true,
        ..quick()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let created = client.create_session(&standard(10)).await.unwrap().into_value();
    // Zeros and nulls of the early-2021 style read as "not known yet".
    assert_eq!(
        (created.handshake_port, created.hostname.as_deref(), created.teraflops),
        (None, None, None)
    );
    let ready = client
        .wait_until_ready(&created.id, &WaitOptions::default())
        .await
        .unwrap()
        .into_value();
    assert!(ready.handshake_port.is_some());
    assert!(
        ready.creation_time().is_some(),
        "creationTime {:?}",
        ready.creation_time
    );
}

#[tokio::test]
async fn a_generated_id_is_a_guid_and_an_identical_create_is_idempotent() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let first = client.create_session(&standard(10)).await.unwrap();
    assert_eq!(first.http_status(), 201);
    let first = first.into_value();
    assert!(uuid::Uuid::parse_str(&first.id).is_ok(), "{}", first.id);
    let again = client
        .create_session(&standard(10).with_id(first.id.clone()))
        .await
        .unwrap();
    assert_eq!(again.http_status(), 200);
    assert_eq!(emulator.sessions().len(), 1);
}

#[tokio::test]
async fn premium_sessions_and_case_insensitive_sizes() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let options = arr_session::CreateSessionOptions::new(SessionSize::from("premium"), 5);
    let created = client.create_session(&options).await.unwrap().into_value();
    assert_eq!(created.size.as_str(), "Premium");
}

#[tokio::test]
async fn list_follows_next_links_across_pages() {
    let emulator = start(EmulatorConfig {
        page_size: 2,
        ..quick()
    })
    .await;
    for api in [ApiVersion::V2021_01_01, ApiVersion::V1] {
        let client = client_for(&emulator, api);
        client.create_session(&standard(10)).await.unwrap().into_value();
    }
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    for _ in 0..3 {
        client.create_session(&standard(10)).await.unwrap().into_value();
    }
    let before = emulator.request_count("sessions.list");
    let all = client.list_sessions().await.unwrap().into_value();
    assert_eq!(all.len(), 5);
    assert_eq!(
        emulator.request_count("sessions.list") - before,
        3,
        "5 sessions in pages of 2"
    );
}

#[tokio::test]
async fn the_state_file_survives_a_restart() {
    let path = std::env::temp_dir().join(format!("arr-state-{}.json", uuid::Uuid::new_v4().simple()));
    let first = start(EmulatorConfig {
        state_file: Some(path.clone()),
        start_delay: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await;
    let id = client_for(&first, ApiVersion::V2021_01_01)
        .create_session(&standard(20))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    first.shutdown().await;

    let second = start(EmulatorConfig {
        state_file: Some(path.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    let client = client_for(&second, ApiVersion::V2021_01_01);
    let session = client.get_session(&id).await.unwrap().into_value();
    assert_eq!(
        (session.status.as_str(), session.max_lease_time_minutes),
        ("Ready", Some(20))
    );
    client.stop_session(&id).await.unwrap().into_value();
    second.shutdown().await;
    let _ = std::fs::remove_file(path);
}
