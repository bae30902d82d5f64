//! `arr conversion check`, the checks `arr conversion create` runs first, the result file printed when
//! a conversion ends, and `arr storage sas`. The rules, the lint and the signing live in the core; this
//! file only chooses what to print where.

use std::path::PathBuf;

use arr_session::{
    check_settings, AssetConversion, Client, ContainerSas, ConversionResults, ConversionSettings, Error, Finding,
    InputLint, LintOptions, Result, ResultsOptions, SasPurpose, Secret, Severity,
};
use serde_json::json;

use crate::args::{ConversionFlags, OutputFormat, SasFor, StorageCommand};
use crate::conversion_settings::{container_url, resolve};
use crate::exit::Exit;
use crate::settings::Settings;

/// `arr conversion check [SETTINGS...]`.
pub async fn check(files: &[PathBuf], flags: &ConversionFlags, settings: &Settings, client: &Client) -> Result<Exit> {
    if !files.is_empty() {
        let input = flags
            .input
            .clone()
            .or_else(|| settings.conversion_file().input_asset_path.clone());
        let mut findings = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::invalid_argument("SETTINGS", format_args!("cannot read {}: {e}", path.display()))
            })?;
            findings.extend(check_settings(&path.display().to_string(), &text, input.as_deref()));
        }
        match settings.output {
            OutputFormat::Json => println!("{}", json!({ "findings": findings })),
            OutputFormat::Table => {
                for finding in &findings {
                    println!("{finding}");
                }
                println!("{}", summary(&findings, files.len()));
            }
        }
        return Ok(exit_for(&findings));
    }
    let conversion = conversion_settings(flags, settings)?;
    let lint = lint(&conversion, flags, settings, client).await?;
    match settings.output {
        OutputFormat::Json => println!("{}", serde_json::to_string(&lint).expect("a lint serialises")),
        OutputFormat::Table => {
            for finding in &lint.findings {
                println!("{finding}");
            }
            println!("{}", summary(&lint.findings, 0));
        }
    }
    Ok(exit_for(&lint.findings))
}

/// The checks before `conversion create`: printed on stderr (errors, warnings and what will be
/// downloaded); `Some(Exit::Usage)` when an error stops the create.
pub async fn before_create(
    conversion: &ConversionSettings,
    flags: &ConversionFlags,
    settings: &Settings,
    client: &Client,
) -> Result<Option<Exit>> {
    let lint = lint(conversion, flags, settings, client).await?;
    match settings.output {
        OutputFormat::Json => eprintln!("{}", json!({ "check": lint })),
        OutputFormat::Table => {
            for finding in lint
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Info || f.rule == "download")
            {
                eprintln!("{finding}");
            }
        }
    }
    if lint.has_errors() {
        eprintln!(
            "error: the checks found {} before creating the conversion; nothing was sent (fix them, or pass --no-check)",
            summary(&lint.findings, 0)
        );
        return Ok(Some(Exit::Usage));
    }
    Ok(None)
}

async fn lint(
    conversion: &ConversionSettings,
    flags: &ConversionFlags,
    settings: &Settings,
    client: &Client,
) -> Result<InputLint> {
    let mut options = LintOptions::default();
    options.storage_account_key = settings.storage_key(flags.storage_key_file.as_deref())?;
    options.storage_account_name = settings.conversion_file().storage_account_name.clone();
    client.lint_conversion_input(conversion, &options).await
}

fn conversion_settings(flags: &ConversionFlags, settings: &Settings) -> Result<ConversionSettings> {
    resolve(
        flags,
        settings.conversion_file(),
        settings.input_sas.clone(),
        settings.output_sas.clone(),
    )
}

/// `--sign-sas`: the tokens a conversion needs, signed from the storage key, where none was given.
pub fn sign_missing(conversion: &mut ConversionSettings, flags: &ConversionFlags, settings: &Settings) -> Result<()> {
    let key = settings
        .storage_key(flags.storage_key_file.as_deref())?
        .ok_or_else(|| {
            Error::invalid_argument(
                "--sign-sas",
                "needs the storage account key: --storage-key-file, ARR_STORAGE_KEY or AZURE_STORAGE_KEY",
            )
        })?;
    let account = settings.conversion_file().storage_account_name.clone();
    let signed = |uri: &str, purpose| {
        let mut sas = ContainerSas::new(uri, purpose);
        if let Some(name) = &account {
            sas = sas.account_name(name);
        }
        sas.sign(&key)
    };
    let input = &mut conversion.input_location;
    if input.storage_container_read_list_sas.is_none() {
        input.storage_container_read_list_sas = Some(signed(&input.storage_container_uri, SasPurpose::Input)?);
    }
    let output = &mut conversion.output_location;
    if output.storage_container_write_sas.is_none() {
        output.storage_container_write_sas = Some(signed(&output.storage_container_uri, SasPurpose::Output)?);
    }
    Ok(())
}

