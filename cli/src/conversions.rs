//! `arr conversion ...`: asset conversions at parity with ARR's `Conversion.ps1`. Where a flag is not
//! given, the value comes from arrconfig.json's `assetConversionSettings` the way the script reads it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use arr_session::{AssetConversion, Client, ConversionStatus, Result, ResultsOptions, WaitOptions};
use serde_json::json;

use crate::args::{ConversionCommand, ConversionFlags, OutputFormat};
use crate::conversion_settings::resolve;
use crate::exit::{self, Exit};
use crate::output;
use crate::preflight;
use crate::settings::Settings;
use crate::spinner::Spinner;

pub async fn run(command: ConversionCommand, settings: &Settings, client: &Client) -> Result<Exit> {
    // The core refuses conversions with api-version v1 before sending anything. Asking it first (an empty
    // wait sends no request) gives that answer before complaints about missing conversion settings.
    client
        .wait_for_conversions(Vec::<String>::new(), &WaitOptions::default())
        .await?;
    let format = settings.output;
    match command {
        ConversionCommand::Create {
            flags,
            wait,
            no_check,
            sign_sas,
        } => create(&flags, wait, !no_check, sign_sas, settings, client).await,
        ConversionCommand::Check { files, flags } => preflight::check(&files, &flags, settings, client).await,
        ConversionCommand::Get { id, wait: true } => {
            let results = preflight::results_access_from_env(settings);
            wait_one(&id, results.as_ref(), settings, client).await
        }
        ConversionCommand::Get { id, wait: false } => {
            let mut conversion = client.get_conversion(&id).await?.into_value();
            if let Some(options) = preflight::results_access_from_env(settings) {
                preflight::read_results(&mut conversion, &options, client).await;
            }
            output::conversion(&conversion, format);
            if let (OutputFormat::Table, Some(results)) = (format, &conversion.results) {
                preflight::print_results(results);
            }
            Ok(Exit::Ok)
        }
        ConversionCommand::List => {
            output::conversions(&client.list_conversions().await?.into_value(), format);
            Ok(Exit::Ok)
        }
        ConversionCommand::Wait { ids } => wait_many(&ids, settings, client).await,
    }
}

async fn create(
    flags: &ConversionFlags,
    wait: bool,
    check: bool,
    sign_sas: bool,
    settings: &Settings,
    client: &Client,
) -> Result<Exit> {
    let mut conversion_settings = resolve(
        flags,
        settings.conversion_file(),
        settings.input_sas.clone(),
        settings.output_sas.clone(),
    )?;
    if sign_sas {
        preflight::sign_missing(&mut conversion_settings, flags, settings)?;
    }
    if check {
        if let Some(exit) = preflight::before_create(&conversion_settings, flags, settings, client).await? {
            return Ok(exit);
        }
    }
    let results = preflight::results_access(&conversion_settings, flags, settings)?;
    let id = flags.id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let created = client.create_conversion(&id, &conversion_settings).await?.into_value();
    if !wait {
        output::conversion(&created, settings.output);
        return Ok(Exit::Ok);
    }
    if settings.output == OutputFormat::Table {
        eprintln!(
            "Created conversion {} of {}; waiting until it finishes.",
            created.id,
            output::input_location(&created.settings)
        );
    }
    wait_one(&created.id, results.as_ref(), settings, client).await
}

