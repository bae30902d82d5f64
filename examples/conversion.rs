//! The whole flow in Rust: upload a model to blob storage, convert it into an `.arrAsset`, open a
//! session to render it, stop the session.
//!
//! With no `ARR_*` variables it runs offline: it starts Azurite (the Azure Storage emulator; the test
//! command installs it under target/azurite) and the embedded arr-emulator linked to it. Against a real
//! account, set the `ARR_*` variables as for the quickstart, plus `ARR_INPUT_CONTAINER` and
//! `ARR_OUTPUT_CONTAINER` (container URLs) and, unless the storage account is linked, `ARR_INPUT_SAS` and
//! `ARR_OUTPUT_SAS`; the model must already be in the input container as `ARR_INPUT_ASSET`.
//!
//!     cargo run --example conversion

use std::process::ExitCode;
use std::time::Duration;

use arr_emulator::azurite::Azurite;
use arr_emulator::{Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use arr_session::{
    Client, ClientConfig, ConversionSettings, ConversionStatus, CreateSessionOptions, Credential, SessionSize,
    WaitOptions,
};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conversion example failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok();
    // Keeps the local services alive until the end.
    let mut local: Option<(Azurite, Emulator)> = None;
    let (client, settings) = match ClientConfig::from_lookup(|name| env(name))? {
        Some(config) => {
            let mut settings = ConversionSettings::new(
                env("ARR_INPUT_CONTAINER").ok_or("set ARR_INPUT_CONTAINER")?,
                env("ARR_INPUT_ASSET").ok_or("set ARR_INPUT_ASSET")?,
                env("ARR_OUTPUT_CONTAINER").ok_or("set ARR_OUTPUT_CONTAINER")?,
            );
            settings.input_location.storage_container_read_list_sas = env("ARR_INPUT_SAS").map(Into::into);
            settings.output_location.storage_container_write_sas = env("ARR_OUTPUT_SAS").map(Into::into);
            (Client::new(config)?, settings)
        }
        None => {
            let azurite = Azurite::start()?;
            azurite.create_container("models")?;
            azurite.create_container("assets")?;
            // 1. Upload: the app's model goes into the input container.
            azurite.put_blob("models", "car.fbx", b"Kaydara FBX Binary, as far as the emulator cares")?;
            println!("uploaded car.fbx to {}", azurite.container_url("models"));
            let emulator = Emulator::start(EmulatorConfig {
                storage: Some(azurite.connection_string()),
                start_delay: Duration::from_millis(500),
                time_scale: 120.0,
                ..EmulatorConfig::default()
            })
            .await?;
            let config = ClientConfig::builder(
                emulator.base_url(),
                DEV_ACCOUNT_ID,
                Credential::AccountKey(DEV_ACCOUNT_KEY.into()),
            )
            .sts_endpoint(emulator.base_url())
            .poll_interval(Duration::from_millis(250))
            .stop_owned_sessions_on_close(true)
            .build()?;
            let mut settings = ConversionSettings::new(
                azurite.container_url("models"),
                "car.fbx",
                azurite.container_url("assets"),
            );
            settings.output_location.blob_prefix = Some("converted".into());
            local = Some((azurite, emulator));
            (Client::new(config)?, settings)
        }
    };

    // 2. Convert.
    let id = format!("example-{}", uuid::Uuid::new_v4().simple());
    client.create_conversion(&id, &settings).await?;
    println!("conversion {id} started");
    let options =
        WaitOptions::default().on_progress(|c: &arr_session::AssetConversion| println!("      ... {}", c.status));
    let done = client.wait_for_conversion(&id, &options).await?.into_value();
    if done.status != ConversionStatus::Succeeded {
        return Err(format!("the conversion ended {}: {:?}", done.status, done.error).into());
    }
    let asset = done.output.and_then(|o| o.output_asset_uri).ok_or("no output URI")?;
    println!("converted: {asset}");
    if let Some((azurite, _)) = &local {
        let bytes = azurite
            .get_blob("assets", "converted/car.arrAsset")?
            .ok_or("the asset is not in storage")?;
        println!("the asset is in the output container ({} bytes)", bytes.len());
    }

    // 3. Render: a session that would load the asset, stopped at the end whatever happens.
    let session = client
        .create_session(&CreateSessionOptions::new(SessionSize::Standard, 30))
        .await?
        .into_value();
    let outcome = client
        .wait_until_ready(&session.id, &WaitOptions::with_timeout(Duration::from_secs(600)))
        .await;
    if let Ok(ready) = &outcome {
        println!(
            "session {} is Ready at {:?}: load {asset} there",
            session.id,
            ready.value().hostname
        );
    }
    client.stop_session(&session.id).await?;
    println!("stopped session {}", session.id);
    client.close().await;
    outcome.map(|_| ()).map_err(Into::into)
}
