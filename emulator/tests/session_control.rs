//! Sessions that fail (control hook, random and scripted faults, capacity), time control (per-session
//! expiry, clock advance) and reported-value overrides (open enums), through HTTP and the Rust handle.

mod common;

use std::time::Duration;

use arr_emulator::{
    ControlError, EmulatorConfig, FaultKind, ScriptedFault, CAPACITY_CODE, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY,
    SESSION_ERROR_CODE,
};
use common::*;
use serde_json::{json, Value};

const BODY: &str = r#"{"maxLeaseTimeMinutes":30,"size":"Standard"}"#;

async fn hook(client: &reqwest::Client, base: &str, path: &str, body: Value) -> (u16, Value) {
    let resp = client
        .post(format!("{base}/_emulator/{path}"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, json_of(resp).await)
}

fn v1_url(emu: &arr_emulator::Emulator, rest: &str) -> String {
    format!("{}/v1/accounts/{DEV_ACCOUNT_ID}/sessions{rest}", emu.base_url())
}

#[tokio::test]
async fn the_fail_hook_ends_a_ready_session_in_error_for_both_apis() {
    let emu = start(fast_config()).await;
    let client = client();
    let base = emu.base_url();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "f1", BODY).await.0, 201);
    assert_eq!(get_session(&emu, &client, &token, "f1").await["status"], "Ready");

    let (status, body) = hook(
        &client,
        &base,
        "sessions/f1/fail",
        json!({"code": "VmLost", "message": "The VM went away."}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "Error");

    let s = get_session(&emu, &client, &token, "f1").await;
    assert_eq!(s["status"], "Error");
    assert_eq!(s["error"], json!({"code": "VmLost", "message": "The VM went away."}));
    assert!(s.get("hostname").is_none(), "no connection details once failed: {s}");
    assert_eq!(s["teraflops"], 8.1, "the VM had been handed out");

    // v1 shows the message.
    let v1 = json_of(
        client
            .get(v1_url(&emu, "/f1/properties"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v1["sessionStatus"], "Error");
    assert_eq!(v1["message"], "The VM went away.");

    // Terminal: not listed, not updatable, stop changes nothing, a second fail is refused.
    let list = json_of(client.get(list_url(&emu)).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(list["sessions"], json!([]));
    let resp = patch_session(&emu, &client, &token, "f1", r#"{"maxLeaseTimeMinutes":60}"#).await;
    assert_eq!(resp.status(), 422);
    let resp = client
        .post(stop_url(&emu, "f1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(get_session(&emu, &client, &token, "f1").await["status"], "Error");
    let (status, body) = hook(&client, &base, "sessions/f1/fail", json!({})).await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = hook(&client, &base, "sessions/nope/fail", json!({})).await;
    assert_eq!(status, 404);

    // The snapshot carries the error too.
    let snap = emu.sessions().into_iter().find(|s| s.id == "f1").unwrap();
    assert_eq!(
        (snap.status.as_str(), snap.error_code.as_deref()),
        ("Error", Some("VmLost"))
    );
}

#[tokio::test]
async fn the_fail_hook_defaults_and_the_rust_handle() {
    let emu = start(EmulatorConfig {
        start_delay: Duration::from_secs(600),
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "f2", BODY).await.0, 201);
    assert_eq!(create(&emu, &client, &token, "f3", BODY).await.0, 201);
    // Starting -> Error: never ready, so no teraflops.
    let (status, body) = hook(&client, &emu.base_url(), "sessions/f2/fail", json!(null)).await;
    assert_eq!(status, 400, "a body that is not an object: {body}");
    let resp = client
        .post(format!("{}/_emulator/sessions/f2/fail", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "an empty body takes the defaults");
    let s = get_session(&emu, &client, &token, "f2").await;
    assert_eq!(s["status"], "Error");
    assert_eq!(s["error"]["code"], arr_emulator::FAIL_CODE);
    assert_eq!(s["error"]["message"], arr_emulator::FAIL_MESSAGE);
    assert!(s.get("teraflops").is_none());

    let snap = emu.fail_session("f3", "Custom", "custom message").unwrap();
    assert_eq!(snap.status, "Error");
    assert_eq!(snap.error_message.as_deref(), Some("custom message"));
    assert!(matches!(
        emu.fail_session("f3", "x", "y"),
        Err(ControlError::Ended { .. })
    ));
    assert!(matches!(
        emu.fail_session("missing", "x", "y"),
        Err(ControlError::NotFound(_))
    ));
}

#[tokio::test]
async fn random_session_errors_fail_new_sessions_at_their_ready_time() {
    let emu = start(EmulatorConfig {
        start_delay: Duration::from_millis(300),
        faults: "sessionError=1".parse().unwrap(),
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    let (status, body) = create(&emu, &client, &token, "r1", BODY).await;
    assert_eq!(status, 201, "the create itself succeeds");
    assert_eq!(body.unwrap()["status"], "Starting");
    let resp = client
        .post(v1_url(&emu, "/create"))
        .bearer_auth(&token)
        .body("{'maxLeaseTime': '1:0:0', 'size': 'premium'}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let v1_id = json_of(resp).await["sessionId"].as_str().unwrap().to_string();
    // Poll (bounded) until both have ended.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let s = get_session(&emu, &client, &token, "r1").await;
        if s["status"] != "Starting" {
            assert_eq!(s["status"], "Error");
            assert_eq!(s["error"]["code"], SESSION_ERROR_CODE);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never left Starting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let v1 = json_of(
        client
            .get(v1_url(&emu, &format!("/{v1_id}/properties")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v1["sessionStatus"], "Error");
    assert_eq!(v1["message"], arr_emulator::SESSION_ERROR_MESSAGE);
    // A retried create of the same session does not roll again: still the same (failed) session.
    assert_eq!(create(&emu, &client, &token, "r1", BODY).await.0, 409);
}

#[tokio::test]
async fn a_scripted_session_error_fails_exactly_the_next_create() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    emu.inject(ScriptedFault {
        route: Some("sessions.create".into()),
        kind: FaultKind::SessionError {
            code: Some("NoGpu".into()),
            message: None,
        },
        times: 1,
    });
    // The create answers Starting, as every create does; the failure shows from the next read on.
    let (status, body) = create(&emu, &client, &token, "s1", BODY).await;
    assert_eq!(status, 201);
    assert_eq!(body.unwrap()["status"], "Starting");
    let body = get_session(&emu, &client, &token, "s1").await;
    assert_eq!(body["status"], "Error");
    assert_eq!(body["error"]["code"], "NoGpu");
    assert_eq!(create(&emu, &client, &token, "s2", BODY).await.0, 201);
    assert_eq!(get_session(&emu, &client, &token, "s2").await["status"], "Ready");
}

#[tokio::test]
async fn capacity_beyond_max_active_sessions_ends_in_error() {
    let emu = start(EmulatorConfig {
        max_active_sessions: Some(2),
        accounts: vec![
            (DEV_ACCOUNT_ID.to_string(), DEV_ACCOUNT_KEY.to_string()),
            ("other".to_string(), "b3RoZXI=".to_string()),
        ],
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "c1", BODY).await.0, 201);
    assert_eq!(create(&emu, &client, &token, "c2", BODY).await.0, 201);
    assert_eq!(create(&emu, &client, &token, "c3", BODY).await.0, 201);
    let body = get_session(&emu, &client, &token, "c3").await;
    assert_eq!(body["status"], "Error");
    assert_eq!(body["error"]["code"], CAPACITY_CODE);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("--max-active-sessions 2"), "{message}");
    // Failed sessions do not take capacity; stopping one frees a slot.
    let resp = client
        .post(stop_url(&emu, "c1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(create(&emu, &client, &token, "c4", BODY).await.0, 201);
    assert_eq!(get_session(&emu, &client, &token, "c4").await["status"], "Ready");
    // The limit is per account.
    let other = client
        .get(format!("{}/Accounts/other/token", emu.base_url()))
        .bearer_auth("other:b3RoZXI=")
        .send()
        .await
        .unwrap();
    let other_token = json_of(other).await["AccessToken"].as_str().unwrap().to_string();
    let resp = client
        .put(format!("{}/accounts/other/sessions/o1?{API}", emu.base_url()))
        .bearer_auth(&other_token)
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let resp = client
        .get(format!("{}/accounts/other/sessions/o1?{API}", emu.base_url()))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(resp).await["status"], "Ready");
}

#[tokio::test]
async fn expire_ends_one_session_with_its_full_lease_elapsed() {
    let emu = start(fast_config()).await;
    let client = client();
    let base = emu.base_url();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "e1", BODY).await.0, 201);
    assert_eq!(create(&emu, &client, &token, "e2", BODY).await.0, 201);
    let (status, body) = hook(&client, &base, "sessions/e1/expire", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let s = get_session(&emu, &client, &token, "e1").await;
    assert_eq!(s["status"], "Expired");
    assert_eq!(s["elapsedTimeMinutes"], 30);
    assert_eq!(get_session(&emu, &client, &token, "e2").await["status"], "Ready");
    let resp = patch_session(&emu, &client, &token, "e1", r#"{"maxLeaseTimeMinutes":60}"#).await;
    assert_eq!(resp.status(), 422);
    let (status, _) = hook(&client, &base, "sessions/e1/expire", json!({})).await;
    assert_eq!(status, 409);
    // Through the Rust handle, and for a session still Starting.
    let slow = start(EmulatorConfig {
        start_delay: Duration::from_secs(600),
        ..fast_config()
    })
    .await;
    let token = common::token(&slow, &client).await;
    assert_eq!(create(&slow, &client, &token, "e3", BODY).await.0, 201);
    let snap = slow.expire_session("e3").unwrap();
    assert_eq!((snap.status.as_str(), snap.elapsed_time_minutes), ("Expired", 30));
}

#[tokio::test]
async fn advancing_the_clock_moves_leases_and_start_times() {
    let emu = start(EmulatorConfig {
        start_delay: Duration::from_secs(120),
        ..fast_config()
    })
    .await;
    let client = client();
    let base = emu.base_url();
    let token = token(&emu, &client).await;
    assert_eq!(
        create(
            &emu,
            &client,
            &token,
            "t1",
            r#"{"maxLeaseTimeMinutes":10,"size":"Standard"}"#
        )
        .await
        .0,
        201
    );
    assert_eq!(get_session(&emu, &client, &token, "t1").await["status"], "Starting");
    // Two emulated minutes take it past its (2-minute) start delay, to Ready with 0 elapsed.
    let (status, body) = hook(&client, &base, "clock/advance", json!({"minutes": 2})).await;
    assert_eq!(status, 200);
    assert_eq!(body["advancedMinutes"], 2.0);
    let s = get_session(&emu, &client, &token, "t1").await;
    assert_eq!(
        (s["status"].as_str(), s["elapsedTimeMinutes"].as_u64()),
        (Some("Ready"), Some(0))
    );
    // Four more: four minutes of the lease used.
    emu.advance_clock(4.0).unwrap();
    let s = get_session(&emu, &client, &token, "t1").await;
    assert_eq!(
        (s["status"].as_str(), s["elapsedTimeMinutes"].as_u64()),
        (Some("Ready"), Some(4))
    );
    // A lease extension is honoured against emulated time.
    let resp = patch_session(&emu, &client, &token, "t1", r#"{"maxLeaseTimeMinutes":12}"#).await;
    assert_eq!(resp.status(), 200);
    emu.advance_clock(7.0).unwrap();
    let s = get_session(&emu, &client, &token, "t1").await;
    assert_eq!(
        (s["status"].as_str(), s["elapsedTimeMinutes"].as_u64()),
        (Some("Ready"), Some(11))
    );
    emu.advance_clock(1.0).unwrap();
    let s = get_session(&emu, &client, &token, "t1").await;
    assert_eq!(
        (s["status"].as_str(), s["elapsedTimeMinutes"].as_u64()),
        (Some("Expired"), Some(12))
    );
    // v1 sees the same emulated time.
    let clock = json_of(client.get(format!("{base}/_emulator/clock")).send().await.unwrap()).await;
    assert_eq!(clock["advancedMinutes"], 14.0);
    let (status, _) = hook(&client, &base, "clock/advance", json!({"minutes": -1})).await;
    assert_eq!(status, 400, "time never goes back");
    let (status, _) = hook(&client, &base, "clock/advance", json!({})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn clock_advance_respects_the_time_scale() {
    let emu = start(EmulatorConfig {
        time_scale: 60.0,
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "ts", BODY).await.0, 201);
    emu.advance_clock(29.0).unwrap();
    let s = get_session(&emu, &client, &token, "ts").await;
    assert_eq!(s["status"], "Ready");
    assert!(s["elapsedTimeMinutes"].as_u64().unwrap() >= 29);
    emu.advance_clock(1.0).unwrap();
    assert_eq!(get_session(&emu, &client, &token, "ts").await["status"], "Expired");
}

#[tokio::test]
async fn reported_size_and_status_can_be_any_string() {
    let emu = start(fast_config()).await;
    let client = client();
    let base = emu.base_url();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "o1", BODY).await.0, 201);
    let (status, body) = hook(
        &client,
        &base,
        "sessions/o1/set-field",
        json!({"field": "size", "value": "Tiny"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["size"], "Tiny");
    let (status, _) = hook(
        &client,
        &base,
        "sessions/o1/set-field",
        json!({"status": "Hibernating"}),
    )
    .await;
    assert_eq!(status, 200);
    let s = get_session(&emu, &client, &token, "o1").await;
    assert_eq!(
        (s["size"].as_str(), s["status"].as_str()),
        (Some("Tiny"), Some("Hibernating"))
    );
    // Behaviour follows the real status: it is still listed (Ready underneath) and still has its hostname.
    assert!(s["hostname"].is_string());
    let list = json_of(client.get(list_url(&emu)).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(list["sessions"][0]["status"], "Hibernating");
    let v1 = json_of(
        client
            .get(v1_url(&emu, "/o1/properties"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (v1["sessionSize"].as_str(), v1["sessionStatus"].as_str()),
        (Some("Tiny"), Some("Hibernating"))
    );
    // null restores; unknown fields and non-strings are refused.
    emu.set_session_field("o1", "status", None).unwrap();
    assert_eq!(get_session(&emu, &client, &token, "o1").await["status"], "Ready");
    assert!(matches!(
        emu.set_session_field("o1", "hostname", Some("x")),
        Err(ControlError::Invalid(_))
    ));
    let (status, _) = hook(&client, &base, "sessions/o1/set-field", json!({"size": 5})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_id_in_several_accounts_needs_the_account_parameter() {
    let emu = start(EmulatorConfig {
        accounts: vec![
            (DEV_ACCOUNT_ID.to_string(), DEV_ACCOUNT_KEY.to_string()),
            ("other".to_string(), "b3RoZXI=".to_string()),
        ],
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "dup", BODY).await.0, 201);
    let resp = client
        .get(format!("{}/Accounts/other/token", emu.base_url()))
        .bearer_auth("other:b3RoZXI=")
        .send()
        .await
        .unwrap();
    let other_token = json_of(resp).await["AccessToken"].as_str().unwrap().to_string();
    let resp = client
        .put(format!("{}/accounts/other/sessions/dup?{API}", emu.base_url()))
        .bearer_auth(&other_token)
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let (status, _) = hook(&client, &emu.base_url(), "sessions/dup/expire", json!({})).await;
    assert_eq!(status, 409);
    let (status, _) = hook(&client, &emu.base_url(), "sessions/dup/expire?account=other", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(get_session(&emu, &client, &token, "dup").await["status"], "Ready");
}
