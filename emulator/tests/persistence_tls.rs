//! State file across restarts, HTTPS with the emitted certificate, graceful shutdown.

mod common;

use std::time::Duration;

use arr_emulator::{Emulator, EmulatorConfig};
use common::*;

#[tokio::test]
async fn state_file_survives_a_restart_with_tokens() {
    let path = unique_temp_path("state.json");
    let config = EmulatorConfig {
        state_file: Some(path.clone()),
        ..fast_config()
    };
    let emu = start(config.clone()).await;
    let client = client();
    let token = token(&emu, &client).await;
    assert_eq!(
        create(
            &emu,
            &client,
            &token,
            "keep",
            r#"{"maxLeaseTimeMinutes":60,"size":"Premium"}"#
        )
        .await
        .0,
        201
    );
    assert_eq!(
        create(
            &emu,
            &client,
            &token,
            "gone",
            r#"{"maxLeaseTimeMinutes":60,"size":"Standard"}"#
        )
        .await
        .0,
        201
    );
    assert_eq!(
        client
            .post(stop_url(&emu, "gone"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    emu.shutdown().await;

    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(saved["secret"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(saved["sessions"].as_array().unwrap().len(), 2);

    let emu = start(config.clone()).await;
    let client = reqwest::Client::new(); // new port, new connections
    let body = get_session(&emu, &client, &token, "keep").await;
    assert_eq!(body["status"], "Ready", "old token still valid, session restored");
    assert_eq!(body["size"], "Premium");
    let body = get_session(&emu, &client, &token, "gone").await;
    assert_eq!(body["status"], "Stopped");
    // New sessions continue after the restored ones in list order.
    assert_eq!(
        create(
            &emu,
            &client,
            &token,
            "new",
            r#"{"maxLeaseTimeMinutes":60,"size":"Standard"}"#
        )
        .await
        .0,
        201
    );
    let ids: Vec<String> = emu.sessions().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, ["keep", "gone", "new"]);
    // Revocation persists too.
    emu.revoke_tokens();
    emu.shutdown().await;
    let emu = start(config).await;
    assert_eq!(
        client
            .get(session_url(&emu, "keep"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    emu.shutdown().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn corrupt_state_file_is_an_error() {
    let path = unique_temp_path("corrupt.json");
    std::fs::write(&path, "{not json").unwrap();
    let err = Emulator::start(EmulatorConfig {
        state_file: Some(path.clone()),
        ..fast_config()
    })
    .await
    .err()
    .unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn tls_with_the_emitted_certificate() {
    let cert_path = unique_temp_path("cert.pem");
    let emu = start(EmulatorConfig {
        tls: true,
        tls_cert_out: Some(cert_path.clone()),
        ..fast_config()
    })
    .await;
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    let pem = emu.cert_pem().unwrap();
    assert_eq!(std::fs::read_to_string(&cert_path).unwrap(), pem);
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let token = token(&emu, &client).await;
    let (status, _) = create(
        &emu,
        &client,
        &token,
        "secure",
        r#"{"maxLeaseTimeMinutes":5,"size":"Standard"}"#,
    )
    .await;
    assert_eq!(status, 201);
    // "localhost" is in the certificate too.
    let port = emu.base_url().rsplit(':').next().unwrap().to_string();
    let resp = client
        .get(format!("https://localhost:{port}/_emulator/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // An untrusting client fails the handshake.
    let plain = reqwest::Client::builder().use_rustls_tls().build().unwrap();
    assert!(plain
        .get(format!("{}/_emulator/health", emu.base_url()))
        .send()
        .await
        .is_err());
    let _ = std::fs::remove_file(&cert_path);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let emu = start(fast_config()).await;
    let url = format!("{}/_emulator/health", emu.base_url());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    emu.shutdown().await;
    assert!(client.get(&url).send().await.is_err());
}

#[test]
fn emulator_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Emulator>();
}

fn trusting(pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_generated_certificate_survives_a_restart_with_a_state_file() {
    let path = unique_temp_path("tls-state.json");
    let config = EmulatorConfig {
        tls: true,
        state_file: Some(path.clone()),
        ..fast_config()
    };
    let first = start(config.clone()).await;
    let pem = first.cert_pem().unwrap();
    // A client that trusted the first certificate...
    let client = trusting(&pem);
    let token = token(&first, &client).await;
    assert_eq!(
        create(
            &first,
            &client,
            &token,
            "tls-keep",
            r#"{"maxLeaseTimeMinutes":5,"size":"Standard"}"#
        )
        .await
        .0,
        201
    );
    first.shutdown().await;
    let second = start(config).await;
    assert_eq!(second.cert_pem().unwrap(), pem, "the same certificate is served again");
    // ...keeps working after the restart, with the same token.
    let s = get_session(&second, &client, &token, "tls-keep").await;
    assert_eq!(s["id"], "tls-keep");
    // Without a state file every start generates a new one.
    let third = start(EmulatorConfig {
        tls: true,
        ..fast_config()
    })
    .await;
    assert_ne!(third.cert_pem().unwrap(), pem);
    second.shutdown().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_given_certificate_and_key_are_served() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let cert_path = unique_temp_path("given-cert.pem");
    let key_path = unique_temp_path("given-key.pem");
    let pem = certified.cert.pem();
    std::fs::write(&cert_path, &pem).unwrap();
    std::fs::write(&key_path, certified.key_pair.serialize_pem()).unwrap();
    let emu = start(EmulatorConfig {
        tls_cert: Some(cert_path.clone()),
        tls_key: Some(key_path.clone()),
        ..fast_config()
    })
    .await;
    assert!(
        emu.base_url().starts_with("https://"),
        "a given certificate implies TLS"
    );
    assert_eq!(emu.cert_pem().unwrap(), pem);
    let client = trusting(&pem);
    let resp = client
        .get(format!("{}/_emulator/health", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A key that is not PEM is an error at start, naming what is wrong.
    std::fs::write(&key_path, "not a key").unwrap();
    let err = Emulator::start(EmulatorConfig {
        tls_cert: Some(cert_path.clone()),
        tls_key: Some(key_path.clone()),
        ..fast_config()
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("TLS private key"), "{err}");
    let err = Emulator::start(EmulatorConfig {
        tls_cert: Some(cert_path.clone()),
        ..fast_config()
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("tls_key"), "{err}");
    let _ = std::fs::remove_file(&cert_path);
    let _ = std::fs::remove_file(&key_path);
}

#[tokio::test]
async fn the_clock_offset_and_failures_survive_a_restart() {
    let path = unique_temp_path("clock-state.json");
    let config = EmulatorConfig {
        state_file: Some(path.clone()),
        ..fast_config()
    };
    let first = start(config.clone()).await;
    let client = client();
    let token = token(&first, &client).await;
    for id in ["c-a", "c-b"] {
        assert_eq!(
            create(
                &first,
                &client,
                &token,
                id,
                r#"{"maxLeaseTimeMinutes":60,"size":"Standard"}"#
            )
            .await
            .0,
            201
        );
    }
    first.advance_clock(10.0).unwrap();
    first.fail_session("c-b", "Gone", "gone").unwrap();
    first.shutdown().await;
    let second = start(config).await;
    let a = get_session(&second, &client, &token, "c-a").await;
    assert_eq!(
        (a["status"].as_str(), a["elapsedTimeMinutes"].as_u64()),
        (Some("Ready"), Some(10))
    );
    let b = get_session(&second, &client, &token, "c-b").await;
    assert_eq!(b["error"]["code"], "Gone");
    second.shutdown().await;
    let _ = std::fs::remove_file(&path);
}
