//! Asset conversions through the Rust client: against the emulator with simulated storage, and end to
//! end against a real Azure Storage emulator (Azurite, started here on loopback): upload a model,
//! convert it, find the asset.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arr_emulator::FaultKind;
use arr_session::{ApiVersion, Client, ConversionSettings, ConversionStatus, ErrorKind, WaitOptions};
use common::*;

fn settings(input: &str) -> ConversionSettings {
    let mut settings = ConversionSettings::new(
        "https://storage.example/arrinput",
        input,
        "https://storage.example/arroutput",
    );
    settings.input_location.blob_prefix = Some("models".into());
    settings.output_location.blob_prefix = Some("out".into());
    settings
}

#[tokio::test]
async fn create_get_list_and_wait_with_the_services_normalisation() {
    let emulator = start(fast_conversions()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = unique_id("conv");
    let created = client.create_conversion(&id, &settings("box.fbx")).await.unwrap();
    assert_eq!(created.http_status(), 201);
    let created = created.into_value();
    assert_eq!(created.status, ConversionStatus::NotStarted);
    assert_eq!(created.settings.input_location.blob_prefix.as_deref(), Some("models/"));
    assert_eq!(
        created.settings.output_location.output_asset_filename.as_deref(),
        Some("box.arrAsset")
    );
    let done = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    assert_eq!(done.status, ConversionStatus::Succeeded);
    assert_eq!(
        done.output.unwrap().output_asset_uri.as_deref(),
        Some("https://storage.example/arroutput/out/box.arrAsset")
    );
    assert_eq!(
        client.get_conversion(&id).await.unwrap().into_value().status,
        ConversionStatus::Succeeded
    );
    let listed = client.list_conversions().await.unwrap().into_value();
    assert!(listed.iter().any(|c| c.id == id));
}

#[tokio::test]
async fn a_failed_conversion_is_an_answer_with_its_error() {
    let emulator = start(fast_conversions()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = unique_id("conv");
    client.create_conversion(&id, &settings("missing.fbx")).await.unwrap();
    let done = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    assert_eq!(done.status, ConversionStatus::Failed);
    assert_eq!(done.error.unwrap().code, "InputContainerError");
    assert!(done.output.is_none());
}

#[tokio::test]
async fn a_retried_create_finds_the_first_conversion() {
    let emulator = start(fast_conversions()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    client.access_token().await.unwrap();
    emulator.inject(fault("conversions.create", FaultKind::DropAfterProcessing, 1));
    let id = unique_id("conv");
    let created = client.create_conversion(&id, &settings("box.fbx")).await.unwrap();
    assert_eq!(
        created.http_status(),
        200,
        "the retry found what the first attempt made"
    );
    assert_eq!(emulator.request_count("conversions.create"), 2);
    let other = client.create_conversion(&id, &settings("other.fbx")).await.unwrap_err();
    assert_eq!(other.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn waiting_for_many_costs_one_list_per_poll() {
    let emulator = start(fast_conversions()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut ids = Vec::new();
    for n in 0..6 {
        let id = unique_id("many");
        let input = if n == 0 { "missing.fbx" } else { "box.fbx" };
        client.create_conversion(&id, &settings(input)).await.unwrap();
        ids.push(id);
    }
    let gets_before = emulator.request_count("conversions.get");
    let outcomes = client.wait_for_conversions(&ids, &conversion_wait()).await.unwrap();
    assert_eq!(outcomes[0].as_ref().unwrap().status, ConversionStatus::Failed);
    assert!(outcomes[1..]
        .iter()
        .all(|c| c.as_ref().unwrap().status == ConversionStatus::Succeeded));
    assert_eq!(emulator.request_count("conversions.get"), gets_before, "lists only");
    assert!(emulator.request_count("conversions.list") >= 1);
}

#[tokio::test]
async fn progress_is_reported_and_sas_never_leaves_the_request() {
    let emulator = start(fast_conversions()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut with_sas = settings("box.fbx");
    with_sas.input_location.storage_container_read_list_sas = Some("?sv=2020&sp=rl&sig=READ-SECRET".into());
    with_sas.output_location.storage_container_write_sas = Some("?sv=2020&sp=w&sig=WRITE-SECRET".into());
    let id = unique_id("sas");
    let created = client.create_conversion(&id, &with_sas).await.unwrap().into_value();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let options = conversion_wait().on_progress(move |c| log.lock().unwrap().push(c.status.clone()));
    let done = client.wait_for_conversion(&id, &options).await.unwrap().into_value();
    assert_eq!(done.status, ConversionStatus::Succeeded);
    assert!(seen.lock().unwrap().contains(&ConversionStatus::Succeeded));
    let shown = format!(
        "{:?} {} {:?} {}",
        with_sas,
        serde_json::to_string(&created).unwrap(),
        done,
        serde_json::to_string(&done).unwrap()
    );
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[tokio::test]
async fn conversions_need_the_2021_api_and_valid_arguments() {
    let emulator = start(fast_conversions()).await;
    let v1 = client_for(&emulator, ApiVersion::V1);
    assert_eq!(v1.list_conversions().await.unwrap_err().argument(), Some("apiVersion"));
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let bad_id = client.create_conversion("a/b", &settings("box.fbx")).await.unwrap_err();
    assert_eq!(bad_id.argument(), Some("conversionId"));
    let mut bad_name = settings("box.fbx");
    bad_name.output_location.output_asset_filename = Some("box.glb".into());
    let error = client.create_conversion("ok-id", &bad_name).await.unwrap_err();
    assert_eq!(error.argument(), Some("outputLocation.outputAssetFilename"));
    assert!(emulator
        .request_counts()
        .get("conversions.create")
        .is_none_or(|n| *n == 0));
}

#[tokio::test]
async fn end_to_end_with_azurite_linked_storage_and_with_sas() {
    let azurite = azurite();
    azurite.create_container("arrinput").unwrap();
    azurite.create_container("arroutput").unwrap();
    azurite
        .put_blob("arrinput", "models/box.fbx", b"a model, as far as the emulator cares")
        .unwrap();
    let emulator = with_storage(&azurite).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut linked = ConversionSettings::new(
        azurite.container_url("arrinput"),
        "box.fbx",
        azurite.container_url("arroutput"),
    );
    linked.input_location.blob_prefix = Some("models".into());
    linked.output_location.blob_prefix = Some("linked".into());
    let id = unique_id("linked");
    client.create_conversion(&id, &linked).await.unwrap();
    let done = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    assert_eq!(done.status, ConversionStatus::Succeeded, "{:?}", done.error);
    let asset = azurite.get_blob("arroutput", "linked/box.arrAsset").unwrap();
    assert!(
        asset.is_some_and(|bytes| !bytes.is_empty()),
        "the asset is in the output container"
    );
    assert!(azurite
        .get_blob("arroutput", "linked/box.result.json")
        .unwrap()
        .is_some());

    let mut with_sas = linked.clone();
    with_sas.input_location.storage_container_read_list_sas = Some(azurite.container_sas("arrinput", "rl").into());
    with_sas.output_location.storage_container_write_sas = Some(azurite.container_sas("arroutput", "rwl").into());
    with_sas.output_location.blob_prefix = Some("sas".into());
    let id = unique_id("sas");
    client.create_conversion(&id, &with_sas).await.unwrap();
    let done = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    assert_eq!(done.status, ConversionStatus::Succeeded, "{:?}", done.error);
    assert!(azurite.get_blob("arroutput", "sas/box.arrAsset").unwrap().is_some());
}

#[tokio::test]
async fn storage_failures_end_with_the_services_errors() {
    let azurite = azurite();
    azurite.create_container("models-in").unwrap();
    azurite.create_container("assets-out").unwrap();
    azurite.put_blob("models-in", "box.fbx", b"model").unwrap();
    let emulator = with_storage(&azurite).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);

    let missing = ConversionSettings::new(
        azurite.container_url("models-in"),
        "nothing.fbx",
        azurite.container_url("assets-out"),
    );
    let id = unique_id("missing");
    client.create_conversion(&id, &missing).await.unwrap();
    let done = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    assert_eq!(done.status, ConversionStatus::Failed);
    assert_eq!(done.error.unwrap().code, "InputContainerError");

    let mut read_only = ConversionSettings::new(
        azurite.container_url("models-in"),
        "box.fbx",
        azurite.container_url("assets-out"),
    );
    read_only.output_location.storage_container_write_sas = Some(azurite.container_sas("assets-out", "r").into());
    let id = unique_id("readonly");
    client.create_conversion(&id, &read_only).await.unwrap();
    let done = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    assert_eq!(
        done.status,
        ConversionStatus::Failed,
        "a read-only SAS cannot write the asset"
    );

    let wrong = ConversionSettings::new(
        azurite.container_url("no-such-container"),
        "box.fbx",
        azurite.container_url("assets-out"),
    );
    let error = client.create_conversion(&unique_id("wrong"), &wrong).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Forbidden, "{error}");
    assert_eq!(error.code(), Some("LinkedStorageAccessFailure"));
}

#[tokio::test]
async fn a_conversion_then_a_session_the_whole_flow() {
    let azurite = azurite();
    azurite.create_container("input").unwrap();
    azurite.create_container("output").unwrap();
    azurite.put_blob("input", "car.glb", b"glTF binary").unwrap();
    let emulator = with_storage(&azurite).await;
    let client: Client = client_for(&emulator, ApiVersion::V2021_01_01);
    let settings = ConversionSettings::new(
        azurite.container_url("input"),
        "car.glb",
        azurite.container_url("output"),
    );
    let id = unique_id("flow");
    client.create_conversion(&id, &settings).await.unwrap();
    let converted = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    let asset = converted.output.unwrap().output_asset_uri.unwrap();
    assert!(asset.ends_with("/output/car.arrAsset"), "{asset}");
    let session = client.create_session(&standard(10)).await.unwrap().into_value();
    let ready = client
        .wait_until_ready(&session.id, &WaitOptions::with_timeout(Duration::from_secs(30)))
        .await
        .unwrap()
        .into_value();
    assert!(ready.status.is_ready());
    client.stop_session(&session.id).await.unwrap();
}
