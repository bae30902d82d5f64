//! No account key, token or Authorization value in logs (trace level), error texts or Debug output.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use arr_emulator::{FaultKind, ScriptedFault, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use arr_session::{ApiVersion, Client, ClientConfig, Credential, ProxySetting};
use common::*;

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

// A current-thread runtime keeps every task on this thread, where the capturing subscriber is installed.
#[tokio::test(flavor = "current_thread")]
async fn trace_logs_error_texts_and_debug_output_hold_no_secret() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emulator = start(quick()).await;
    let mut texts: Vec<String> = Vec::new();
    let mut tokens = Vec::new();
    for api in [ApiVersion::V2021_01_01, ApiVersion::V1] {
        let client = client_for(&emulator, api);
        texts.push(format!("{client:?} {:?}", client.config()));
        let options = if api == ApiVersion::V1 {
            standard(10)
        } else {
            standard(10).with_id(unique_id("secret"))
        };
        let id = client.create_session(&options).await.unwrap().into_value().id.clone();
        client
            .wait_until_ready(&id, &Default::default())
            .await
            .unwrap()
            .into_value();
        tokens.push(client.access_token().await.unwrap());
        // A refused token, a refresh, retried faults and error answers all pass through the logs.
        emulator.revoke_tokens();
        emulator.inject(ScriptedFault {
            route: None,
            kind: FaultKind::Status {
                status: 503,
                retry_after: None,
            },
            times: 1,
        });
        client.list_sessions().await.unwrap().into_value();
        tokens.push(client.access_token().await.unwrap());
        for err in [
            client.get_session("missing").await.unwrap_err(),
            client.update_session(&id, 5).await.unwrap_err(),
        ] {
            texts.push(format!("{err} {err:?}"));
        }
        client.stop_session(&id).await.unwrap().into_value();
    }
    let mut bad_key = config_for(&emulator, ApiVersion::V2021_01_01);
    bad_key.credential = Credential::AccountKey("wrong-secret-key".into());
    let err = Client::new(bad_key.clone()).unwrap().list_sessions().await.unwrap_err();
    texts.push(format!("{err} {err:?} {bad_key:?}"));

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("/sessions") && logs.contains("ms_cv"),
        "the logs were captured: {logs}"
    );
    let all = format!("{logs}\n{}\n{}", texts.join("\n"), emulator.request_log().join("\n"));
    let mut secrets: Vec<String> = vec![DEV_ACCOUNT_KEY.to_owned(), "wrong-secret-key".to_owned()];
    secrets.extend(tokens.iter().map(|t| t.expose().to_owned()));
    for secret in &secrets {
        assert!(!all.contains(secret.as_str()), "a secret leaked");
        // A JWT's signature alone would be enough to misuse it.
        if let Some(signature) = secret.rsplit('.').next().filter(|s| s.len() > 16) {
            assert!(!all.contains(signature), "a token signature leaked");
        }
    }
    assert!(
        !all.to_ascii_lowercase().contains("bearer "),
        "an Authorization value leaked"
    );
}

#[test]
fn a_proxy_password_appears_in_no_debug_output_or_error() {
    let mut config = ClientConfig::new(
        "http://127.0.0.1:9",
        DEV_ACCOUNT_ID,
        Credential::AccessToken("token".into()),
    );
    config.proxy = ProxySetting::Url("http://alice:proxy-s3cret@127.0.0.1:3128".into());
    let text = format!("{config:?}");
    assert!(!text.contains("proxy-s3cret") && !text.contains("alice"), "{text}");
    assert!(text.contains("127.0.0.1:3128"), "the proxy is still named: {text}");
    let client = Client::new(config.clone()).unwrap();
    assert!(!format!("{client:?} {:?}", client.config()).contains("proxy-s3cret"));
    config.proxy = ProxySetting::Url("http://alice:proxy-s3cret@[::1".into());
    let text = format!("{config:?}");
    assert!(!text.contains("proxy-s3cret"), "{text}");
    let error = Client::new(config).unwrap_err();
    assert!(!format!("{error} {error:?}").contains("proxy-s3cret"), "{error:?}");
}
