//! Legacy v1 session API.

mod common;

use std::time::Duration;

use arr_emulator::{EmulatorConfig, DEV_ACCOUNT_ID};
use common::*;
use serde_json::{json, Value};

fn v1(emu: &arr_emulator::Emulator, rest: &str) -> String {
    format!("{}/v1/accounts/{DEV_ACCOUNT_ID}/sessions{rest}", emu.base_url())
}

#[tokio::test]
async fn v1_lifecycle() {
    let emu = start(EmulatorConfig {
        start_delay: Duration::from_millis(300),
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;

    // Create (PowerShell's trailing slash form): 202 with a server-chosen GUID and a relative Location.
    let resp = client
        .post(v1(&emu, "/create/"))
        .bearer_auth(&token)
        .body(r#"{"size":"Standard","maxLeaseTime":"4:0:0","models":[],"directConnectionSession":"false"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    assert_eq!(header(&resp, "content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(header(&resp, "api-supported-versions"), None);
    assert_eq!(
        header(&resp, "x-content-type-options"),
        None,
        "the 2019 v1 service sent none"
    );
    let location = header(&resp, "location").unwrap().to_string();
    let sid = json_of(resp).await["sessionId"].as_str().unwrap().to_string();
    assert_eq!(sid.len(), 36);
    assert_eq!(location, format!("accounts/{DEV_ACCOUNT_ID}/sessions/{sid}"));

    // Properties while Starting: hostname/ports null.
    let props = json_of(
        client
            .get(v1(&emu, &format!("/{sid}/properties")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(props["sessionStatus"], "Starting");
    assert_eq!(props["sessionHostname"], Value::Null);
    assert_eq!(props["handshakePort"], Value::Null);
    assert_eq!(props["message"], Value::Null);
    assert_eq!(props["sessionMaxLeaseTime"], "04:00:00");
    assert_eq!(props["sessionElapsedTime"], "00:00:00");

    tokio::time::sleep(Duration::from_millis(1400)).await;
    let resp = client
        .get(v1(&emu, &format!("/{sid}/properties/")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let props = json_of(resp).await;
    assert_eq!(props["sessionStatus"], "Ready");
    assert_eq!(props["sessionId"], sid);
    assert_eq!(props["sessionSize"], "Standard");
    assert_eq!(props["teraflops"], 8.1);
    let elapsed = props["sessionElapsedTime"].as_str().unwrap();
    assert!(elapsed.starts_with("00:00:0") && elapsed != "00:00:00", "{elapsed}");
    assert!(props["sessionHostname"]
        .as_str()
        .unwrap()
        .contains(".mixedreality.azure.com"));
    assert!(props["handshakePort"].as_u64().unwrap() >= 49152);

    // Update: 200 with an empty body; the lease is absolute and must grow.
    let resp = client
        .patch(v1(&emu, &format!("/{sid}")))
        .bearer_auth(&token)
        .body(r#"{"maxLeaseTime":"1.00:00:00"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-length"), Some("0"));
    assert!(resp.bytes().await.unwrap().is_empty());
    let props = json_of(
        client
            .get(v1(&emu, &format!("/{sid}/properties")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(props["sessionMaxLeaseTime"], "1.00:00:00");
    let resp = client
        .patch(v1(&emu, &format!("/{sid}")))
        .bearer_auth(&token)
        .body(r#"{"maxLeaseTime":"5:0:0"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(json_of(resp).await["error"].as_str().unwrap().contains("larger"));

    // The same store backs both APIs.
    let current = get_session(&emu, &client, &token, &sid).await;
    assert_eq!(current["maxLeaseTimeMinutes"], 1440);

    // List (with and without trailing slash).
    for suffix in ["", "/"] {
        let list = json_of(client.get(v1(&emu, suffix)).bearer_auth(&token).send().await.unwrap()).await;
        assert_eq!(list["sessions"].as_array().unwrap().len(), 1);
        assert_eq!(list["sessions"][0]["sessionId"], sid);
    }

    // Delete: 204, then gone from the list but still retrievable as Stopped.
    let resp = client
        .delete(v1(&emu, &format!("/{sid}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let list = json_of(client.get(v1(&emu, "")).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(list, json!({"sessions": []}));
    let props = json_of(
        client
            .get(v1(&emu, &format!("/{sid}/properties")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(props["sessionStatus"], "Stopped");

    // Unknown ids: 404.
    let unknown = "00000000-0000-0000-0000-000000000000";
    assert_eq!(
        client
            .get(v1(&emu, &format!("/{unknown}/properties")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client
            .delete(v1(&emu, &format!("/{unknown}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    for route in [
        "v1.sessions.create",
        "v1.sessions.list",
        "v1.sessions.update",
        "v1.sessions.properties",
        "v1.sessions.stop",
    ] {
        assert!(emu.request_count(route) > 0, "{route}");
    }
}

#[tokio::test]
async fn v1_validation_and_auth() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let cases = [
        (r#"{"size":"Standard"}"#, "maxLeaseTime"),
        (r#"{"maxLeaseTime":"4:0:0"}"#, "size"),
        (
            r#"{"size":"Tiny","maxLeaseTime":"4:0:0"}"#,
            "Can't specify this VM size: Tiny",
        ),
        (r#"{"size":"Standard","maxLeaseTime":"-1:0:0"}"#, "cannot be negative"),
        (r#"{"size":"Standard","maxLeaseTime":"2.00:00:00"}"#, "at most"),
        (r#"{"size":"Standard","maxLeaseTime":"four hours"}"#, "maxLeaseTime"),
        ("nope", "size"),
    ];
    for (body, expected) in cases {
        let resp = client
            .post(v1(&emu, "/create"))
            .bearer_auth(&token)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        let error = json_of(resp).await;
        let message = error["error"]
            .as_str()
            .unwrap_or_else(|| panic!("v1 error is a string: {error}"));
        assert!(message.contains(expected), "{message:?} / {expected:?}");
    }
    assert!(emu.sessions().is_empty());
    let resp = client.get(v1(&emu, "")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    // "04:00:00" and lower-case sizes are fine.
    let resp = client
        .post(v1(&emu, "/create"))
        .bearer_auth(&token)
        .body(r#"{"size":"premium","maxLeaseTime":"04:00:00"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    assert_eq!(emu.sessions()[0].size, "Premium");
    assert_eq!(emu.sessions()[0].max_lease_time_minutes, 240);
}

/// A v1 create at a zero start delay is accepted (202, which carries only the id) while the session is
/// Starting, as the service does; the next properties read answers Ready.
#[tokio::test]
async fn v1_create_at_zero_start_delay_is_ready_at_the_next_read() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let resp = client
        .post(v1(&emu, "/create"))
        .bearer_auth(&token)
        .body(r#"{"size":"Standard","maxLeaseTime":"1:0:0"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let body = json_of(resp).await;
    assert_eq!(keys_of(&body), ["sessionId"], "{body}");
    let sid = body["sessionId"].as_str().unwrap();
    let props = json_of(
        client
            .get(v1(&emu, &format!("/{sid}/properties")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(props["sessionStatus"], "Ready", "{props}");
    assert!(props["sessionHostname"].is_string(), "{props}");
}

fn keys_of(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}
