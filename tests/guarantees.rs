//! The README's promises at their edges, in the core: credentials read from files, the STS during an
//! outage, token expiry on a device with a wrong clock, waits that meet slow requests, a retried create
//! answered 409, and closing a client while a create is still at the service.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arr_emulator::{EmulatorConfig, FaultKind, DEV_ACCOUNT_KEY};
use arr_session::TokenProvider;
use arr_session::{ApiVersion, Client, Credential, ErrorKind, RetryPolicy, Secret, WaitOptions};
use base64::Engine;
use common::*;

fn live_sessions(emulator: &arr_emulator::Emulator) -> Vec<String> {
    emulator
        .sessions()
        .into_iter()
        .filter(|s| s.status == "Starting" || s.status == "Ready")
        .map(|s| s.id)
        .collect()
}

#[tokio::test]
async fn a_key_read_from_a_file_with_its_newline_works() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.credential = Credential::AccountKey(format!("  {DEV_ACCOUNT_KEY}\r\n").into());
    let client = Client::new(config).unwrap();
    client
        .list_sessions()
        .await
        .expect("the trimmed key is accepted")
        .into_value();
    assert_eq!(emulator.request_count("sts.token"), 1);
}

#[tokio::test]
async fn a_token_with_a_trailing_newline_is_trimmed() {
    let emulator = start(quick()).await;
    let token = client_for(&emulator, ApiVersion::V2021_01_01)
        .access_token()
        .await
        .unwrap();
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.credential = Credential::AccessToken(format!("{}\n", token.expose()).into());
    let client = Client::new(config).unwrap();
    client
        .list_sessions()
        .await
        .expect("the trimmed token is accepted")
        .into_value();
}

#[tokio::test]
async fn a_key_with_a_character_not_allowed_in_a_header_is_refused_before_any_request() {
    let emulator = start(quick()).await;
    for (credential, key) in [
        (Credential::AccountKey("ab\u{1}cd".into()), "accountKey"),
        (Credential::AccountKey("ab\ncd".into()), "accountKey"),
        (Credential::AccessToken("tok\r\nX-Injected: 1".into()), "accessToken"),
        (Credential::AccessToken("caf\u{e9}".into()), "accessToken"),
    ] {
        let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
        config.credential = credential;
        let error = Client::new(config).expect_err("refused at construction");
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        assert_eq!(error.argument(), Some(key), "{error}");
        assert!(
            !format!("{error} {error:?}").contains("ab"),
            "no secret in the error: {error}"
        );
    }
    assert!(emulator.request_counts().values().all(|n| *n == 0), "nothing was sent");
}

/// Hands out a fixed token and counts how often it was asked.
struct CountingProvider {
    token: String,
    calls: AtomicUsize,
}

impl TokenProvider for CountingProvider {
    fn token(&self) -> Pin<Box<dyn Future<Output = arr_session::Result<Secret>> + Send + '_>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move { Ok(Secret::new(self.token.clone())) })
    }
}

#[tokio::test]
async fn a_provider_token_with_header_breaking_characters_fails_the_call_without_sending_it() {
    let emulator = start(quick()).await;
    let provider = Arc::new(CountingProvider {
        token: "tok\r\nX-Injected: 1".into(),
        calls: AtomicUsize::new(0),
    });
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.credential = Credential::AccessTokenProvider(provider);
    let client = Client::new(config).unwrap();
    let error = client.list_sessions().await.expect_err("the token is refused");
    assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
    assert_eq!(emulator.request_count("sessions.list"), 0);
}

fn jwt(claims: serde_json::Value) -> String {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    format!(
        "{}.{}.sig",
        b64(br#"{"alg":"none"}"#),
        b64(claims.to_string().as_bytes())
    )
}

#[tokio::test]
async fn token_expiry_follows_the_tokens_lifetime_not_a_device_clock_that_is_five_minutes_fast() {
    // The issuer's clock is 5 minutes behind ours: the token was issued "5 minutes ago" by our clock and
    // lives 8 minutes, so by our wall clock only 3 remain, inside the 5-minute refresh margin. Its real
    // remaining life is 8 minutes: one token must serve every call.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let issued = now - 300;
    let provider = Arc::new(CountingProvider {
        token: jwt(serde_json::json!({"iat": issued, "nbf": issued, "exp": issued + 480})),
        calls: AtomicUsize::new(0),
    });
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.credential = Credential::AccessTokenProvider(provider.clone());
    let client = Client::new(config).unwrap();
    for _ in 0..5 {
        client.access_token().await.unwrap();
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 1, "one token served every call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn during_an_sts_outage_concurrent_callers_share_one_retry_cycle() {
    let emulator = start(quick()).await;
    emulator.inject(fault(
        "sts.token",
        FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        1000,
    ));
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.retry = RetryPolicy::new(2, Duration::from_millis(100), Duration::from_millis(200));
    let client = Client::new(config).unwrap();
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_sessions().await })
        })
        .collect();
    for call in calls {
        let error = call.await.unwrap().expect_err("the STS is down");
        assert_eq!(error.kind(), ErrorKind::Service, "{error}");
    }
    assert_eq!(
        emulator.request_count("sts.token"),
        3,
        "one exchange (1 + 2 retries) served the five waiting callers"
    );
    assert_eq!(emulator.request_count("sessions.list"), 0);
}

