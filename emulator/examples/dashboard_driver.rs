//! The Rust side of the dashboard's browser tests (`emulator/tests/browser/dashboard.test.mjs`): the Rust
//! client (`arr-session`) drives the emulator while the test clicks in the browser.
//!
//! It starts Azurite and an emulator linked to it, prints one JSON line
//! `{"baseUrl": ..., "dashboard": ...}`, then carries out commands read from stdin, one JSON object per
//! line (`{"seq": 1, "cmd": "create_session", "id": "s1"}`), and answers each with one line
//! (`{"seq": 1, "ok": true, ...}` or `{"seq": 1, "ok": false, "error": {...}}`). Commands run
//! concurrently, so a wait can be in progress while the browser fails the session. It exits at the end
//! of stdin, taking the emulator and Azurite with it.
//!
//!     cargo run -p arr-emulator --example dashboard_driver

use std::sync::Arc;
use std::time::Duration;

use arr_emulator::azurite::Azurite;
use arr_emulator::{Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use arr_session::{
    Client, ClientConfig, ConversionSettings, CreateSessionOptions, Credential, Error, RetryPolicy, Secret,
    SessionSize, WaitOptions,
};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// Sessions stay Starting this long, so a wait is still going when the browser fails the session; the
/// clock lever makes them Ready at once.
const START_DELAY: Duration = Duration::from_secs(120);
/// Long enough for the page (polling each second) to show each conversion state.
const CONVERSION_START_DELAY: Duration = Duration::from_secs(3);
const CONVERSION_DURATION: Duration = Duration::from_secs(4);

struct Driver {
    client: Client,
    azurite: Azurite,
    emulator: Emulator,
    read_sas: String,
    write_sas: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let azurite = Azurite::start()?;
    azurite.create_container("models")?;
    azurite.create_container("assets")?;
    let emulator = Emulator::start(EmulatorConfig {
        start_delay: START_DELAY,
        storage: Some(azurite.connection_string()),
        conversion_start_delay: CONVERSION_START_DELAY,
        conversion_duration: CONVERSION_DURATION,
        ..EmulatorConfig::default()
    })
    .await?;
    let mut config = ClientConfig::new(
        emulator.base_url(),
        DEV_ACCOUNT_ID,
        Credential::AccountKey(DEV_ACCOUNT_KEY.into()),
    );
    config.sts_endpoint = Some(emulator.base_url());
    config.poll_interval = Some(Duration::from_millis(200));
    // No retries: the test checks that an armed 429 reaches the caller with its Retry-After.
    config.retry = RetryPolicy::new(0, Duration::from_millis(100), Duration::from_secs(1));
    let driver = Arc::new(Driver {
        client: Client::new(config)?,
        read_sas: azurite.container_sas("models", "rl"),
        write_sas: azurite.container_sas("assets", "w"),
        azurite,
        emulator,
    });
    let base = driver.emulator.base_url();
    let out = Arc::new(Mutex::new(tokio::io::stdout()));
    write_line(
        &out,
        &json!({ "baseUrl": base, "dashboard": format!("{base}/_emulator/") }),
    )
    .await;

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut running = Vec::new();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        let (driver, out) = (driver.clone(), out.clone());
        running.push(tokio::spawn(async move {
            let request: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| json!({ "cmd": format!("bad JSON: {e}") }));
            let seq = request["seq"].clone();
            let mut answer = match driver.run(&request).await {
                Ok(value) => json!({ "ok": true, "value": value }),
                Err(error) => json!({ "ok": false, "error": error }),
            };
            answer["seq"] = seq;
            write_line(&out, &answer).await;
        }));
    }
    for task in running {
        let _ = task.await;
    }
    Ok(())
}

async fn write_line(out: &Mutex<tokio::io::Stdout>, value: &Value) {
    let mut out = out.lock().await;
    let _ = out.write_all(format!("{value}\n").as_bytes()).await;
    let _ = out.flush().await;
}

