//! The Rust client against the emulator's test levers: sessions that fail into Error, time control,
//! reported values the client does not know, and AAD tokens exchanged at the STS.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arr_emulator::{EmulatorConfig, FaultKind, CAPACITY_CODE};
use arr_session::TokenProvider;
use arr_session::{ApiVersion, Client, Credential, ErrorKind, Secret, WaitOptions};
use base64::Engine;
use common::*;

fn wait_opts() -> WaitOptions {
    // Only a guard against a hang; the waits below end long before.
    WaitOptions::with_timeout(Duration::from_secs(30))
}

#[tokio::test]
async fn wait_until_ready_ends_with_session_ended_carrying_the_error_2021() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::from_secs(600),
        ..quick()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = unique_id("fails");
    let created = client
        .create_session(&standard(30).with_id(&id))
        .await
        .unwrap()
        .into_value();
    assert!(created.status.is_starting());
    let waiting = {
        let client = client.clone();
        let id = id.clone();
        tokio::spawn(async move { client.wait_until_ready(&id, &wait_opts()).await })
    };
    // The session fails while the client waits.
    tokio::time::sleep(Duration::from_millis(150)).await;
    emulator
        .fail_session(&id, "VmAllocationFailed", "No VM could be allocated.")
        .unwrap();
    let error = waiting.await.unwrap().expect_err("the session failed");
    assert_eq!(error.kind(), ErrorKind::SessionEnded, "{error}");
    let session = error.session().expect("the session as last seen");
    assert_eq!(session.status.as_str(), "Error");
    let service_error = error.service_error().expect("the session's error");
    assert_eq!(service_error.code, "VmAllocationFailed");
    assert_eq!(service_error.message, "No VM could be allocated.");
}

#[tokio::test]
async fn wait_until_ready_ends_with_session_ended_carrying_the_message_v1() {
    let emulator = start(EmulatorConfig {
        faults: "sessionError=1".parse().unwrap(),
        ..quick()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V1);
    let created = client.create_session(&standard(30)).await.unwrap().into_value();
    let error = client
        .wait_until_ready(&created.id, &wait_opts())
        .await
        .expect_err("the session fails at its Ready time");
    assert_eq!(error.kind(), ErrorKind::SessionEnded, "{error}");
    assert_eq!(error.session().unwrap().status.as_str(), "Error");
    assert_eq!(
        error.service_error().unwrap().message,
        arr_emulator::SESSION_ERROR_MESSAGE
    );
}

#[tokio::test]
async fn a_session_beyond_capacity_ends_the_wait_with_the_capacity_error() {
    let emulator = start(EmulatorConfig {
        max_active_sessions: Some(1),
        ..quick()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let first = client.create_session(&standard(30)).await.unwrap().into_value();
    client
        .wait_until_ready(&first.id, &wait_opts())
        .await
        .unwrap()
        .into_value();
    let second = client.create_session(&standard(30)).await.unwrap().into_value();
    let error = client
        .wait_until_ready(&second.id, &wait_opts())
        .await
        .expect_err("over capacity");
    assert_eq!(error.kind(), ErrorKind::SessionEnded);
    assert_eq!(error.service_error().unwrap().code, CAPACITY_CODE);
}

#[tokio::test]
async fn a_scripted_session_error_is_seen_by_the_client() {
    let emulator = start(quick()).await;
    emulator.inject(fault(
        "sessions.create",
        FaultKind::SessionError {
            code: Some("GpuLost".into()),
            message: Some("The GPU fell off the bus.".into()),
        },
        1,
    ));
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let created = client.create_session(&standard(30)).await.unwrap().into_value();
    let error = client.wait_until_ready(&created.id, &wait_opts()).await.unwrap_err();
    assert_eq!(error.service_error().unwrap().code, "GpuLost");
}

#[tokio::test]
async fn lease_logic_runs_on_emulated_time() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = unique_id("lease");
    client
        .create_session(&standard(20).with_id(&id))
        .await
        .unwrap()
        .into_value();
    client.wait_until_ready(&id, &wait_opts()).await.unwrap().into_value();
    emulator.advance_clock(15.0).unwrap();
    let s = client.get_session(&id).await.unwrap().into_value();
    assert_eq!(s.elapsed_time_minutes, Some(15));
    assert_eq!(s.remaining_lease(), Some(Duration::from_secs(5 * 60)));
    // Extending by 10 minutes keeps it alive past the original lease.
    let s = client.extend_session(&id, 10).await.unwrap().into_value();
    assert_eq!(s.max_lease_time_minutes, Some(30));
    emulator.advance_clock(10.0).unwrap();
    assert!(client.get_session(&id).await.unwrap().into_value().status.is_ready());
    emulator.advance_clock(5.0).unwrap();
    let s = client.get_session(&id).await.unwrap().into_value();
    assert_eq!(s.status.as_str(), "Expired");
    // An expired session ends a wait at once.
    let error = client.wait_until_ready(&id, &wait_opts()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::SessionEnded);
}

#[tokio::test]
async fn expire_session_ends_one_session_for_the_client() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V1);
    let a = client.create_session(&standard(60)).await.unwrap().into_value();
    let b = client.create_session(&standard(60)).await.unwrap().into_value();
    client.wait_until_ready(&a.id, &wait_opts()).await.unwrap().into_value();
    emulator.expire_session(&a.id).unwrap();
    let s = client.get_session(&a.id).await.unwrap().into_value();
    assert_eq!(s.status.as_str(), "Expired");
    assert_eq!(s.elapsed_time_minutes, Some(60));
    assert!(client.wait_until_ready(&b.id, &wait_opts()).await.is_ok());
}

