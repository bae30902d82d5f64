//! Session API, api-version 2021-01-01: auth, validation, lifecycle, list paging, serialisation modes.

mod common;

use std::time::Duration;

use arr_emulator::{EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use common::*;
use serde_json::{json, Value};

const STANDARD_4H: &str = r#"{"maxLeaseTimeMinutes":240,"size":"Standard"}"#;

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn rendering_api_requires_a_token_of_the_right_account() {
    let other = "22222222-2222-2222-2222-222222222222";
    let emu = start(EmulatorConfig {
        accounts: vec![
            (DEV_ACCOUNT_ID.into(), DEV_ACCOUNT_KEY.into()),
            (other.into(), "other-key".into()),
        ],
        ..fast_config()
    })
    .await;
    let client = client();
    let url = list_url(&emu);
    for auth in [
        None,
        Some("Bearer garbage".to_string()),
        Some(format!("Bearer {DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}")),
    ] {
        let mut req = client.get(&url);
        if let Some(a) = &auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{auth:?}");
        assert_eq!(
            header(&resp, "www-authenticate"),
            Some("Bearer error=\"invalid_token\"")
        );
        assert_common_2021_headers(&resp);
        assert!(resp.bytes().await.unwrap().is_empty());
    }
    // A token of another account.
    let resp = client
        .get(format!("{}/Accounts/{other}/token", emu.base_url()))
        .bearer_auth(format!("{other}:other-key"))
        .send()
        .await
        .unwrap();
    let other_token = json_of(resp).await["AccessToken"].as_str().unwrap().to_string();
    let resp = client.get(&url).bearer_auth(&other_token).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_common_2021_headers(&resp);
    assert!(resp.bytes().await.unwrap().is_empty());
    // Revocation invalidates old tokens only.
    let token = token(&emu, &client).await;
    assert_eq!(client.get(&url).bearer_auth(&token).send().await.unwrap().status(), 200);
    emu.revoke_tokens();
    assert_eq!(client.get(&url).bearer_auth(&token).send().await.unwrap().status(), 401);
    let fresh = common::token(&emu, &client).await;
    assert_eq!(client.get(&url).bearer_auth(&fresh).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn full_lifecycle() {
    let emu = start(EmulatorConfig {
        start_delay: Duration::from_millis(400),
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;

    // Create: 201 Starting with exactly the Starting field set.
    let resp = client
        .put(session_url(&emu, "s-1"))
        .bearer_auth(&token)
        .body(STANDARD_4H)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_common_2021_headers(&resp);
    assert_eq!(header(&resp, "content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(header(&resp, "cache-control"), None);
    let body = json_of(resp).await;
    assert_eq!(
        keys(&body),
        [
            "creationTime",
            "elapsedTimeMinutes",
            "id",
            "maxLeaseTimeMinutes",
            "size",
            "status"
        ]
    );
    assert_eq!(body["status"], "Starting");
    assert_eq!(body["id"], "s-1");
    assert_eq!(body["elapsedTimeMinutes"], 0);
    let created = body["creationTime"].as_str().unwrap();
    assert!(
        created.ends_with("+00:00") && created.len() == "2024-07-11T20:30:35.0166890+00:00".len(),
        "{created}"
    );

    // Identical retry: 200 with current properties; different settings: 409.
    let (status, body) = create(&emu, &client, &token, "s-1", STANDARD_4H).await;
    assert_eq!((status, body.unwrap()["status"].clone()), (200, json!("Starting")));
    let (status, body) = create(
        &emu,
        &client,
        &token,
        "s-1",
        r#"{"maxLeaseTimeMinutes":241,"size":"Standard"}"#,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        body.unwrap(),
        json!({"error":{"code":"Conflict","message":"A resource already exists under the given ID."}})
    );

    // PATCH is allowed while Starting.
    let resp = patch_session(&emu, &client, &token, "s-1", r#"{"maxLeaseTimeMinutes":250}"#).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json_of(resp).await["maxLeaseTimeMinutes"], 250);

    // Ready after the start delay.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let resp = client
        .get(session_url(&emu, "s-1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_common_2021_headers(&resp);
    assert_eq!(header(&resp, "cache-control"), Some("no-store, no-cache"));
    assert_eq!(header(&resp, "pragma"), Some("no-cache"));
    let ready = json_of(resp).await;
    assert_eq!(ready["status"], "Ready");
    assert_eq!(ready["teraflops"], 8.1);
    let hostname = ready["hostname"].as_str().unwrap();
    assert!(
        hostname.ends_with(".remoterendering.vm.emulator.mixedreality.azure.com"),
        "{hostname}"
    );
    let (hp, ip) = (
        ready["handshakePort"].as_u64().unwrap(),
        ready["arrInspectorPort"].as_u64().unwrap(),
    );
    assert!((49152..=65534).contains(&hp) && (49152..=65534).contains(&ip) && hp != ip);
    assert!(ready.get("error").is_none());

    // PATCH must grow and stay <= 1440: 422 otherwise.
    for lease in [250, 10, 1441] {
        let resp = patch_session(
            &emu,
            &client,
            &token,
            "s-1",
            format!(r#"{{"maxLeaseTimeMinutes":{lease}}}"#),
        )
        .await;
        assert_eq!(resp.status(), 422, "lease {lease}");
        assert_common_2021_headers(&resp);
        assert_eq!(json_of(resp).await["error"]["code"], "UnprocessableEntity");
    }
    let resp = patch_session(&emu, &client, &token, "s-1", r#"{"maxLeaseTimeMinutes":300}"#).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "cache-control"), None);
    assert_eq!(json_of(resp).await["maxLeaseTimeMinutes"], 300);

    // Stop: 204 without body, idempotent; GET then shows Stopped without ports/hostname, with teraflops.
    for _ in 0..2 {
        let resp = client
            .post(stop_url(&emu, "s-1"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204);
        assert_common_2021_headers(&resp);
        assert_eq!(header(&resp, "content-type"), None);
        assert!(resp.bytes().await.unwrap().is_empty());
    }
    let stopped = get_session(&emu, &client, &token, "s-1").await;
    assert_eq!(stopped["status"], "Stopped");
    assert_eq!(
        keys(&stopped),
        [
            "creationTime",
            "elapsedTimeMinutes",
            "id",
            "maxLeaseTimeMinutes",
            "size",
            "status",
            "teraflops"
        ]
    );
    let resp = patch_session(&emu, &client, &token, "s-1", r#"{"maxLeaseTimeMinutes":400}"#).await;
    assert_eq!(resp.status(), 422);
    assert!(json_of(resp).await["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Stopped"));
    // Same settings on a stopped session is a conflict, not a retry.
    let (status, _) = create(
        &emu,
        &client,
        &token,
        "s-1",
        r#"{"maxLeaseTimeMinutes":300,"size":"Standard"}"#,
    )
    .await;
    assert_eq!(status, 409);

    // Unknown sessions: 404 without body, with MS-CV.
    for resp in [
        client
            .get(session_url(&emu, "nope"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        client
            .post(stop_url(&emu, "nope"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        patch_session(&emu, &client, &token, "nope", r#"{"maxLeaseTimeMinutes":5}"#).await,
    ] {
        assert_eq!(resp.status(), 404);
        assert_common_2021_headers(&resp);
        assert!(resp.bytes().await.unwrap().is_empty());
    }
    let snapshots = emu.sessions();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(
        (snapshots[0].status.as_str(), snapshots[0].max_lease_time_minutes),
        ("Stopped", 300)
    );
}

#[tokio::test]
async fn validation_errors_name_the_problem() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let long_id = "a".repeat(257);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("bad.id", STANDARD_4H, "session id"),
        (&long_id, STANDARD_4H, "session id"),
        ("ok", "not json", "maxLeaseTimeMinutes"),
        ("ok", r#"{"size":"Standard"}"#, "maxLeaseTimeMinutes"),
        (
            "ok",
            r#"{"maxLeaseTimeMinutes":"4","size":"Standard"}"#,
            "maxLeaseTimeMinutes",
        ),
        ("ok", r#"{"maxLeaseTimeMinutes":5}"#, "size"),
        (
            "ok",
            r#"{"maxLeaseTimeMinutes":-4,"size":"Standard"}"#,
            "The maxLeaseTimeMinutes value cannot be negative.",
        ),
        (
            "ok",
            r#"{"maxLeaseTimeMinutes":1441,"size":"Standard"}"#,
            "at most 1440",
        ),
        (
            "ok",
            r#"{"maxLeaseTimeMinutes":5,"size":"Tiny"}"#,
            "Can't specify this VM size: Tiny",
        ),
    ];
    for (id, body, expected) in cases {
        let (status, resp) = create(&emu, &client, &token, id, body).await;
        assert_eq!(status, 400, "{body}");
        let error = &resp.unwrap()["error"];
        assert_eq!(error["code"], "BadRequest");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message:?} should contain {expected:?}");
    }
    // Exact messages the real service produced.
    let (_, resp) = create(
        &emu,
        &client,
        &token,
        "ok",
        r#"{"maxLeaseTimeMinutes":-4,"size":"Standard"}"#,
    )
    .await;
    assert_eq!(
        resp.unwrap()["error"]["message"],
        "The maxLeaseTimeMinutes value cannot be negative."
    );
    // api-version: missing or unsupported.
    for query in ["", "?api-version=2020-01-01"] {
        let resp = client
            .put(format!(
                "{}/accounts/{DEV_ACCOUNT_ID}/sessions/ok{query}",
                emu.base_url()
            ))
            .bearer_auth(&token)
            .body(STANDARD_4H)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
        assert_common_2021_headers(&resp);
        assert!(json_of(resp).await["error"]["message"]
            .as_str()
            .unwrap()
            .contains("api-version"));
    }
    for version in ["2021-01-01-preview", "2021-08-01-preview"] {
        let resp = client
            .get(format!(
                "{}/accounts/{DEV_ACCOUNT_ID}/sessions?api-version={version}",
                emu.base_url()
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{version}");
    }
    // Nothing was created by the failures; sizes are case-insensitive and stored canonically; extra fields ok.
    assert!(emu.sessions().is_empty());
    let (status, body) = create(
        &emu,
        &client,
        &token,
        "A_b-9",
        r#"{"maxLeaseTimeMinutes":0,"size":"premium","extra":true}"#,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body.unwrap()["size"], "Premium");
    let max_id = "x".repeat(256);
    assert_eq!(create(&emu, &client, &token, &max_id, STANDARD_4H).await.0, 201);
    // PATCH with a malformed body is a 400.
    let resp = patch_session(&emu, &client, &token, "A_b-9", "{}").await;
    assert_eq!(resp.status(), 400);
    assert!(json_of(resp).await["error"]["message"]
        .as_str()
        .unwrap()
        .contains("maxLeaseTimeMinutes"));
}

#[tokio::test]
async fn list_shows_live_sessions_of_the_account_in_pages() {
    let other = "33333333-3333-3333-3333-333333333333";
    let emu = start(EmulatorConfig {
        page_size: 2,
        accounts: vec![
            (DEV_ACCOUNT_ID.into(), DEV_ACCOUNT_KEY.into()),
            (other.into(), "k3".into()),
        ],
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    for i in 0..6 {
        assert_eq!(
            create(&emu, &client, &token, &format!("s{i}"), STANDARD_4H).await.0,
            201
        );
    }
    assert_eq!(
        client
            .post(stop_url(&emu, "s2"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    // A session of another account must not show up.
    let resp = client
        .get(format!("{}/Accounts/{other}/token", emu.base_url()))
        .bearer_auth(format!("{other}:k3"))
        .send()
        .await
        .unwrap();
    let other_token = json_of(resp).await["AccessToken"].as_str().unwrap().to_string();
    let resp = client
        .put(format!("{}/accounts/{other}/sessions/foreign?{API}", emu.base_url()))
        .bearer_auth(&other_token)
        .body(STANDARD_4H)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);

    let mut url = list_url(&emu);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let resp = client.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_common_2021_headers(&resp);
        assert_eq!(header(&resp, "cache-control"), Some("no-store, no-cache"));
        let body = json_of(resp).await;
        pages += 1;
        let sessions = body["sessions"].as_array().unwrap();
        assert!(sessions.len() <= 2);
        seen.extend(sessions.iter().map(|s| s["id"].as_str().unwrap().to_string()));
        match body.get("@nextLink") {
            Some(next) => {
                let next = next.as_str().unwrap();
                assert!(
                    next.starts_with(&format!("{}/accounts/", emu.base_url())),
                    "absolute: {next}"
                );
                assert!(
                    next.contains("api-version=2021-01-01") && next.contains("skiptoken="),
                    "{next}"
                );
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(seen, ["s0", "s1", "s3", "s4", "s5"]);
    assert_eq!(pages, 3);
    // A garbage skiptoken is a 400.
    let resp = client
        .get(format!("{}&skiptoken=%%%", list_url(&emu)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(emu.sessions().len(), 7);
}

#[tokio::test]
async fn legacy_nulls_emits_every_field() {
    let emu = start(EmulatorConfig {
        legacy_nulls: true,
        start_delay: Duration::from_secs(60),
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    let (status, body) = create(&emu, &client, &token, "legacy", STANDARD_4H).await;
    assert_eq!(status, 201);
    let body = body.unwrap();
    assert_eq!(body["arrInspectorPort"], 0);
    assert_eq!(body["handshakePort"], 0);
    assert_eq!(body["hostname"], Value::Null);
    assert_eq!(body["teraflops"], 0.0);
    assert_eq!(body["error"], Value::Null);
    assert_eq!(
        keys(&body),
        [
            "arrInspectorPort",
            "creationTime",
            "elapsedTimeMinutes",
            "error",
            "handshakePort",
            "hostname",
            "id",
            "maxLeaseTimeMinutes",
            "size",
            "status",
            "teraflops"
        ]
    );
    // Error bodies carry details/target/innerError as null, like the 2021-01-29 NET recording.
    let (status, body) = create(
        &emu,
        &client,
        &token,
        "bad",
        r#"{"maxLeaseTimeMinutes":-4,"size":"Standard"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body.unwrap(),
        serde_json::json!({"error": {
            "code": "BadRequest",
            "message": "The maxLeaseTimeMinutes value cannot be negative.",
            "details": null, "target": null, "innerError": null
        }})
    );
}

#[tokio::test]
async fn sessions_expire_on_the_scaled_clock() {
    // One emulated minute per real second.
    let emu = start(EmulatorConfig {
        time_scale: 60.0,
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    assert_eq!(
        create(
            &emu,
            &client,
            &token,
            "short",
            r#"{"maxLeaseTimeMinutes":1,"size":"Standard"}"#
        )
        .await
        .0,
        201
    );
    let body = get_session(&emu, &client, &token, "short").await;
    assert_eq!(body["status"], "Ready");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let body = get_session(&emu, &client, &token, "short").await;
    assert_eq!(body["status"], "Expired");
    assert_eq!(body["elapsedTimeMinutes"], 1);
    assert!(body.get("hostname").is_none() && body.get("handshakePort").is_none());
    assert_eq!(body["teraflops"], 8.1);
    // Expired is terminal: not listed, not extendable, stop is a no-op.
    let list = json_of(client.get(list_url(&emu)).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(list, json!({"sessions": []}));
    let resp = patch_session(&emu, &client, &token, "short", r#"{"maxLeaseTimeMinutes":10}"#).await;
    assert_eq!(resp.status(), 422);
    assert!(json_of(resp).await["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Expired"));
    assert_eq!(
        client
            .post(stop_url(&emu, "short"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(emu.sessions()[0].status, "Expired");
}

#[tokio::test]
async fn percent_encoded_stop_and_unknown_paths() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "enc", STANDARD_4H).await.0, 201);
    let resp = client
        .post(format!(
            "{}/accounts/{DEV_ACCOUNT_ID}/sessions/enc/%3Astop?{API}",
            emu.base_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(emu.sessions()[0].status, "Stopped");
    let resp = client
        .get(format!("{}/nothing/here", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(header(&resp, "ms-cv").is_some());
    assert_eq!(emu.request_count("unknown"), 1);
    assert_eq!(emu.request_count("sessions.stop"), 1);
    assert_eq!(emu.request_count("sessions.create"), 1);
}

/// The service answers every create with `Starting` (protocol.md §3.1's example, §8.3): a zero start
/// delay means Ready at the next read, never in the create's own answer.
#[tokio::test]
async fn create_at_zero_start_delay_answers_starting_and_the_next_get_ready() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let (status, body) = create(&emu, &client, &token, "instant", STANDARD_4H).await;
    let body = body.unwrap();
    assert_eq!(status, 201);
    assert_eq!(body["status"], "Starting", "{body}");
    for absent in ["hostname", "handshakePort", "arrInspectorPort", "teraflops", "error"] {
        assert!(body.get(absent).is_none(), "{absent} in a Starting answer: {body}");
    }
    let resp = client
        .get(session_url(&emu, "instant"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body = json_of(resp).await;
    assert_eq!(body["status"], "Ready", "{body}");
    assert!(body["hostname"].is_string(), "{body}");
}
