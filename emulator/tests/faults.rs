//! Rate limiting and fault injection, seen from a raw HTTP client.

mod common;

use std::time::Duration;

use arr_emulator::{EmulatorConfig, FaultKind, FaultRates, ScriptedFault};
use common::*;

const BODY: &str = r#"{"maxLeaseTimeMinutes":30,"size":"Standard"}"#;

fn fault(route: &str, kind: FaultKind, times: u32) -> ScriptedFault {
    ScriptedFault {
        route: Some(route.to_string()),
        kind,
        times,
    }
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let emu = start(EmulatorConfig {
        rate_limit: Some(3),
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await; // uses one token of the bucket
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let resp = client.get(list_url(&emu)).bearer_auth(&token).send().await.unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            assert_eq!(header(&resp, "retry-after"), Some("1"));
            assert!(header(&resp, "ms-cv").is_some());
            assert!(resp.bytes().await.unwrap().is_empty());
        }
    }
    assert_eq!(statuses, [200, 200, 429, 429]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        client
            .get(list_url(&emu))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(emu.request_count("sessions.list"), 5);
}

#[tokio::test]
async fn status_faults_answer_without_processing() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    emu.inject(fault(
        "sessions.create",
        FaultKind::Status {
            status: 503,
            retry_after: Some(7),
        },
        1,
    ));
    emu.inject(fault(
        "sessions.create",
        FaultKind::Status {
            status: 500,
            retry_after: None,
        },
        1,
    ));
    emu.inject(fault(
        "sessions.create",
        FaultKind::Status {
            status: 429,
            retry_after: None,
        },
        1,
    ));

    let resp = client
        .put(session_url(&emu, "f"))
        .bearer_auth(&token)
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(header(&resp, "retry-after"), Some("7"));
    assert_common_2021_headers(&resp);
    assert_eq!(json_of(resp).await["error"]["code"], "ServiceUnavailable");

    let resp = client
        .put(session_url(&emu, "f"))
        .bearer_auth(&token)
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(json_of(resp).await["error"]["code"], "InternalServerError");

    let resp = client
        .put(session_url(&emu, "f"))
        .bearer_auth(&token)
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(header(&resp, "retry-after"), Some("1"));
    assert!(resp.bytes().await.unwrap().is_empty());

    assert!(emu.sessions().is_empty(), "faulted requests change nothing");
    let (status, _) = create(&emu, &client, &token, "f", BODY).await;
    assert_eq!(status, 201);
    assert_eq!(emu.request_count("sessions.create"), 4);
}

