//! Smaller fidelity points: lenient request bodies, percent-decoded path segments, the body limit.

mod common;

use arr_emulator::{EmulatorConfig, DEV_ACCOUNT_ID};
use common::*;

#[tokio::test]
async fn single_quoted_bodies_with_unknown_fields_are_accepted_by_both_apis() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let (status, body) = create(
        &emu,
        &client,
        &token,
        "quoted",
        "{ 'maxLeaseTimeMinutes': 30, 'size': 'standard', 'models': [], 'directConnectionSession': 'false' }",
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body.unwrap()["size"], "Standard");
    let resp = patch_session(&emu, &client, &token, "quoted", "{maxLeaseTimeMinutes: 31,}").await;
    assert_eq!(resp.status(), 200);

    let resp = client
        .post(format!(
            "{}/v1/accounts/{DEV_ACCOUNT_ID}/sessions/create/",
            emu.base_url()
        ))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{ 'maxLeaseTime': '4:0:0', 'models': [], 'size': 'standard', 'directConnectionSession': 'false' }")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    // Still strict about what is not JSON at all.
    let (status, body) = create(&emu, &client, &token, "broken", "{ 'maxLeaseTimeMinutes': 30, ").await;
    assert_eq!(status, 400);
    assert_eq!(body.unwrap()["error"]["code"], "BadRequest");
}

#[tokio::test]
async fn path_segments_are_percent_decoded() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let body = r#"{"maxLeaseTimeMinutes":30,"size":"Standard"}"#;
    let resp = client
        .put(format!(
            "{}/accounts/{DEV_ACCOUNT_ID}/sessions/enc%2Dded%5F1?{API}",
            emu.base_url()
        ))
        .bearer_auth(&token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(json_of(resp).await["id"], "enc-ded_1");
    assert_eq!(get_session(&emu, &client, &token, "enc-ded_1").await["id"], "enc-ded_1");
    // An encoded slash stays inside the segment, which makes an invalid id rather than another route.
    let resp = client
        .put(format!(
            "{}/accounts/{DEV_ACCOUNT_ID}/sessions/a%2Fb?{API}",
            emu.base_url()
        ))
        .bearer_auth(&token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn an_oversized_body_answers_413_in_each_apis_error_shape() {
    let emu = start(EmulatorConfig {
        max_body_bytes: 1000,
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    let big = format!(
        r#"{{"maxLeaseTimeMinutes":30,"size":"Standard","pad":"{}"}}"#,
        "x".repeat(2000)
    );
    let (status, body) = create(&emu, &client, &token, "big", &big).await;
    assert_eq!(status, 413);
    let body = body.unwrap();
    assert_eq!(body["error"]["code"], "PayloadTooLarge");
    assert!(body["error"]["message"].as_str().unwrap().contains("1000 bytes"));
    let resp = client
        .post(format!(
            "{}/v1/accounts/{DEV_ACCOUNT_ID}/sessions/create",
            emu.base_url()
        ))
        .bearer_auth(&token)
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert!(json_of(resp).await["error"].as_str().unwrap().contains("1000 bytes"));
    assert!(emu.sessions().is_empty());
    // Just under the limit is fine.
    let (status, _) = create(
        &emu,
        &client,
        &token,
        "small",
        r#"{"maxLeaseTimeMinutes":30,"size":"Standard"}"#,
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn a_body_cut_off_by_a_disconnect_is_not_carried_out() {
    use tokio::io::AsyncWriteExt;
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let host = emu.base_url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let partial = format!(
        "PUT /accounts/{DEV_ACCOUNT_ID}/sessions/cut?{API} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"maxLeaseTimeMinutes\":30,"
    );
    stream.write_all(partial.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    drop(stream);
    // The request is logged once the emulator noticed; the bound only guards against a hang.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !emu.request_log().iter().any(|l| l.contains("/sessions/cut dropped")) {
        assert!(std::time::Instant::now() < deadline, "{:?}", emu.request_log());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(emu.sessions().is_empty());
}
