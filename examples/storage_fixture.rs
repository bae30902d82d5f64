//! A local stand-in for "an ARR account with a linked storage account, and a model uploaded to it",
//! for the conversion examples in C, C++, Python and C#: starts Azurite (the Azure Storage emulator, on
//! loopback, in memory, `--disableTelemetry`), creates an input and an output container, uploads a small
//! model (`car.glb`), starts arr-emulator linked to that storage, and prints one JSON line:
//!
//!     {"config": {<client config for the emulator>}, "settings": {<conversion settings, with SAS>},
//!      "inputContainer": "...", "outputContainer": "...", "connectionString": "...",
//!      "failing": {"settings": {<settings of a conversion that fails: its input is missing>},
//!                  "resultsOptions": {"outputSas": "..."}, "code": "...", "title": "..."}}
//!
//! `failing` is what the preflight tests of each language need: a conversion the emulator fails, the
//! options to read its result file back, and the error code and title that file holds.
//!
//! `ARR_FIXTURE_CONVERTER=pipeline` runs the emulator's real converter (docs/converter.md; the tools of
//! scripts/converter-tools.sh) instead of the simulated one, and `car.glb` is then a one-triangle model:
//! the same conversion flows, against real conversions.
//!
//! Then it waits until stdin closes (a test runner holds it open), or for SIGTERM or Ctrl-C, and shuts
//! both down: Azurite runs as a separate process, which a fixture killed outright would leave running.
//!
//!     cargo run --example storage_fixture

use std::io::Read;
use std::time::Duration;

use arr_emulator::azurite::Azurite;
use arr_emulator::{
    ConverterConfig, ConverterProfile, Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY,
    RESULT_INPUT_INVALID_CODE, RESULT_INPUT_INVALID_TITLE,
};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let azurite = Azurite::start()?;
    azurite.create_container("models")?;
    azurite.create_container("assets")?;
    let converter = match std::env::var("ARR_FIXTURE_CONVERTER") {
        Ok(profile) => ConverterConfig {
            profile: profile.parse()?,
            ..ConverterConfig::default()
        },
        Err(_) => ConverterConfig::default(),
    };
    let model = match converter.profile {
        ConverterProfile::Pipeline => triangle_glb(),
        ConverterProfile::Simulated => minimal_glb(),
    };
    azurite.put_blob("models", "vehicles/car.glb", &model)?;
    let emulator = Emulator::start(EmulatorConfig {
        converter,
        storage: Some(azurite.connection_string()),
        start_delay: Duration::from_millis(300),
        // Conversions take a fraction of a second: 5 s NotStarted and 60 s Running at 600x.
        time_scale: 600.0,
        ..EmulatorConfig::default()
    })
    .await?;
    let url = emulator.base_url();
    let output_sas = azurite.container_sas("assets", "rwl");
    // The emulator fails a conversion whose input is missing, with this error in its result file.
    let (code, title) = (RESULT_INPUT_INVALID_CODE, RESULT_INPUT_INVALID_TITLE);
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
        "failing": {
            "settings": {
                "inputLocation": {
                    "storageContainerUri": azurite.container_url("models"),
                    "storageContainerReadListSas": azurite.container_sas("models", "rl"),
                    "blobPrefix": "vehicles",
                    "relativeInputAssetPath": "missing.glb",
                },
                "outputLocation": {
                    "storageContainerUri": azurite.container_url("assets"),
                    "storageContainerWriteSas": output_sas,
                    "blobPrefix": "failed",
                },
            },
            "resultsOptions": {"outputSas": output_sas},
            "code": code,
            "title": title,
        },
    });
    println!("{line}");
    until_stopped().await?;
    emulator.shutdown().await;
    drop(azurite);
    Ok(())
}

/// A GLB with nothing in it but its JSON chunk (`{"asset":{"version":"2.0"}}`): enough for the emulator,
/// and a model the preflight checks can read.
fn minimal_glb() -> Vec<u8> {
    glb(br#"{"asset":{"version":"2.0"}}"#.to_vec(), Vec::new())
}

/// A GLB holding one triangle (positions in its BIN chunk): the least a real conversion converts.
fn triangle_glb() -> Vec<u8> {
    let positions: [f32; 9] = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    let bin: Vec<u8> = positions.iter().flat_map(|v| v.to_le_bytes()).collect();
    let json = format!(
        r#"{{"asset":{{"version":"2.0"}},"scene":0,"scenes":[{{"nodes":[0]}}],"nodes":[{{"mesh":0}}],"meshes":[{{"primitives":[{{"attributes":{{"POSITION":0}}}}]}}],"buffers":[{{"byteLength":{n}}}],"bufferViews":[{{"buffer":0,"byteLength":{n}}}],"accessors":[{{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]}}]}}"#,
        n = bin.len()
    );
    glb(json.into_bytes(), bin)
}

/// The GLB container: header, the JSON chunk (padded with spaces), and the BIN chunk when `bin` has bytes
/// (a multiple of four here).
fn glb(mut json: Vec<u8>, bin: Vec<u8>) -> Vec<u8> {
    while json.len() % 4 != 0 {
        json.push(b' ');
    }
    let bin_chunk = if bin.is_empty() { 0 } else { 8 + bin.len() };
    let total = 12 + 8 + json.len() + bin_chunk;
    let mut glb = b"glTF".to_vec();
    glb.extend(2u32.to_le_bytes());
    glb.extend((total as u32).to_le_bytes());
    glb.extend((json.len() as u32).to_le_bytes());
    glb.extend(b"JSON");
    glb.extend(json);
    if !bin.is_empty() {
        glb.extend((bin.len() as u32).to_le_bytes());
        glb.extend(b"BIN\0");
        glb.extend(bin);
    }
    glb
}

/// Returns when stdin closes, or at SIGTERM (Unix) or Ctrl-C.
async fn until_stopped() -> std::io::Result<()> {
    let (closed, stdin_closed) = tokio::sync::oneshot::channel();
    // A plain thread, not spawn_blocking: the runtime would wait for a blocking read at exit.
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = closed.send(());
    });
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    #[cfg(unix)]
    let terminated = terminate.recv();
    #[cfg(not(unix))]
    let terminated = std::future::pending::<Option<()>>();
    tokio::select! {
        _ = stdin_closed => {}
        _ = terminated => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
