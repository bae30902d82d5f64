//! The dashboard at `/_emulator/` and its endpoints: the page and its files, the overview it polls, the
//! stop and fault-list hooks it adds, that nothing it serves carries an account key, token or SAS, and
//! that other origins and non-loopback names are refused. The page itself is driven in headless
//! Chromium by `emulator/tests/browser/` (its own suite in scripts/test.sh).

mod common;

use std::time::Duration;

use arr_emulator::{EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use common::*;
use serde_json::{json, Value};

const BODY: &str = r#"{"maxLeaseTimeMinutes":30,"size":"Standard"}"#;
const READ_SAS: &str = "?sv=2023-11-03&sr=c&sp=rl&sig=READSIGNATURESECRET%3D";
const WRITE_SAS: &str = "?sv=2023-11-03&sr=c&sp=w&sig=WRITESIGNATURESECRET%3D";

async fn text(client: &reqwest::Client, url: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, resp.text().await.unwrap(), headers)
}

#[tokio::test]
async fn the_page_and_its_files_are_served_by_the_emulator_itself() {
    let emu = start(fast_config()).await;
    let client = client();
    let base = emu.base_url();
    for path in ["/_emulator/", "/_emulator"] {
        let (status, body, headers) = text(&client, &format!("{base}{path}")).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(body.contains("<script src=\"/_emulator/dashboard.js\""));
        // No CDN: every reference is to the emulator's own files.
        assert!(!body.contains("http://") && !body.contains("https://"), "{body}");
    }
    let (status, js, headers) = text(&client, &format!("{base}/_emulator/dashboard.js")).await;
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (200, "text/javascript; charset=utf-8")
    );
    assert!(js.contains("/_emulator/overview"));
    assert!(!js.contains("http://") && !js.contains("https://"));
    let (status, _, headers) = text(&client, &format!("{base}/_emulator/dashboard.css")).await;
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (200, "text/css; charset=utf-8")
    );
    assert_eq!(text(&client, &format!("{base}/_emulator/nothing.js")).await.0, 404);
    let resp = client.post(format!("{base}/_emulator/")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
}

