//! Helpers shared by the emulator's integration tests: start an emulator, talk raw HTTP with reqwest.
#![allow(dead_code)]

use std::time::Duration;

use arr_emulator::{Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use serde_json::Value;

pub const API: &str = "api-version=2021-01-01";

/// Fast defaults: no start delay, so a session is Ready from the first read after its create (the
/// create itself answers Starting, as the service does).
pub fn fast_config() -> EmulatorConfig {
    EmulatorConfig {
        start_delay: Duration::ZERO,
        ..EmulatorConfig::default()
    }
}

pub async fn start(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).await.expect("emulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

pub async fn token(emu: &Emulator, client: &reqwest::Client) -> String {
    let resp = client
        .get(format!("{}/Accounts/{DEV_ACCOUNT_ID}/token", emu.base_url()))
        .bearer_auth(format!("{DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}"))
        .send()
        .await
        .expect("sts reachable");
    assert_eq!(resp.status(), 200);
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    body["AccessToken"].as_str().unwrap().to_string()
}

pub fn session_url(emu: &Emulator, id: &str) -> String {
    format!("{}/accounts/{DEV_ACCOUNT_ID}/sessions/{id}?{API}", emu.base_url())
}

pub fn list_url(emu: &Emulator) -> String {
    format!("{}/accounts/{DEV_ACCOUNT_ID}/sessions?{API}", emu.base_url())
}

pub fn stop_url(emu: &Emulator, id: &str) -> String {
    format!("{}/accounts/{DEV_ACCOUNT_ID}/sessions/{id}/:stop?{API}", emu.base_url())
}

pub async fn json_of(resp: reqwest::Response) -> Value {
    let bytes = resp.bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

/// PUT a session and return (status, body).
pub async fn create(
    emu: &Emulator,
    client: &reqwest::Client,
    token: &str,
    id: &str,
    body: &str,
) -> (u16, Option<Value>) {
    let resp = client
        .put(session_url(emu, id))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).ok())
}

pub fn header<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).map(|v| v.to_str().unwrap())
}

/// Asserts the header set every rendering-API (2021) response carries.
pub fn assert_common_2021_headers(resp: &reqwest::Response) {
    let cv = header(resp, "ms-cv").expect("MS-CV");
    assert_eq!(cv.len(), 24, "{cv}");
    assert!(cv.ends_with(".0"));
    assert_eq!(
        header(resp, "api-supported-versions"),
        Some("2021-01-01-preview, 2021-01-01, 2021-08-01-preview")
    );
    assert_eq!(header(resp, "x-content-type-options"), Some("nosniff"));
}

pub fn unique_temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "arr-emulator-test-{}-{:016x}-{name}",
        std::process::id(),
        fastrand::u64(..)
    ))
}

/// GET a 2021 session with `token` and read its JSON body.
pub async fn get_session(emu: &Emulator, client: &reqwest::Client, token: &str, id: &str) -> Value {
    json_of(
        client
            .get(session_url(emu, id))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// PATCH a 2021 session with `body` (the raw JSON) and `token`.
pub async fn patch_session(
    emu: &Emulator,
    client: &reqwest::Client,
    token: &str,
    id: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    client
        .patch(session_url(emu, id))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap()
}
