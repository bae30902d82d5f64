//! The service's own account of a conversion, read back from the output container after it ends:
//! `<name>.result.json` (the errors and warnings, and the outcome) and `<name>.info.json` (statistics).
//!
//! Shapes as documented ("Get information about conversions", MicrosoftDocs/azure-docs
//! `articles/remote-rendering/how-tos/conversion/get-information.md`): the result file is a JSON array of
//! objects, each with one of the keys `warning`, `error`, `internal warning`, `internal error` (its value
//! the code, with `title` and `details` beside it), `result` (`succeeded`, `failed` or `succeeded with
//! warnings`), or `conversionId` (an internal id); the info file is an object with `files`,
//! `conversionSettings`, `inputInfo`, `inputStatistics`, `materialOverrides`, `outputInfo` and
//! `outputStatistics`, kept here as the service wrote it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::Client;
use crate::conversion::AssetConversion;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

use super::blob::Container;
use super::lint::{folder, stem};
use super::sas::{ContainerSas, SasPurpose};

/// The result and info files are small; more than this is not read.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// A token signed from the account key to read the results lives this long.
const READ_SAS_LIFETIME: Duration = Duration::from_secs(3600);
/// The message kinds of a result file, as the service writes them.
const KINDS: [&str; 4] = ["error", "internal error", "warning", "internal warning"];

/// One error or warning of the result file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultMessage {
    /// `error`, `internal error`, `warning` or `internal warning`, as the service wrote it.
    pub kind: String,
    /// The service's code (e.g. `4004`; a number is kept as its text).
    pub code: String,
    /// The service's title (e.g. `Missing texture`).
    pub title: String,
    /// Further details, as the service wrote them (e.g. `{"texture": ..., "material": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl ResultMessage {
    /// Whether this is an error (`error` or `internal error`).
    pub fn is_error(&self) -> bool {
        self.kind.ends_with("error")
    }
}

/// What the service wrote about a conversion.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionResults {
    /// The result file read (a blob name in the output container), or `None` if none was found (the
    /// service writes none when it fails before converting, Azure/azure-remote-rendering#86 and #115).
    pub result_file: Option<String>,
    /// `succeeded`, `failed` or `succeeded with warnings`, as written.
    pub outcome: Option<String>,
    /// The errors and warnings, in the file's order.
    pub messages: Vec<ResultMessage>,
    /// The service's internal conversion id (not the id the conversion was created with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_conversion_id: Option<String>,
    /// The info file read, if any.
    pub info_file: Option<String>,
    /// The info file as written (statistics: `inputStatistics`, `outputStatistics`, ...).
    pub info: Option<Value>,
    /// The blob names looked for.
    pub looked_for: Vec<String>,
}

impl ConversionResults {
    /// The first error message, if any (the service writes at most one).
    pub fn error(&self) -> Option<&ResultMessage> {
        self.messages.iter().find(|m| m.is_error())
    }
}

/// How to read the output container: the output SAS (it needs `r`), or the storage account key (a
/// short-lived read-only SAS is signed from it).
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct ResultsOptions {
    /// The output container's SAS (the service does not give it back, so it is passed again).
    pub output_sas: Option<Secret>,
    /// The storage account key, used when there is no SAS. Never sent, logged or shown.
    pub storage_account_key: Option<Secret>,
    /// The storage account's name, when the container URL does not show it.
    pub storage_account_name: Option<String>,
}

impl ResultsOptions {
    /// The options as the C ABI and the bindings pass them: `{"outputSas"?: "?sv=...",
    /// "storageAccountKey"?: "...", "storageAccountName"?: "..."}`. Unknown keys are refused.
    pub fn from_json(text: &str) -> Result<ResultsOptions> {
        let mut map = crate::json_fields::object(text, "resultsOptions")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "");
        let options = ResultsOptions {
            output_sas: fields.optional_string("outputSas")?.map(Secret::new),
            storage_account_key: fields.optional_string("storageAccountKey")?.map(Secret::new),
            storage_account_name: fields.optional_string("storageAccountName")?,
        };
        fields.reject_unknown()?;
        Ok(options)
    }
}