#[tokio::test]
async fn the_overview_shows_sessions_conversions_faults_and_requests() {
    let emu = start(EmulatorConfig {
        start_delay: Duration::from_secs(3600),
        ..fast_config()
    })
    .await;
    let client = client();
    let base = emu.base_url();
    let empty: Value = json_of(client.get(format!("{base}/_emulator/overview")).send().await.unwrap()).await;
    assert_eq!(empty["sessions"], json!([]));
    assert_eq!(empty["conversions"], json!([]));
    assert_eq!(empty["emulator"]["accounts"], json!([DEV_ACCOUNT_ID]));
    assert_eq!(empty["emulator"]["storage"], Value::Null);

    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "s1", BODY).await.0, 201);
    assert_eq!(create(&emu, &client, &token, "s2", BODY).await.0, 201);
    // Stop through the dashboard's hook; an ended session cannot be stopped again.
    let resp = client
        .post(format!("{base}/_emulator/sessions/s2/stop"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(json_of(resp).await["status"], "Stopped");
    let resp = client
        .post(format!("{base}/_emulator/sessions/s2/stop"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert_eq!(get_session(&emu, &client, &token, "s2").await["status"], "Stopped");
    // A fault armed, listed, and disarmed.
    let fault = json!({"route":"sessions.get","kind":{"kind":"status","status":429,"retryAfter":7},"times":2});
    let resp = client
        .post(format!("{base}/_emulator/faults"))
        .body(fault.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let faults = json_of(client.get(format!("{base}/_emulator/faults")).send().await.unwrap()).await;
    assert_eq!(faults, json!([fault]));

    let o: Value = json_of(client.get(format!("{base}/_emulator/overview")).send().await.unwrap()).await;
    let s1 = &o["sessions"][0];
    assert_eq!(
        (s1["id"].as_str(), s1["status"].as_str()),
        (Some("s1"), Some("Starting"))
    );
    assert_eq!(
        (s1["maxLeaseTimeMinutes"].as_u64(), s1["remainingSeconds"].as_u64()),
        (Some(30), Some(1800))
    );
    assert!(s1["creationTime"].as_str().unwrap().ends_with("+00:00"));
    assert_eq!(o["sessions"][1]["status"], "Stopped");
    assert_eq!(o["sessions"][1]["remainingSeconds"], 0);
    assert_eq!(o["faults"][0]["times"], 2);
    let first = &o["requests"][0];
    assert_eq!(first["route"], "sessions.get", "newest first: {first}");
    assert!(first["msCv"].as_str().unwrap().ends_with(".0"));
    assert_eq!(first["status"], 200);

    let resp = client.delete(format!("{base}/_emulator/faults")).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        json_of(client.get(format!("{base}/_emulator/faults")).send().await.unwrap()).await,
        json!([])
    );
    // Advancing the clock makes s1 Ready with elapsed time; the bar's remaining time follows.
    emu.advance_clock(90.0 + 15.0).unwrap();
    let o: Value = json_of(client.get(format!("{base}/_emulator/overview")).send().await.unwrap()).await;
    let s1 = &o["sessions"][0];
    assert_eq!(s1["status"], "Expired", "{s1}");
    assert_eq!(o["clock"]["advancedMinutes"], 105.0);
}

#[tokio::test]
async fn nothing_the_dashboard_reads_carries_a_key_a_token_or_a_sas() {
    let emu = start(fast_config()).await;
    let client = client();
    let base = emu.base_url();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "s1", BODY).await.0, 201);
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": "https://a.blob.core.windows.net/in", "relativeInputAssetPath": "box.fbx",
                          "storageContainerReadListSas": READ_SAS},
        "outputLocation": {"storageContainerUri": "https://a.blob.core.windows.net/out", "storageContainerWriteSas": WRITE_SAS}}});
    let resp = client
        .put(format!("{base}/accounts/{DEV_ACCOUNT_ID}/conversions/c1?{API}"))
        .bearer_auth(&token)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    // Secrets in a query string are logged redacted, as --log-level debug does.
    let resp = client
        .get(format!(
            "{base}/accounts/{DEV_ACCOUNT_ID}/sessions?{API}&sig=QUERYSIGSECRET&access_token={token}"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let secrets = [
        DEV_ACCOUNT_KEY,
        token.as_str(),
        "READSIGNATURESECRET",
        "WRITESIGNATURESECRET",
        "QUERYSIGSECRET",
    ];
    for path in [
        "/_emulator/",
        "/_emulator/dashboard.js",
        "/_emulator/dashboard.css",
        "/_emulator/overview",
        "/_emulator/log",
        "/_emulator/sessions",
        "/_emulator/conversions",
        "/_emulator/faults",
    ] {
        let (status, body, _) = text(&client, &format!("{base}{path}")).await;
        assert_eq!(status, 200, "{path}");
        for secret in secrets {
            assert!(!body.contains(secret), "{path} shows a secret: {body}");
        }
    }
    let o: Value = json_of(client.get(format!("{base}/_emulator/overview")).send().await.unwrap()).await;
    let shown = o["requests"][0]["shown"].as_str().unwrap();
    assert!(
        shown.contains("sig=REDACTED") && shown.contains("access_token=REDACTED"),
        "{shown}"
    );
    assert_eq!(
        o["conversions"][0]["inputAssetUri"],
        "https://a.blob.core.windows.net/in/box.fbx"
    );
}

#[tokio::test]
async fn other_origins_and_non_loopback_names_are_refused() {
    let emu = start(fast_config()).await;
    let client = client();
    let base = emu.base_url();
    let host = base.trim_start_matches("http://").to_string();
    let token = token(&emu, &client).await;
    assert_eq!(create(&emu, &client, &token, "s1", BODY).await.0, 201);
    // Another site open in the same browser cannot press a button or read the overview.
    for (method, path) in [("POST", "/_emulator/sessions/s1/fail"), ("GET", "/_emulator/overview")] {
        let resp = client
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .header("origin", "http://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{method} {path}");
        assert!(json_of(resp).await["error"].as_str().unwrap().contains("cross-origin"));
    }
    assert_eq!(get_session(&emu, &client, &token, "s1").await["status"], "Ready");
    // A page whose name was re-pointed at 127.0.0.1 (DNS rebinding) is refused too.
    let resp = client
        .get(format!("{base}/_emulator/overview"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(json_of(resp).await["error"]
        .as_str()
        .unwrap()
        .contains("--allow-remote-control"));
    // The page's own requests (same origin) and harnesses (no Origin) pass.
    let resp = client
        .post(format!("{base}/_emulator/sessions/s1/fail"))
        .header("origin", format!("http://{host}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = client.get(format!(
        "http://localhost:{}/_emulator/health",
        emu.base_url().rsplit(':').next().unwrap()
    ));
    assert_eq!(resp.send().await.unwrap().status(), 200);
    // The rendering API itself is not affected by the rule.
    let resp = client
        .get(session_url(&emu, "s1"))
        .bearer_auth(&token)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}