#[tokio::test]
async fn a_wait_rides_out_requests_that_time_out() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.request_timeout = Duration::from_millis(300);
    config.retry.max_retries = 0;
    let client = Client::new(config).unwrap();
    let id = client.create_session(&standard(10)).await.unwrap().into_value().id;
    emulator.inject(fault("sessions.get", FaultKind::Delay { millis: 1000 }, 2));
    let ready = client
        .wait_until_ready(&id, &WaitOptions::with_timeout(Duration::from_secs(30)))
        .await
        .expect("two slow polls do not end the wait")
        .into_value();
    assert!(ready.status.is_ready());
    client.stop_session(&id).await.unwrap().into_value();
}

#[tokio::test]
async fn a_wait_ends_with_timeout_only_through_its_own_deadline() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::from_secs(3600),
        ..quick()
    })
    .await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.request_timeout = Duration::from_millis(200);
    config.retry.max_retries = 0;
    let client = Client::new(config).unwrap();
    let id = client.create_session(&standard(10)).await.unwrap().into_value().id;
    emulator.inject(fault("sessions.get", FaultKind::Delay { millis: 1000 }, 100));
    let error = client
        .wait_until_ready(&id, &WaitOptions::with_timeout(Duration::from_millis(1500)))
        .await
        .expect_err("never Ready");
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.is_wait_timeout(), "the wait's own deadline: {error}");
    client.stop_session(&id).await.unwrap().into_value();
}

#[tokio::test]
async fn a_retried_create_answered_409_finds_the_session_its_first_attempt_made() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    // The first attempt is carried out but its answer is lost; the retry is refused with 409.
    emulator.inject(fault("sessions.create", FaultKind::DropAfterProcessing, 1));
    emulator.inject(fault(
        "sessions.create",
        FaultKind::Status {
            status: 409,
            retry_after: None,
        },
        1,
    ));
    let id = unique_id("retried");
    let created = client
        .create_session(&standard(10).with_id(&id))
        .await
        .expect("the session the first attempt made is ours")
        .into_value();
    assert_eq!(created.id, id);
    assert_eq!(client.owned_sessions(), vec![id.clone()]);
    assert_eq!(live_sessions(&emulator), vec![id.clone()]);
    client.stop_session(&id).await.unwrap().into_value();
}

#[tokio::test]
async fn a_409_for_a_session_with_other_settings_is_a_conflict_and_not_owned() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = unique_id("taken");
    let other = client_for(&emulator, ApiVersion::V2021_01_01);
    other
        .create_session(&{
            let mut options = standard(30).with_id(&id);
            options.owned = false;
            options
        })
        .await
        .unwrap()
        .into_value();
    let error = client
        .create_session(&standard(10).with_id(&id))
        .await
        .expect_err("another session has the id");
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert!(client.owned_sessions().is_empty(), "not ours to stop");
    other.stop_session(&id).await.unwrap().into_value();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_with_a_create_still_at_the_service_stops_the_session_once_it_lands() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.stop_owned_sessions_on_close = true;
    config.close_timeout = Duration::from_secs(5);
    let client = Client::new(config).unwrap();
    // The service holds the create 2 s before carrying it out.
    emulator.inject(fault("sessions.create", FaultKind::Delay { millis: 2000 }, 1));
    let creating = {
        let client = client.clone();
        tokio::spawn(async move { client.create_session(&standard(10)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let outcomes = client.close().await;
    assert_eq!(outcomes.len(), 1, "the create in flight was waited for: {outcomes:?}");
    assert!(outcomes[0].1.is_ok(), "{outcomes:?}");
    let _ = creating.await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(live_sessions(&emulator).is_empty(), "no session left running");
    let error = client.list_sessions().await.expect_err("closed");
    assert_eq!(error.kind(), ErrorKind::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_cancels_a_wait_in_flight() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::from_secs(3600),
        ..quick()
    })
    .await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.stop_owned_sessions_on_close = true;
    let client = Client::new(config).unwrap();
    let id = client.create_session(&standard(10)).await.unwrap().into_value().id;
    let waiting = {
        let client = client.clone();
        tokio::spawn(async move { client.wait_until_ready(&id, &WaitOptions::default()).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.close().await;
    let error = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the wait ended")
        .unwrap()
        .expect_err("cancelled");
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert!(live_sessions(&emulator).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_is_bounded_by_its_timeout_when_the_service_stalls_a_stop() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.stop_owned_sessions_on_close = true;
    config.close_timeout = Duration::from_millis(800);
    let client = Client::new(config).unwrap();
    client.create_session(&standard(10)).await.unwrap().into_value();
    emulator.inject(fault("sessions.stop", FaultKind::Delay { millis: 20_000 }, 10));
    let outcomes = tokio::time::timeout(Duration::from_secs(10), client.close())
        .await
        .expect("close is bounded by close_timeout");
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].1.as_ref().unwrap_err().kind(), ErrorKind::Timeout);
}