impl Client {
    /// Reads the result and info files the service wrote for a conversion that ended (Succeeded or
    /// Failed) from its output container: beside the asset, named after the asset (the input's name
    /// when they differ is tried too). A file that is not there is not an error (see
    /// [`ConversionResults::result_file`]); refused access is.
    pub async fn conversion_results(
        &self,
        conversion: &AssetConversion,
        options: &ResultsOptions,
    ) -> Result<ConversionResults> {
        self.until_closed(read_results(self, conversion, options)).await
    }

    /// The conversion as [`Client::get_conversion`] returns it, with the result and info files read
    /// into [`AssetConversion::results`] once it has ended.
    pub async fn get_conversion_with_results(
        &self,
        conversion_id: &str,
        options: &ResultsOptions,
    ) -> Result<crate::response::Response<AssetConversion>> {
        let mut response = self.get_conversion(conversion_id).await?;
        if response.value.status.is_terminal() {
            let results = self.conversion_results(&response.value, options).await?;
            response.value.results = Some(results);
        }
        Ok(response)
    }
}

async fn read_results(
    client: &Client,
    conversion: &AssetConversion,
    options: &ResultsOptions,
) -> Result<ConversionResults> {
    let output = &conversion.settings.output_location;
    let input = &conversion.settings.input_location;
    let sas = match (&options.output_sas, &options.storage_account_key) {
        (Some(sas), _) => sas.clone(),
        (None, Some(key)) => {
            let mut sas = ContainerSas::new(&output.storage_container_uri, SasPurpose::Output)
                .permissions("r")
                .valid_for(READ_SAS_LIFETIME);
            if let Some(name) = &options.storage_account_name {
                sas = sas.account_name(name);
            }
            sas.sign(key)?
        }
        (None, None) => {
            return Err(Error::invalid_argument(
                "outputSas",
                "reading the result files needs the output SAS (with read, r) or the storage account key",
            ))
        }
    };
    let container = Container::new(
        client.config(),
        "outputLocation.storageContainerUri",
        &output.storage_container_uri,
        Some(sas),
        u32::MAX,
    )?;
    let prefix = folder(output.blob_prefix.as_deref());
    let mut stems: Vec<String> = Vec::new();
    if let Some(name) = output.output_asset_filename.as_deref() {
        stems.push(asset_stem(name).to_owned());
    }
    let input_stem = stem(&input.relative_input_asset_path).to_owned();
    if !input_stem.is_empty() && !stems.contains(&input_stem) {
        stems.push(input_stem);
    }
    let mut results = ConversionResults::default();
    for stem in &stems {
        let name = format!("{prefix}{stem}.result.json");
        results.looked_for.push(name.clone());
        let Some(bytes) = container
            .read(&name, Some(MAX_FILE_BYTES))
            .await
            .map_err(|e| refused(e, &name))?
        else {
            continue;
        };
        parse_result_file(&bytes, &mut results)
            .map_err(|why| Error::new(ErrorKind::Decode, format!("cannot read {name}: {why}")))?;
        results.result_file = Some(name);
        let info = format!("{prefix}{stem}.info.json");
        results.looked_for.push(info.clone());
        if let Some(bytes) = container
            .read(&info, Some(MAX_FILE_BYTES))
            .await
            .map_err(|e| refused(e, &info))?
        {
            results.info = serde_json::from_slice::<Value>(&bytes).ok();
            results.info_file = results.info.is_some().then_some(info);
        }
        break;
    }
    Ok(results)
}

fn refused(error: Error, name: &str) -> Error {
    if matches!(error.kind(), ErrorKind::Forbidden | ErrorKind::Unauthorized) {
        return Error::new(
            error.kind(),
            format!(
                "reading {name} was refused ({}): the output SAS needs read (sp=rw; `arr storage sas --for output` signs one)",
                error.code().unwrap_or("no code")
            ),
        );
    }
    error
}