#[tokio::test]
async fn faults_apply_before_auth_and_only_to_their_route() {
    let emu = start(fast_config()).await;
    let client = client();
    emu.inject(fault(
        "sessions.get",
        FaultKind::Status {
            status: 503,
            retry_after: None,
        },
        1,
    ));
    emu.inject(ScriptedFault {
        route: None,
        kind: FaultKind::Status {
            status: 500,
            retry_after: None,
        },
        times: 1,
    });
    // No token at all, still the fault answers: faults come before auth.
    let resp = client.get(list_url(&emu)).send().await.unwrap();
    assert_eq!(resp.status(), 500, "the any-route fault hits the list first");
    let resp = client.get(session_url(&emu, "x")).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    let resp = client.get(session_url(&emu, "x")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn drop_before_processing_closes_the_connection_and_changes_nothing() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    emu.inject(fault("sessions.create", FaultKind::DropBeforeProcessing, 1));
    let err = client
        .put(session_url(&emu, "d"))
        .bearer_auth(&token)
        .body(BODY)
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
    assert!(emu.sessions().is_empty());
    assert!(emu.request_log().iter().any(|l| l.contains("dropped")));
}

#[tokio::test]
async fn drop_after_processing_leaves_exactly_one_session() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    emu.inject(fault("sessions.create", FaultKind::DropAfterProcessing, 1));
    let err = client
        .put(session_url(&emu, "once"))
        .bearer_auth(&token)
        .body(BODY)
        .send()
        .await;
    assert!(err.is_err(), "the response is lost");
    assert_eq!(emu.sessions().len(), 1, "but the session was created");
    // A retry is answered 200 (idempotent), and still exactly one session exists.
    let (status, body) = create(&emu, &client, &token, "once", BODY).await;
    assert_eq!(status, 200);
    assert_eq!(body.unwrap()["id"], "once");
    assert_eq!(emu.sessions().len(), 1);
    // Keep-alive still works on fresh connections after a kill.
    for _ in 0..3 {
        assert_eq!(
            client
                .get(session_url(&emu, "once"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
}

#[tokio::test]
async fn delay_triggers_client_timeouts() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    emu.inject(fault("sessions.list", FaultKind::Delay { millis: 600 }, 2));
    let err = client
        .get(list_url(&emu))
        .bearer_auth(&token)
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    let started = std::time::Instant::now();
    let resp = client.get(list_url(&emu)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(550));
}

#[tokio::test]
async fn malformed_body_is_truncated_json_after_processing() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    emu.inject(fault("sessions.create", FaultKind::MalformedBody, 1));
    let resp = client
        .put(session_url(&emu, "m"))
        .bearer_auth(&token)
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), Some("application/json; charset=utf-8"));
    let bytes = resp.bytes().await.unwrap();
    assert!(!bytes.is_empty());
    assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_err());
    assert_eq!(emu.sessions().len(), 1, "the request was processed");
}

#[tokio::test]
async fn random_fault_rates_apply() {
    let rates: FaultRates = "500=1".parse().unwrap();
    let emu = start(EmulatorConfig {
        faults: rates,
        ..fast_config()
    })
    .await;
    let client = client();
    for _ in 0..3 {
        let resp = client.get(list_url(&emu)).send().await.unwrap();
        assert_eq!(resp.status(), 500);
    }
    // Control endpoints are never faulted.
    assert_eq!(
        client
            .get(format!("{}/_emulator/counts", emu.base_url()))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Polls `emu.sessions()` until `id` exists; the bound only guards against a hang.
async fn wait_for_session(emu: &arr_emulator::Emulator, id: &str) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if emu.sessions().iter().any(|s| s.id == id) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_held_create_is_carried_out_after_the_client_disconnects() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    emu.inject(fault(
        "sessions.create",
        FaultKind::HoldBeforeProcessing { millis: 2000 },
        1,
    ));
    // The client gives up after 100 ms and drops the connection.
    let err = client
        .put(session_url(&emu, "held"))
        .bearer_auth(&token)
        .body(BODY)
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        emu.sessions().is_empty(),
        "held for 2 s: not yet processed when the client leaves"
    );
    assert!(
        wait_for_session(&emu, "held").await,
        "the session appears once the hold ends"
    );
    assert!(emu
        .request_log()
        .iter()
        .any(|l| l.starts_with("PUT /accounts/") && l.contains("/sessions/held 201")));
    // The session is a normal one: a retry of the create is answered 200 (same settings).
    let (status, _) = create(&emu, &client, &token, "held", BODY).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_delayed_create_is_also_carried_out_after_the_client_disconnects() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    emu.inject(fault("sessions.create", FaultKind::Delay { millis: 800 }, 1));
    let err = client
        .put(session_url(&emu, "delayed"))
        .bearer_auth(&token)
        .body(BODY)
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(wait_for_session(&emu, "delayed").await);
}

#[tokio::test]
async fn held_faults_are_scriptable_over_http() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let resp = client
        .post(format!("{}/_emulator/faults", emu.base_url()))
        .body(r#"{"route":"sessions.create","kind":{"kind":"holdBeforeProcessing","millis":300},"times":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let _ = client
        .put(session_url(&emu, "h2"))
        .bearer_auth(&token)
        .body(BODY)
        .timeout(Duration::from_millis(50))
        .send()
        .await;
    assert!(wait_for_session(&emu, "h2").await);
}
