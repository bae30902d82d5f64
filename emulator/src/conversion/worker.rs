//! The storage work of one conversion: read the input, write the output files, record the result.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::json;

use super::codes::{INPUT_CONTAINER_ERROR, INPUT_MISSING_MESSAGE, OUTPUT_CONTAINER_ERROR};
use super::record::{Outcome, STATUS_NOT_STARTED, STATUS_RUNNING, STATUS_SUCCEEDED};
use super::settings::Settings;
use super::storage::{blob_url, send};
use crate::blob::sas_permissions;
use crate::shared::Shared;

/// Waits until the conversion is Running, does its storage work, and records the result. Started for
/// each new conversion, and at start-up for every unfinished one loaded from the state file.
pub(crate) async fn worker(shared: Arc<Shared>, account: String, id: String) {
    let key = (account, id);
    let (settings, planned) = loop {
        let phase = shared.store.with_conversions(|table, now| {
            let phase = table.map.get(&key).map(|c| {
                let status = c.state(now).0.to_string();
                let work = (c.settings.clone(), c.planned_failure.clone());
                (status, c.running_at_ns.saturating_sub(now), work)
            });
            (phase, false)
        });
        match phase {
            Some((status, wait_ns, _)) if status == STATUS_NOT_STARTED => {
                // Short naps, so that a clock advance is noticed quickly.
                tokio::time::sleep(Duration::from_nanos(wait_ns).min(Duration::from_millis(50))).await;
            }
            Some((status, _, work)) if status == STATUS_RUNNING => break work,
            _ => return,
        }
    };
    let outcome = match planned {
        Some(failure) => failure,
        None => match run(&shared, &key.1, &settings).await {
            Ok(()) => Outcome {
                status: STATUS_SUCCEEDED.into(),
                code: None,
                message: None,
            },
            Err(failure) => failure,
        },
    };
    tracing::debug!(target: "arr_emulator::request", "conversion {}: {:?}", key.1, outcome);
    shared.store.with_conversions(|table, _| match table.map.get_mut(&key) {
        Some(c) if c.outcome.is_none() && c.forced.is_none() => {
            c.outcome = Some(outcome);
            ((), true)
        }
        _ => ((), false),
    });
}

/// What a conversion does to storage. Simulated without `--storage`.
async fn run(shared: &Shared, id: &str, settings: &Settings) -> Result<(), Outcome> {
    let input = &settings.input_location;
    let output = &settings.output_location;
    let Some(account) = &shared.storage else {
        // Simulated storage: a missing input is one whose path says so; SAS permissions are honoured.
        if settings.input_blob().to_ascii_lowercase().contains("missing") {
            return Err(Outcome::failed(INPUT_CONTAINER_ERROR, INPUT_MISSING_MESSAGE));
        }
        if let Some(sas) = &input.storage_container_read_list_sas {
            if !sas_permissions(sas).is_some_and(|p| p.contains('r')) {
                return Err(input_refused(
                    "the storageContainerReadListSas does not grant read access (sp=r)",
                ));
            }
        }
        if let Some(sas) = &output.storage_container_write_sas {
            if !sas_permissions(sas).is_some_and(|p| p.contains('w') || p.contains('c')) {
                return Err(output_refused(
                    "the storageContainerWriteSas does not grant write access (sp=w)",
                ));
            }
        }
        return Ok(());
    };
    let input_blob = settings.input_blob();
    let input_url = blob_url(&input.storage_container_uri, &input_blob);
    let resp = send(
        shared,
        account,
        "GET",
        &input_url,
        input.storage_container_read_list_sas.as_deref(),
        None,
    )
    .await;
    let bytes = match resp {
        Ok((200, body)) => body,
        Ok((404, _)) => return Err(Outcome::failed(INPUT_CONTAINER_ERROR, INPUT_MISSING_MESSAGE)),
        Ok((status, _)) => {
            return Err(input_refused(&format!(
                "reading {input_blob} was refused with HTTP {status}"
            )))
        }
        Err(e) => return Err(input_refused(&format!("the storage account could not be reached: {e}"))),
    };
    let name = &output.output_asset_filename;
    let stem = name
        .strip_suffix(".arrAsset")
        .unwrap_or(name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s));
    let now = crate::blob::iso_seconds(SystemTime::now());
    let asset = format!(
        "ARR-EMULATOR ASSET\nThis is not a real .arrAsset: it was made by arr-emulator, the local emulator of Azure Remote Rendering.\nconversion: {id}\ninput: {}/{input_blob}\ninput size: {} bytes\ncreated: {now}\n",
        input.storage_container_uri.trim_end_matches('/'),
        bytes.len()
    );
    let result = serde_json::to_vec_pretty(&json!([{ "result": "succeeded" }])).expect("JSON serialises");
    let log = format!(
        "{now} arr-emulator conversion {id}\n{now} read {input_blob} ({} bytes)\n{now} wrote {}\n{now} conversion succeeded\n",
        bytes.len(),
        settings.output_blob(name)
    );
    let files: [(String, Vec<u8>, &str); 3] = [
        (name.clone(), asset.into_bytes(), "application/octet-stream"),
        (format!("{stem}.result.json"), result, "application/json"),
        (format!("{stem}.log"), log.into_bytes(), "text/plain"),
    ];
    for (file, content, content_type) in files {
        let blob = settings.output_blob(&file);
        let url = blob_url(&output.storage_container_uri, &blob);
        let sas = output.storage_container_write_sas.as_deref();
        match send(shared, account, "PUT", &url, sas, Some((content, content_type))).await {
            Ok((200..=299, _)) => {}
            Ok((404, _)) => return Err(output_refused("the output container does not exist")),
            Ok((status, _)) => {
                return Err(output_refused(&format!(
                    "writing {blob} was refused with HTTP {status}"
                )))
            }
            Err(e) => {
                return Err(output_refused(&format!(
                    "the storage account could not be reached: {e}"
                )))
            }
        }
    }
    Ok(())
}

fn input_refused(detail: &str) -> Outcome {
    Outcome::failed(
        INPUT_CONTAINER_ERROR,
        format!("Could not read the input from the storage account: {detail}. Please make sure the input container exists and can be read and listed with the given storageContainerReadListSas or the linked storage account."),
    )
}

fn output_refused(detail: &str) -> Outcome {
    Outcome::failed(
        OUTPUT_CONTAINER_ERROR,
        format!("Could not write the conversion output to the storage account: {detail}. Please make sure the output container exists and can be written with the given storageContainerWriteSas or the linked storage account."),
    )
}