/// Reads a result file into `results` (its messages, outcome and internal id).
pub(crate) fn parse_result_file(bytes: &[u8], results: &mut ConversionResults) -> std::result::Result<(), String> {
    let text = String::from_utf8_lossy(bytes);
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())?;
    let entries = match value {
        Value::Array(entries) => entries,
        object @ Value::Object(_) => vec![object],
        _ => return Err("not a JSON array of objects".into()),
    };
    for entry in entries {
        let Value::Object(map) = entry else { continue };
        let text_of = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        if let Some(outcome) = map.get("result") {
            results.outcome = Some(text_of(outcome));
        }
        if let Some(id) = map.get("conversionId") {
            results.internal_conversion_id = Some(text_of(id));
        }
        if let Some(kind) = KINDS.iter().find(|k| map.contains_key(**k)) {
            results.messages.push(ResultMessage {
                kind: (*kind).to_owned(),
                code: map.get(*kind).map(text_of).unwrap_or_default(),
                title: map.get("title").map(text_of).unwrap_or_default(),
                details: map.get("details").filter(|d| !d.is_null()).cloned(),
            });
        }
    }
    Ok(())
}

/// The name of an output asset without `.arrAsset` (any case), as the service names its result files.
fn asset_stem(name: &str) -> &str {
    let at = name.len().saturating_sub(".arrAsset".len());
    match name.get(at..) {
        Some(end) if end.eq_ignore_ascii_case(".arrAsset") => &name[..at],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_result_file() {
        let mut r = ConversionResults::default();
        parse_result_file(
            br#"[
  {"conversionId":"XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX"},
  {"warning":"4004","title":"Missing texture","details":{"texture":"buggy_baseColor.png","material":"buggy_col"}},
  {"result":"succeeded with warnings"}
]"#,
            &mut r,
        )
        .unwrap();
        assert_eq!(r.outcome.as_deref(), Some("succeeded with warnings"));
        assert_eq!(
            r.internal_conversion_id.as_deref(),
            Some("XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX")
        );
        assert_eq!(r.messages.len(), 1);
        let m = &r.messages[0];
        assert_eq!(
            (m.kind.as_str(), m.code.as_str(), m.title.as_str()),
            ("warning", "4004", "Missing texture")
        );
        assert_eq!(m.details.as_ref().unwrap()["texture"], "buggy_baseColor.png");
        assert!(r.error().is_none());
    }

    #[test]
    fn reads_a_failed_one_with_a_numeric_code_and_unknown_entries() {
        let mut r = ConversionResults::default();
        parse_result_file(
            br#"[{"internal error":1001,"title":"Input asset not found","details":null},{"something":"new"},{"result":"failed"}]"#,
            &mut r,
        )
        .unwrap();
        let e = r.error().unwrap();
        assert_eq!(
            (e.kind.as_str(), e.code.as_str(), e.title.as_str()),
            ("internal error", "1001", "Input asset not found")
        );
        assert_eq!(e.details, None);
        assert_eq!(r.outcome.as_deref(), Some("failed"));
        assert!(parse_result_file(b"\"failed\"", &mut ConversionResults::default()).is_err());
        assert!(parse_result_file(b"[{", &mut ConversionResults::default()).is_err());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["messages"][0]["code"], "1001");
        assert_eq!(json["resultFile"], Value::Null);
    }

    #[test]
    fn an_asset_name_loses_its_extension_in_any_case_and_keeps_characters_of_several_bytes() {
        assert_eq!(asset_stem("box.arrAsset"), "box");
        assert_eq!(asset_stem("box.ARRASSET"), "box");
        assert_eq!(asset_stem("モデル.arrAsset"), "モデル");
        // 11 bytes: the cut 9 bytes from the end falls inside a character.
        assert_eq!(asset_stem("aモデルx"), "aモデルx");
        assert_eq!(asset_stem("box"), "box");
    }
}