/// How the result files can be read after the conversion: the output SAS, or the storage key.
pub fn results_access(
    conversion: &ConversionSettings,
    flags: &ConversionFlags,
    settings: &Settings,
) -> Result<Option<ResultsOptions>> {
    let sas = conversion.output_location.storage_container_write_sas.clone();
    let key = settings.storage_key(flags.storage_key_file.as_deref())?;
    Ok(access(sas, key, settings))
}

/// For `conversion get`: the output SAS and storage key from the environment (ARR_OUTPUT_SAS, ARR_STORAGE_KEY
/// or AZURE_STORAGE_KEY), when either is set.
pub fn results_access_from_env(settings: &Settings) -> Option<ResultsOptions> {
    access(settings.output_sas.clone(), settings.storage_key.clone(), settings)
}

/// Reading results with the output SAS or the storage key, when there is either.
fn access(output_sas: Option<Secret>, storage_key: Option<Secret>, settings: &Settings) -> Option<ResultsOptions> {
    let mut options = ResultsOptions::default();
    options.output_sas = output_sas;
    options.storage_account_key = storage_key;
    options.storage_account_name = settings.conversion_file().storage_account_name.clone();
    (options.output_sas.is_some() || options.storage_account_key.is_some()).then_some(options)
}

/// Reads the result files of a conversion that ended (Succeeded, Failed or Cancelled), into
/// `conversion.results`; a failure to read them is a note on stderr, not the command's failure.
pub async fn read_results(conversion: &mut AssetConversion, options: &ResultsOptions, client: &Client) {
    if !conversion.status.is_terminal() {
        return;
    }
    match client.conversion_results(conversion, options).await {
        Ok(results) => conversion.results = Some(results),
        Err(e) => eprintln!("note: the conversion's result file could not be read: {e}"),
    }
}

/// The result file's outcome and messages, on stderr (table form; JSON has them in the conversion).
pub fn print_results(results: &ConversionResults) {
    let Some(file) = &results.result_file else {
        eprintln!(
            "note: no result file was written (looked for {}); the service writes none when it fails before converting",
            results.looked_for.join(", ")
        );
        return;
    };
    if results.messages.is_empty() && results.outcome.as_deref() == Some("succeeded") {
        return;
    }
    eprintln!(
        "result file {file}: {}",
        results.outcome.as_deref().unwrap_or("no result")
    );
    for message in &results.messages {
        let details = message.details.as_ref().map(|d| format!(" {d}")).unwrap_or_default();
        eprintln!("  {} {}: {}{details}", message.kind, message.code, message.title);
    }
}

/// `arr storage sas`.
pub fn storage(command: StorageCommand, settings: &Settings) -> Result<Exit> {
    let StorageCommand::Sas {
        purpose,
        container,
        permissions,
        lifetime,
        storage_key_file,
        blob_endpoint,
    } = command;
    let key = settings.storage_key(storage_key_file.as_deref())?.ok_or_else(|| {
        Error::invalid_argument(
            "--storage-key-file",
            "the storage account key is not set: pass --storage-key-file, or set ARR_STORAGE_KEY or AZURE_STORAGE_KEY",
        )
    })?;
    let file = settings.conversion_file();
    let (purpose, flag, from_file) = match purpose {
        SasFor::Input => (SasPurpose::Input, "input", file.blob_input_container_name.as_deref()),
        SasFor::Output => (SasPurpose::Output, "output", file.blob_output_container_name.as_deref()),
    };
    let url = container_url(
        "--container",
        flag,
        container.as_deref(),
        from_file,
        blob_endpoint.as_deref(),
        file.storage_account_name.as_deref(),
    )?;
    let mut sas = ContainerSas::new(&url, purpose).valid_for(lifetime.unwrap_or(arr_session::DEFAULT_SAS_LIFETIME));
    if let Some(permissions) = permissions {
        sas = sas.permissions(permissions);
    }
    if let Some(name) = &file.storage_account_name {
        sas = sas.account_name(name);
    }
    let token: Secret = sas.sign(&key)?;
    match settings.output {
        OutputFormat::Json => println!("{}", json!({ "container": url, "sas": token.expose() })),
        OutputFormat::Table => println!("{}", token.expose()),
    }
    Ok(Exit::Ok)
}

fn exit_for(findings: &[Finding]) -> Exit {
    if arr_session::has_errors(findings) {
        Exit::Ended
    } else {
        Exit::Ok
    }
}

/// `2 errors, 1 warning` (or `no problems found in 2 files`).
fn summary(findings: &[Finding], files: usize) -> String {
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) if files > 0 => format!("no problems found in {}", plural(files, "file")),
        (0, 0) => "no problems found".to_owned(),
        _ => format!("{}, {}", plural(errors, "error"), plural(warnings, "warning")),
    }
}