/// Waits for one conversion and prints it as it ended; Failed or Cancelled exit 1 with its error. With
/// `results`, the service's result files are read once it has ended, and their messages printed. A
/// timeout prints the conversion as last seen before the error.
async fn wait_one(id: &str, results: Option<&ResultsOptions>, settings: &Settings, client: &Client) -> Result<Exit> {
    let spinner = Spinner::start(format!("conversion {id}: waiting"));
    let handle = spinner.handle();
    let last: Arc<Mutex<Option<AssetConversion>>> = Arc::default();
    let seen = last.clone();
    let label = id.to_owned();
    let mut options = wait_options(settings);
    options.on_progress = Some(Arc::new(move |c: &AssetConversion| {
        handle.set(format!("conversion {label}: {}", c.status));
        *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(c.clone());
    }));
    let result = client.wait_for_conversion(id, &options).await;
    drop(spinner);
    match result {
        Ok(done) => {
            let mut done = done.into_value();
            if let Some(options) = results {
                preflight::read_results(&mut done, options, client).await;
            }
            output::conversion(&done, settings.output);
            if ended(&done) {
                report_ended(&done, settings.output);
            }
            if let (OutputFormat::Table, Some(results)) = (settings.output, &done.results) {
                preflight::print_results(results);
            }
            Ok(if ended(&done) { Exit::Ended } else { Exit::Ok })
        }
        Err(e) => {
            if let Some(last) = last.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                output::conversion(last, settings.output);
            }
            Err(e)
        }
    }
}

/// Waits for several conversions with one list request per poll.
async fn wait_many(ids: &[String], settings: &Settings, client: &Client) -> Result<Exit> {
    let spinner = Spinner::start(format!("waiting for {} conversions", ids.len()));
    let handle = spinner.handle();
    let seen: Mutex<BTreeMap<String, String>> = Mutex::default();
    let total = ids.len();
    let mut options = wait_options(settings);
    options.on_progress = Some(Arc::new(move |c: &AssetConversion| {
        let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.insert(c.id.clone(), c.status.to_string());
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for status in seen.values() {
            *counts.entry(status.as_str()).or_default() += 1;
        }
        let summary: Vec<String> = counts.iter().map(|(status, n)| format!("{n} {status}")).collect();
        handle.set(format!("waiting for {total} conversions: {}", summary.join(", ")));
    }));
    let outcomes = client.wait_for_conversions(ids, &options).await;
    drop(spinner);
    let mut shown = Vec::new();
    let mut exit = Exit::Ok;
    for (id, outcome) in ids.iter().zip(outcomes?) {
        match outcome {
            Ok(conversion) => {
                if ended(&conversion) {
                    report_ended(&conversion, settings.output);
                    exit = exit.or(Exit::Ended);
                }
                shown.push(conversion);
            }
            Err(e) => {
                eprintln!("conversion {id}:");
                exit::report(&e, OutputFormat::Table);
                if settings.output == OutputFormat::Json {
                    let mut value = exit::error_json(&e);
                    value["id"] = json!(id);
                    eprintln!("{value}");
                }
                exit = exit.or(Exit::for_error(&e));
            }
        }
    }
    output::conversions(&shown, settings.output);
    Ok(exit)
}

fn wait_options(settings: &Settings) -> WaitOptions<AssetConversion> {
    let mut options = WaitOptions::default();
    options.timeout = settings.timeout;
    options.poll_interval = settings.poll_interval;
    options
}

/// Whether the conversion ended without an asset (Failed or Cancelled).
fn ended(conversion: &AssetConversion) -> bool {
    matches!(
        conversion.status,
        ConversionStatus::Failed | ConversionStatus::Cancelled
    )
}

/// Reports a Failed or Cancelled conversion on stderr like an error: its code and message, and in JSON
/// mode one JSON object with the fields of the other errors.
fn report_ended(conversion: &AssetConversion, format: OutputFormat) {
    let (code, message) = match &conversion.error {
        Some(e) => (Some(e.code.as_str()).filter(|c| !c.is_empty()), e.message.as_str()),
        None => (None, ""),
    };
    let mut line = format!("error: conversion {} ended {}", conversion.id, conversion.status);
    if !message.is_empty() {
        line.push_str(": ");
        line.push_str(message);
    }
    eprintln!("{line}");
    if let Some(code) = code {
        eprintln!("code: {code}");
    }
    if format == OutputFormat::Json {
        let status = match conversion.status {
            ConversionStatus::Cancelled => "conversion_cancelled",
            _ => "conversion_failed",
        };
        let value = json!({
            "status": status,
            "httpStatus": null,
            "code": code,
            "message": message,
            "msCv": null,
            "id": conversion.id,
        });
        eprintln!("{value}");
    }
}