/// What the test needs to know of a client error (never its message's secrets: there are none).
fn error_json(e: &Error) -> Value {
    json!({
        "kind": e.kind().as_str(),
        "httpStatus": e.http_status(),
        "code": e.code(),
        "retryAfterSeconds": e.retry_after().map(|d| d.as_secs()),
        "sessionStatus": e.session().map(|s| s.status.as_str().to_string()),
        "message": e.message(),
    })
}

impl Driver {
    async fn run(&self, request: &Value) -> Result<Value, Value> {
        let id = request["id"].as_str().unwrap_or_default();
        let wait = WaitOptions::with_timeout(Duration::from_secs(120)).poll_interval(Duration::from_millis(200));
        let conversion_wait = WaitOptions::<arr_session::AssetConversion>::with_timeout(Duration::from_secs(120))
            .poll_interval(Duration::from_millis(200));
        let client = &self.client;
        match request["cmd"].as_str().unwrap_or_default() {
            "create_session" => {
                let options = CreateSessionOptions::new(SessionSize::Standard, 60).with_id(id);
                let created = client.create_session(&options).await.map_err(|e| error_json(&e))?;
                Ok(json!(created.value()))
            }
            "get_session" => {
                let session = client.get_session(id).await.map_err(|e| error_json(&e))?;
                Ok(json!(session.value()))
            }
            "wait_ready" => {
                let session = client.wait_until_ready(id, &wait).await.map_err(|e| error_json(&e))?;
                Ok(json!(session.value()))
            }
            "create_conversion" => {
                self.azurite
                    .put_blob("models", "box.fbx", b"a model, as far as the emulator cares")
                    .map_err(|e| json!({ "message": e.to_string() }))?;
                let mut settings = ConversionSettings::new(
                    self.azurite.container_url("models"),
                    "box.fbx",
                    self.azurite.container_url("assets"),
                );
                settings.input_location.storage_container_read_list_sas = Some(Secret::new(self.read_sas.clone()));
                settings.output_location.storage_container_write_sas = Some(Secret::new(self.write_sas.clone()));
                let created = client
                    .create_conversion(id, &settings)
                    .await
                    .map_err(|e| error_json(&e))?;
                Ok(json!(created.value()))
            }
            "wait_conversion" => {
                let done = client
                    .wait_for_conversion(id, &conversion_wait)
                    .await
                    .map_err(|e| error_json(&e))?;
                Ok(json!(done.value()))
            }
            // Makes the secrets known to the test, which checks the page never shows them.
            "secrets" => {
                let token = client.access_token().await.map_err(|e| error_json(&e))?;
                let token = token.expose().to_string();
                // A request with secrets in its query, for the request log panel to redact.
                let url = format!(
                    "{}/accounts/{DEV_ACCOUNT_ID}/sessions?api-version=2021-01-01&access_token={token}",
                    self.emulator.base_url()
                );
                let http = reqwest::Client::new();
                let status = http
                    .get(format!("{url}&{}", self.read_sas.trim_start_matches('?')))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map_err(|e| json!({ "message": e.to_string() }))?
                    .status()
                    .as_u16();
                let sas_secrets: Vec<String> = [&self.read_sas, &self.write_sas]
                    .iter()
                    .flat_map(|sas| [raw_sig_of(sas).to_string(), sig_of(sas)])
                    .collect();
                Ok(json!({
                    "accountKey": DEV_ACCOUNT_KEY,
                    "token": token,
                    "sas": sas_secrets,
                    "requestStatus": status,
                }))
            }
            other => Err(json!({ "message": format!("unknown command '{other}'") })),
        }
    }
}

/// The signature of a SAS (`sig=...`) as sent: the part that must never be shown.
fn raw_sig_of(sas: &str) -> &str {
    sas.trim_start_matches('?')
        .split('&')
        .find_map(|p| p.strip_prefix("sig="))
        .unwrap_or_default()
}

/// The same signature percent-decoded.
fn sig_of(sas: &str) -> String {
    raw_sig_of(sas)
        .replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=")
}
