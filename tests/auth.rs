//! Access tokens: one STS request serves many operations, refresh before expiry and after a 401.

mod common;

use std::time::Duration;

use arr_emulator::EmulatorConfig;
use arr_session::{ApiVersion, Client};
use common::*;

#[tokio::test]
async fn one_sts_request_serves_many_operations() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = client
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    for _ in 0..10 {
        client.get_session(&id).await.unwrap().into_value();
    }
    client.list_sessions().await.unwrap().into_value();
    client.stop_session(&id).await.unwrap().into_value();
    assert_eq!(emulator.request_count("sts.token"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_one_token_request() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let calls = (0..32).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.list_sessions().await.map(|_| ()) })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    assert_eq!(emulator.request_count("sts.token"), 1);
    assert_eq!(emulator.request_count("sessions.list"), 32);
}

#[tokio::test]
async fn a_token_is_refreshed_before_it_expires() {
    // Tokens live 5 min + 1 s, so one is within the 5-minute refresh margin a second after it was issued.
    let emulator = start(EmulatorConfig {
        token_lifetime: Duration::from_secs(301),
        ..quick()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    client.list_sessions().await.unwrap().into_value();
    client.list_sessions().await.unwrap().into_value();
    assert_eq!(emulator.request_count("sts.token"), 1, "still fresh");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    client.list_sessions().await.unwrap().into_value();
    assert_eq!(emulator.request_count("sts.token"), 2, "refreshed inside the margin");
    assert_eq!(
        emulator.request_count("sessions.list"),
        3,
        "no request was refused on the way"
    );
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_the_call_retried() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    client.list_sessions().await.unwrap().into_value();
    emulator.revoke_tokens();
    client.list_sessions().await.unwrap().into_value();
    assert_eq!(emulator.request_count("sts.token"), 2);
    assert_eq!(
        emulator.request_count("sessions.list"),
        3,
        "one 401, then the retried call"
    );
}

#[tokio::test]
async fn a_static_token_that_is_refused_is_reported_not_retried() {
    let emulator = start(quick()).await;
    let token = client_for(&emulator, ApiVersion::V2021_01_01)
        .access_token()
        .await
        .unwrap();
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.credential = arr_session::Credential::AccessToken(token);
    let client = Client::new(config).unwrap();
    client.list_sessions().await.unwrap().into_value();
    emulator.revoke_tokens();
    let err = client.list_sessions().await.unwrap_err();
    assert_eq!(err.kind(), arr_session::ErrorKind::Unauthorized);
    assert_eq!(emulator.request_count("sessions.list"), 2);
}

#[tokio::test]
async fn a_token_provider_supplies_tokens_and_is_asked_again_after_a_401() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Backend {
        inner: Client,
        calls: AtomicUsize,
    }
    impl arr_session::TokenProvider for Backend {
        fn token(
            &self,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = arr_session::Result<arr_session::Secret>> + Send + '_>>
        {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Box::pin(self.inner.access_token())
        }
    }
    let emulator = start(quick()).await;
    // The "backend" mints tokens with the key; the app's client only ever sees tokens.
    let backend = Arc::new(Backend {
        inner: client_for(&emulator, ApiVersion::V2021_01_01),
        calls: AtomicUsize::new(0),
    });
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.credential = arr_session::Credential::AccessTokenProvider(backend.clone());
    let client = Client::new(config).unwrap();
    client.list_sessions().await.unwrap().into_value();
    client.list_sessions().await.unwrap().into_value();
    assert_eq!(backend.calls.load(Ordering::SeqCst), 1);
    emulator.revoke_tokens();
    // The backend's own cache still holds the revoked token, so it is refused once more and surfaces.
    let err = client.list_sessions().await.unwrap_err();
    assert_eq!(err.kind(), arr_session::ErrorKind::Unauthorized);
    assert_eq!(backend.calls.load(Ordering::SeqCst), 2, "asked again after the 401");
}
