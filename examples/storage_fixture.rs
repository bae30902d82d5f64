//! A local stand-in for "an ARR account with a linked storage account, and a model uploaded to it",
//! for the conversion examples in C, C++, Python and C#: starts Azurite (the Azure Storage emulator, on
//! loopback, in memory, `--disableTelemetry`), creates an input and an output container, uploads a small
//! model (`car.glb`), starts arr-emulator linked to that storage, and prints one JSON line:
//!
//!     {"config": {<client config for the emulator>}, "settings": {<conversion settings, with SAS>},
//!      "inputContainer": "...", "outputContainer": "...", "connectionString": "..."}
//!
//! Then it waits until stdin closes (a test runner holds it open) and shuts both down.
//!
//!     cargo run --example storage_fixture

use std::io::Read;
use std::time::Duration;

use arr_emulator::azurite::Azurite;
use arr_emulator::{Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let azurite = Azurite::start()?;
    azurite.create_container("models")?;
    azurite.create_container("assets")?;
    azurite.put_blob(
        "models",
        "vehicles/car.glb",
        b"glTF\x02\x00\x00\x00 a model, as far as the emulator cares",
    )?;
    let emulator = Emulator::start(EmulatorConfig {
        storage: Some(azurite.connection_string()),
        start_delay: Duration::from_millis(300),
        // Conversions take a fraction of a second: 5 s NotStarted and 60 s Running at 600x.
        time_scale: 600.0,
        ..EmulatorConfig::default()
    })
    .await?;
    let url = emulator.base_url();
    let line = json!({
        "config": {
            "endpoint": url, "stsEndpoint": url, "accountId": DEV_ACCOUNT_ID, "accountKey": DEV_ACCOUNT_KEY,
            "pollIntervalMs": 100,
        },
        "settings": {
            "inputLocation": {
                "storageContainerUri": azurite.container_url("models"),
                "storageContainerReadListSas": azurite.container_sas("models", "rl"),
                "blobPrefix": "vehicles",
                "relativeInputAssetPath": "car.glb",
            },
            "outputLocation": {
                "storageContainerUri": azurite.container_url("assets"),
                "storageContainerWriteSas": azurite.container_sas("assets", "rwl"),
                "blobPrefix": "converted",
            },
        },
        "inputContainer": azurite.container_url("models"),
        "outputContainer": azurite.container_url("assets"),
        "connectionString": azurite.connection_string(),
    });
    println!("{line}");
    // Until the runner closes stdin.
    let mut sink = Vec::new();
    let _ = tokio::task::spawn_blocking(move || std::io::stdin().read_to_end(&mut sink)).await;
    emulator.shutdown().await;
    drop(azurite);
    Ok(())
}
