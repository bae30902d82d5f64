//! The `/_emulator/*` control surface and the request log.

mod common;

use arr_emulator::{DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use common::*;
use serde_json::json;

#[tokio::test]
async fn control_endpoints_steer_the_emulator() {
    let emu = start(fast_config()).await;
    let client = client();
    let base = emu.base_url();
    let token = token(&emu, &client).await;
    assert_eq!(
        create(
            &emu,
            &client,
            &token,
            "c1",
            r#"{"maxLeaseTimeMinutes":5,"size":"Standard"}"#
        )
        .await
        .0,
        201
    );

    // Counts: camelCase JSON object of route -> n; control calls themselves are not counted.
    let counts = json_of(client.get(format!("{base}/_emulator/counts")).send().await.unwrap()).await;
    assert_eq!(counts, json!({"sessions.create": 1, "sts.token": 1}));

    // Sessions snapshot.
    let sessions = json_of(client.get(format!("{base}/_emulator/sessions")).send().await.unwrap()).await;
    assert_eq!(
        sessions,
        json!([{"accountId": DEV_ACCOUNT_ID, "id": "c1", "status": "Ready", "size": "Standard", "maxLeaseTimeMinutes": 5, "elapsedTimeMinutes": 0}])
    );

    // Faults, in the documented JSON shape.
    let resp = client
        .post(format!("{base}/_emulator/faults"))
        .body(r#"{"route":"sessions.get","kind":{"kind":"status","status":503,"retryAfter":null},"times":2}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    for expected in [503, 503, 200] {
        let resp = client
            .get(session_url(&emu, "c1"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), expected);
    }
    let resp = client
        .post(format!("{base}/_emulator/faults"))
        .body(r#"{"kind":"nope"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    // Revocation.
    let resp = client
        .post(format!("{base}/_emulator/revoke-tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        client
            .get(session_url(&emu, "c1"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // Health and log, wrong methods, unknown control paths.
    assert_eq!(
        client
            .get(format!("{base}/_emulator/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let log = json_of(client.get(format!("{base}/_emulator/log")).send().await.unwrap()).await;
    assert!(log.as_array().unwrap().len() >= 5);
    assert_eq!(
        client
            .post(format!("{base}/_emulator/counts"))
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    assert_eq!(
        client
            .get(format!("{base}/_emulator/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    assert_eq!(emu.request_count("sessions.get"), 4);
    assert!(
        !emu.request_counts().contains_key("unknown"),
        "control paths are not counted"
    );
}

#[tokio::test]
async fn request_log_never_contains_credentials() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    assert_eq!(
        create(
            &emu,
            &client,
            &token,
            "logged",
            r#"{"maxLeaseTimeMinutes":5,"size":"Standard"}"#
        )
        .await
        .0,
        201
    );
    let _ = client
        .get(list_url(&emu))
        .bearer_auth("forged.token.value")
        .send()
        .await
        .unwrap();
    let log = emu.request_log();
    assert_eq!(log.len(), 3);
    assert!(
        log[1].starts_with(&format!("PUT /accounts/{DEV_ACCOUNT_ID}/sessions/logged 201 ")),
        "{}",
        log[1]
    );
    assert!(log[1].contains("ms ms-cv="), "{}", log[1]);
    assert!(log[2].contains(" 401 "), "{}", log[2]);
    let everything = log.join("\n");
    for secret in [
        token.as_str(),
        DEV_ACCOUNT_KEY,
        "forged.token.value",
        "Bearer",
        "authorization",
    ] {
        assert!(
            !everything.to_lowercase().contains(&secret.to_lowercase()),
            "log leaks {secret}"
        );
    }
}

#[tokio::test]
async fn blocking_calls_on_a_current_thread_runtime_do_not_deadlock() {
    // The emulator has its own runtime, so a blocking client (like the C ABI's) on the test's only
    // thread still gets answers.
    use std::io::{Read, Write};
    let emu = start(fast_config()).await;
    let addr = emu.base_url().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET /_emulator/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}
