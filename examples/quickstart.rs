//! The main job: one whole session lifecycle, printed step by step.
//!
//! With no `ARR_*` variables it starts the embedded emulator; with `ARR_ENDPOINT`, `ARR_ACCOUNT_ID`,
//! `ARR_ACCOUNT_DOMAIN` and `ARR_ACCOUNT_KEY` (or `ARR_ACCESS_TOKEN`) it runs against that endpoint.
//! `ARR_API_VERSION=v1` switches to the legacy API. Exits non-zero if any step fails, and stops the
//! session it created on the way out whatever happened, so a failed run never leaves one billing.
//!
//!     cargo run --example quickstart

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arr_emulator::{Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use arr_session::{
    ApiVersion, Client, ClientConfig, CreateSessionOptions, Credential, Response, Session, SessionSize, SessionStatus,
    WaitOptions,
};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => {
            println!("\nquickstart: all steps passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nquickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (config, _emulator) = match ClientConfig::from_lookup(|name| std::env::var(name).ok())? {
        Some(config) => {
            println!(
                "quickstart: using {} from the ARR_* environment variables",
                config.endpoint
            );
            (config, None)
        }
        None => {
            let emulator = Emulator::start(EmulatorConfig::default()).await?;
            println!(
                "quickstart: no ARR_* variables set; started the embedded emulator at {}",
                emulator.base_url()
            );
            let mut config = ClientConfig::new(
                emulator.base_url(),
                DEV_ACCOUNT_ID,
                Credential::AccountKey(DEV_ACCOUNT_KEY.into()),
            );
            config.sts_endpoint = Some(emulator.base_url());
            config.poll_interval = Some(Duration::from_millis(500));
            if let Ok(version) = std::env::var("ARR_API_VERSION") {
                config.api_version = ApiVersion::parse(&version).ok_or("ARR_API_VERSION must be 2021-01-01 or v1")?;
            }
            (config, Some(emulator))
        }
    };
    let client = Client::new(config)?;
    println!(
        "quickstart: account {}, api-version {}",
        client.config().account_id,
        client.api_version().as_str()
    );

    let mut options = CreateSessionOptions::new(SessionSize::Standard, 30);
    if client.api_version() == ApiVersion::V2021_01_01 {
        options = options.with_id(format!("quickstart-{}", uuid::Uuid::new_v4().simple()));
    }
    let created = client.create_session(&options).await?;
    step("1/6 create", &created);

    // From here on a session exists: stop it whatever the remaining steps do.
    let id = created.value().id.clone();
    let outcome = lifecycle(&client, &id).await;
    if outcome.is_err() {
        match client.stop_session(&id).await {
            Ok(_) => eprintln!("quickstart: stopped session {id} after the failure"),
            Err(e) => eprintln!("quickstart: could not stop session {id}: {e}"),
        }
    }
    outcome
}

async fn lifecycle(client: &Client, id: &str) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let progress: arr_session::ProgressFn = Arc::new(move |s: &Session| {
        println!("      ... {} after {:.1} s", s.status, started.elapsed().as_secs_f64());
    });
    let mut options = WaitOptions::with_timeout(Duration::from_secs(600));
    options.on_progress = Some(progress);
    println!("[2/6 wait until Ready]");
    let ready = client.wait_until_ready(id, &options).await?;
    step("2/6 ready", &ready);

    let extended = client.extend_session(id, 15).await?;
    step("3/6 extend lease by 15 minutes", &extended);

    let listed = client.list_sessions().await?;
    step("4/6 list", &listed);
    if !listed.value().iter().any(|s| s.id == id) {
        return Err(format!("session {id} is missing from the list").into());
    }

    let stopped = client.stop_session(id).await?;
    println!(
        "[5/6 stop] HTTP {} MS-CV {}",
        stopped.http_status(),
        stopped.ms_cv().unwrap_or("-")
    );

    let after = client.get_session(id).await?;
    step("6/6 get after stop", &after);
    if !matches!(after.value().status, SessionStatus::Stopped) {
        return Err(format!("session {id} is {} after stop, expected Stopped", after.value().status).into());
    }
    Ok(())
}

fn step<T: serde::Serialize>(name: &str, response: &Response<T>) {
    println!(
        "[{name}] HTTP {} MS-CV {}",
        response.http_status(),
        response.ms_cv().unwrap_or("-")
    );
    println!("{}", serde_json::to_string_pretty(response.value()).unwrap_or_default());
}