#[tokio::test]
async fn unknown_sizes_and_statuses_are_decoded_and_kept() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = unique_id("open");
    client
        .create_session(&standard(30).with_id(&id))
        .await
        .unwrap()
        .into_value();
    emulator.set_session_field(&id, "size", Some("Tiny")).unwrap();
    emulator.set_session_field(&id, "status", Some("Hibernating")).unwrap();
    let s = client.get_session(&id).await.unwrap().into_value();
    assert_eq!(s.size.as_str(), "Tiny");
    assert_eq!(s.status.as_str(), "Hibernating");
    assert!(!s.status.is_terminal() && !s.status.is_ready());
    let listed = client.list_sessions().await.unwrap().into_value();
    assert!(listed.iter().any(|x| x.id == id && x.size.as_str() == "Tiny"));
}

/// An unsigned AAD access token for the Mixed Reality STS, as an Entra ID client library would return.
fn aad_token(aud: &str, lifetime_secs: i64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let claims = serde_json::json!({
        "aud": aud,
        "iss": "https://sts.windows.net/00000000-0000-0000-0000-00000000000a/",
        "tid": "00000000-0000-0000-0000-00000000000a",
        "oid": "00000000-0000-0000-0000-00000000000b",
        "iat": now - 5,
        "nbf": now - 5,
        "exp": now + lifetime_secs,
    });
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.{}",
        b64(br#"{"typ":"JWT","alg":"RS256"}"#),
        b64(claims.to_string().as_bytes()),
        b64(b"signature-not-checked")
    )
}

struct AadProvider {
    aud: String,
    calls: AtomicUsize,
}

impl TokenProvider for AadProvider {
    fn token(&self) -> Pin<Box<dyn Future<Output = arr_session::Result<Secret>> + Send + '_>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move { Ok(Secret::new(aad_token(&self.aud, 3600))) })
    }
}

fn aad_client(emulator: &arr_emulator::Emulator, api: ApiVersion, aud: &str) -> (Client, Arc<AadProvider>) {
    let provider = Arc::new(AadProvider {
        aud: aud.to_string(),
        calls: AtomicUsize::new(0),
    });
    let mut config = config_for(emulator, api);
    config.credential = Credential::AadTokenProvider(provider.clone());
    (Client::new(config).unwrap(), provider)
}

#[tokio::test]
async fn the_aad_token_provider_works_end_to_end() {
    let emulator = start(quick()).await;
    for api in [ApiVersion::V2021_01_01, ApiVersion::V1] {
        // The .NET SDK's scope `https://sts.mixedreality.azure.com//.default` yields this audience.
        let (client, provider) = aad_client(&emulator, api, "https://sts.mixedreality.azure.com/");
        let created = client.create_session(&standard(10)).await.unwrap().into_value();
        client
            .wait_until_ready(&created.id, &wait_opts())
            .await
            .unwrap()
            .into_value();
        client.stop_session(&created.id).await.unwrap().into_value();
        assert_eq!(
            provider.calls.load(Ordering::SeqCst),
            1,
            "one AAD token, exchanged once"
        );
    }
    assert_eq!(emulator.request_count("sts.token"), 2);
}

#[tokio::test]
async fn an_aad_token_for_another_resource_is_refused_by_the_sts() {
    let emulator = start(quick()).await;
    let (client, _) = aad_client(&emulator, ApiVersion::V2021_01_01, "https://management.azure.com/");
    let error = client.list_sessions().await.expect_err("wrong audience");
    assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error}");
    assert_eq!(
        emulator.request_count("sessions.list"),
        0,
        "never reached the rendering API"
    );
}
