//! The storage work of one conversion: read the input and its settings file, check them, write the
//! output files (asset, result file, info file, log; a failure leaves its result file and log), and
//! record the result.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::json;

use super::codes::{
    CONVERSION_FAIL_CODE, CONVERSION_FAIL_MESSAGE, INPUT_CONTAINER_ERROR, INPUT_MISSING_MESSAGE,
    RESULT_INPUT_INVALID_CODE, RESULT_INPUT_INVALID_TITLE, RESULT_SETTINGS_INVALID_CODE, RESULT_SETTINGS_INVALID_TITLE,
    RESULT_UNSUPPORTED_FORMAT_CODE, RESULT_UNSUPPORTED_FORMAT_TITLE,
};
use super::input_checks::{check_format, check_settings};
use super::pipeline::{self, ConverterProfile};
use super::record::{Outcome, STATUS_NOT_STARTED, STATUS_RUNNING, STATUS_SUCCEEDED};
use super::result_files::{info_file, result_file, InfoInput, ResultError};
use super::run::{input_refused, output_refused, read_blob, Run};
use super::settings::Settings;
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
        None => match run(&shared, &key, &settings).await {
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
async fn run(shared: &Shared, key: &(String, String), settings: &Settings) -> Result<(), Outcome> {
    let id = key.1.as_str();
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
    let container = &input.storage_container_uri;
    let read_sas = input.storage_container_read_list_sas.as_deref();
    let (dir, file_name) = input_blob
        .rsplit_once('/')
        .map_or(("", input_blob.as_str()), |(d, f)| (d, f));
    let dir = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    // The service's own id for the run, unrelated to the conversion's id (docs: result file).
    let run = Run {
        shared,
        account,
        key,
        id,
        settings,
        conversion_id: uuid::Uuid::new_v4().to_string(),
    };
    let Some(bytes) = read_blob(shared, account, container, &input_blob, read_sas).await? else {
        let error = ResultError {
            code: RESULT_INPUT_INVALID_CODE,
            title: RESULT_INPUT_INVALID_TITLE,
            details: json!({ "import error": format!("could not open the input file \"{input_blob}\"") }),
        };
        run.write_failure(&error).await;
        return Err(Outcome::failed(INPUT_CONTAINER_ERROR, INPUT_MISSING_MESSAGE));
    };
    let model_stem = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
    let mut settings_file = None;
    for name in [
        format!("{dir}{model_stem}.ConversionSettings.json"),
        format!("{dir}conversionSettings.json"),
    ] {
        if let Some(content) = read_blob(shared, account, container, &name, read_sas).await? {
            settings_file = Some((name, content));
            break;
        }
    }
    let conversion_settings = match &settings_file {
        None => json!({}),
        Some((name, content)) => match check_settings(content) {
            Ok(value) => value,
            Err(problem) => {
                let error = ResultError {
                    code: RESULT_SETTINGS_INVALID_CODE,
                    title: RESULT_SETTINGS_INVALID_TITLE,
                    details: json!({ "file": name, "path": problem.path, "problem": problem.problem }),
                };
                run.write_failure(&error).await;
                return Err(Outcome::failed(CONVERSION_FAIL_CODE, CONVERSION_FAIL_MESSAGE));
            }
        },
    };
    let format = match check_format(file_name, &bytes) {
        Ok(format) => format,
        Err(detail) => {
            let error = ResultError {
                code: RESULT_UNSUPPORTED_FORMAT_CODE,
                title: RESULT_UNSUPPORTED_FORMAT_TITLE,
                details: json!({ "import error": detail }),
            };
            run.write_failure(&error).await;
            return Err(Outcome::failed(CONVERSION_FAIL_CODE, CONVERSION_FAIL_MESSAGE));
        }
    };
    let name = &output.output_asset_filename;
    let now = crate::blob::iso_seconds(SystemTime::now());
    let asset = format!(
        "ARR-EMULATOR ASSET\nThis is not a real .arrAsset: it was made by arr-emulator, the local emulator of Azure Remote Rendering.\nconversion: {id}\ninput: {}/{input_blob}\ninput size: {} bytes\ncreated: {now}\n",
        input.storage_container_uri.trim_end_matches('/'),
        bytes.len()
    );
    let default_name = format!("{model_stem}.arrAsset");
    let custom_output_name = (*name != default_name).then_some(name.as_str());
    if shared.config.converter.profile == ConverterProfile::Pipeline {
        let input = pipeline::Input {
            container,
            read_sas,
            dir: &dir,
            file_name,
            custom_output_name,
            bytes: &bytes,
            conversion_settings: &conversion_settings,
            format: &format,
        };
        return pipeline::convert(&run, input).await;
    }
    let info = info_file(&InfoInput {
        input_name: file_name,
        custom_output_name,
        conversion_settings: &conversion_settings,
        format: &format,
        input_bytes: &bytes,
        measured: None,
    });
    let log = format!(
        "{now} arr-emulator conversion {id}\n{now} read {input_blob} ({} bytes)\n{now} wrote {}\n{now} conversion succeeded\n",
        bytes.len(),
        settings.output_blob(name)
    );
    let stem = run.output_stem();
    run.write(&[
        (name.clone(), asset.into_bytes(), "application/octet-stream"),
        (
            format!("{stem}.result.json"),
            result_file(&run.conversion_id, None, &[]),
            "application/json",
        ),
        (format!("{stem}.info.json"), info, "application/json"),
        (format!("{stem}.log"), log.into_bytes(), "text/plain"),
    ])
    .await
}
