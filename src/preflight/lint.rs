//! The input linted from the storage listing the conversion will use: the input container's blobs under
//! the prefix (the service copies all of them), the model, its settings files, and the files it refers
//! to, before anything is sent to the service.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::client::Client;
use crate::conversion::ConversionSettings;
use crate::error::{ErrorKind, Result};
use crate::secret::Secret;

use super::blob::{Container, Listing};
use super::check::{extension, file_name};
use super::lint_model::read_references;
use super::lint_names::check_names;
use super::lint_settings::check_settings_files;
use super::rules::{MESH_EXTENSIONS, POINT_CLOUD_EXTENSIONS};
use super::sas::{check_sas, ContainerSas, SasPurpose};
use super::{Finding, Severity};

/// How much of a model is read, at most, to find the files it refers to.
pub const DEFAULT_SCAN_BYTES: u64 = 16 * 1024 * 1024;

/// Retries when looking at the input: a check is not worth a long wait (it is skipped, with a warning).
const LOOK_RETRIES: u32 = 1;
/// A token signed from the account key to look at the input lives this long.
const LOOK_SAS_LIFETIME: Duration = Duration::from_secs(3600);

/// How to reach the input when the settings carry no SAS, and how much to read.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// The storage account's key: used to sign a short-lived read+list SAS when the settings have none
    /// (linked storage). Never sent, logged or shown.
    pub storage_account_key: Option<Secret>,
    /// The storage account's name, when the container URL does not show it.
    pub storage_account_name: Option<String>,
    /// How much of a model is read to find the files it refers to ([`DEFAULT_SCAN_BYTES`]).
    pub scan_bytes: u64,
}

impl LintOptions {
    /// The options as the C ABI and the bindings pass them: `{"storageAccountKey"?: "...",
    /// "storageAccountName"?: "...", "scanBytes"?: 16777216}`. Unknown keys are refused.
    pub fn from_json(text: &str) -> Result<LintOptions> {
        let mut map = crate::json_fields::object(text, "lintOptions")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "");
        let options = LintOptions {
            storage_account_key: fields.optional_string("storageAccountKey")?.map(Secret::new),
            storage_account_name: fields.optional_string("storageAccountName")?,
            scan_bytes: fields
                .optional_u64("scanBytes", 1024, 1 << 32)?
                .unwrap_or(DEFAULT_SCAN_BYTES),
        };
        fields.reject_unknown()?;
        Ok(options)
    }
}

impl Default for LintOptions {
    fn default() -> LintOptions {
        LintOptions {
            storage_account_key: None,
            storage_account_name: None,
            scan_bytes: DEFAULT_SCAN_BYTES,
        }
    }
}

/// What the lint found, and what the conversion will download.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputLint {
    /// Every problem, errors first.
    pub findings: Vec<Finding>,
    /// The model's blob name in the input container (prefix + relative path).
    pub input_blob: String,
    /// The model's size, when it was found.
    pub input_size: Option<u64>,
    /// Whether the input container could be listed (false: no SAS or key, or access refused).
    pub listed: bool,
    /// Blobs under the prefix: everything the service copies before converting.
    pub blob_count: u64,
    /// Their total size in bytes.
    pub total_bytes: u64,
    /// The settings files found beside the model and checked.
    pub settings_files: Vec<String>,
}

impl InputLint {
    /// Whether any finding is an error (the conversion would fail or lose something).
    pub fn has_errors(&self) -> bool {
        super::has_errors(&self.findings)
    }
}

impl Client {
    /// Looks at a conversion's input before it is created: the settings' SAS tokens (permissions,
    /// expiry), then, listing the input container under the prefix (with the input SAS, or a short-lived
    /// one signed from `options.storage_account_key`), the model (exists, supported format), its settings
    /// files (checked as [`super::check_settings`] does), the files it refers to (glTF buffers and
    /// images, FBX textures: absolute, outside the prefix, missing), names the service mishandles (`&`,
    /// Windows path limits), and how much the service will download. Sends nothing to the ARR service.
    ///
    /// Problems are findings; `Err` only when the checks could not run (bad settings, network).
    pub async fn lint_conversion_input(
        &self,
        settings: &ConversionSettings,
        options: &LintOptions,
    ) -> Result<InputLint> {
        settings.validate()?;
        self.until_closed(lint(self, settings, options)).await
    }
}

async fn lint(client: &Client, settings: &ConversionSettings, options: &LintOptions) -> Result<InputLint> {
    let now = SystemTime::now();
    let input = &settings.input_location;
    let output = &settings.output_location;
    let prefix = folder(input.blob_prefix.as_deref());
    let input_blob = format!("{prefix}{}", input.relative_input_asset_path.trim_start_matches('/'));
    let mut report = InputLint {
        findings: Vec::new(),
        input_blob: input_blob.clone(),
        input_size: None,
        listed: false,
        blob_count: 0,
        total_bytes: 0,
        settings_files: Vec::new(),
    };
    let findings = &mut report.findings;
    match &input.storage_container_read_list_sas {
        Some(sas) => findings.extend(check_sas(
            "inputLocation.storageContainerReadListSas",
            sas.expose(),
            SasPurpose::Input,
            now,
        )),
        None => findings.push(Finding::new(
            Severity::Info,
            "linked-storage",
            "inputLocation.storageContainerReadListSas",
            "",
            "no SAS: the storage account must be linked to the ARR account for the service to read the input",
        )),
    }
    match &output.storage_container_write_sas {
        Some(sas) => findings.extend(check_sas(
            "outputLocation.storageContainerWriteSas",
            sas.expose(),
            SasPurpose::Output,
            now,
        )),
        None => findings.push(Finding::new(
            Severity::Info,
            "linked-storage",
            "outputLocation.storageContainerWriteSas",
            "",
            "no SAS: the storage account must be linked to the ARR account for the service to write the output",
        )),
    }
    check_format(findings, &input_blob);
    let output_name = output
        .output_asset_filename
        .clone()
        .unwrap_or_else(|| format!("{}.arrAsset", stem(&input_blob)));
    let output_blob = format!("{}{output_name}", folder(output.blob_prefix.as_deref()));

    let access = match (&input.storage_container_read_list_sas, &options.storage_account_key) {
        (Some(sas), _) => Some(sas.clone()),
        (None, Some(key)) => {
            let mut sas =
                ContainerSas::new(&input.storage_container_uri, SasPurpose::Input).valid_for(LOOK_SAS_LIFETIME);
            if let Some(name) = &options.storage_account_name {
                sas = sas.account_name(name);
            }
            Some(sas.sign(key)?)
        }
        (None, None) => None,
    };
    let Some(access) = access else {
        check_names(findings, [input_blob.as_str(), output_blob.as_str()]);
        findings.push(Finding::new(
            Severity::Info,
            "not-listed",
            &input_blob,
            "",
            "the input container was not looked at: give the input SAS or the storage account key to check the files",
        ));
        sort(findings);
        return Ok(report);
    };
    let container = Container::new(
        client.config(),
        "inputLocation.storageContainerUri",
        &input.storage_container_uri,
        Some(access),
        LOOK_RETRIES,
    )?;
    let listing = match container.list(&prefix).await {
        Ok(listing) => listing,
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::Forbidden | ErrorKind::Unauthorized | ErrorKind::NotFound
            ) =>
        {
            let (rule, what) = if e.kind() == ErrorKind::NotFound {
                ("container-missing", "does not exist")
            } else {
                ("storage-access", "cannot be listed")
            };
            let with = if input.storage_container_read_list_sas.is_some() {
                "with the given SAS (the service, given it too, would fail the same way)"
            } else {
                "with the storage account key"
            };
            findings.push(Finding::new(
                Severity::Error,
                rule,
                &input.storage_container_uri,
                "",
                format!("the input container {what} {with}: {e}"),
            ));
            sort(findings);
            return Ok(report);
        }
        Err(e) if matches!(e.kind(), ErrorKind::Network | ErrorKind::Timeout) => {
            findings.push(Finding::new(
                Severity::Warning,
                "storage-unreachable",
                &input.storage_container_uri,
                "",
                format!("the input container could not be reached, so the files were not checked: {e}"),
            ));
            sort(findings);
            return Ok(report);
        }
        Err(e) => return Err(e),
    };
    report.listed = true;
    report.blob_count = listing.blobs.len() as u64;
    report.total_bytes = listing.blobs.values().sum();
    report.input_size = listing.blobs.get(&input_blob).copied();
    let findings = &mut report.findings;
    download_summary(findings, &listing, &prefix);
    check_names(
        findings,
        listing.blobs.keys().map(String::as_str).chain([output_blob.as_str()]),
    );
    let dir = parent(&input_blob);
    match report.input_size {
        None => findings.push(missing_input(&input_blob, &listing, &prefix)),
        Some(0) => findings.push(Finding::new(
            Severity::Error,
            "input-empty",
            &input_blob,
            "",
            "the model is an empty file",
        )),
        Some(size) => read_references(&container, findings, &listing, &input_blob, size, options.scan_bytes).await?,
    }
    report.settings_files = check_settings_files(&container, findings, &listing, &input_blob, dir).await?;
    sort(&mut report.findings);
    Ok(report)
}

/// A prefix as the service uses it: empty, or ending in `/` (it adds one).
pub(super) fn folder(prefix: Option<&str>) -> String {
    match prefix.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
        Some(p) => format!("{p}/"),
        None => String::new(),
    }
}

/// The folder part of a blob name, with its `/` (empty at the root).
pub(super) fn parent(blob: &str) -> &str {
    blob.rfind('/').map_or("", |at| &blob[..=at])
}

/// A file name without its last extension.
pub(super) fn stem(blob: &str) -> &str {
    let name = file_name(blob);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

fn sort(findings: &mut [Finding]) {
    findings.sort_by_key(|f| f.severity);
}

fn check_format(findings: &mut Vec<Finding>, input_blob: &str) {
    let ext = extension(input_blob).unwrap_or_default();
    if !MESH_EXTENSIONS.contains(&ext.as_str()) && !POINT_CLOUD_EXTENSIONS.contains(&ext.as_str()) {
        findings.push(Finding::new(
            Severity::Error,
            "input-format",
            input_blob,
            "",
            format!(
                "\"{}\" is not a format the service converts: FBX, glTF/GLB (meshes), or E57, LAS/LAZ, PLY, XYZ (point clouds)",
                if ext.is_empty() { "no extension".to_owned() } else { format!(".{ext}") }
            ),
        ));
    }
}

fn download_summary(findings: &mut Vec<Finding>, listing: &Listing, prefix: &str) {
    let count = listing.blobs.len();
    let bytes: u64 = listing.blobs.values().sum();
    let place = if prefix.is_empty() {
        "the whole container (no blobPrefix: set one to copy only the model's folder)".to_owned()
    } else {
        format!("the prefix \"{prefix}\"")
    };
    let more = if listing.truncated {
        " (listing stopped there; there are more)"
    } else {
        ""
    };
    findings.push(Finding::new(
        Severity::Info,
        "download",
        prefix,
        "",
        format!(
            "the service copies everything under {place}: {count} blob{}, {}{more}",
            if count == 1 { "" } else { "s" },
            human_bytes(bytes)
        ),
    ));
}

pub(super) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64;
    let mut unit = "";
    for u in UNITS {
        value /= 1024.0;
        unit = u;
        if value < 1024.0 {
            break;
        }
    }
    format!("{value:.1} {unit} ({bytes} bytes)")
}

fn missing_input(input_blob: &str, listing: &Listing, prefix: &str) -> Finding {
    let lower = input_blob.to_lowercase();
    let near = listing.blobs.keys().find(|b| b.to_lowercase() == lower);
    let message = match near {
        Some(near) => format!("not found; \"{near}\" exists (blob names are case-sensitive)"),
        None if listing.blobs.is_empty() => format!(
            "not found: nothing is stored under the prefix \"{prefix}\" (relativeInputAssetPath is relative to the blobPrefix)"
        ),
        None => format!("not found among the {} blobs under the prefix \"{prefix}\"", listing.blobs.len()),
    };
    Finding::new(Severity::Error, "input-missing", input_blob, "", message)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A listing of `names` (with sizes), for the lint's tests here and in its neighbours.
    pub(crate) fn listing(names: &[(&str, u64)]) -> Listing {
        Listing {
            blobs: names.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
            truncated: false,
        }
    }

    /// The rule and severity of each finding.
    pub(crate) fn rules(findings: &[Finding]) -> Vec<(&'static str, Severity)> {
        findings.iter().map(|f| (f.rule, f.severity)).collect()
    }

    #[test]
    fn the_input_must_exist_with_a_supported_format() {
        let l = listing(&[("models/House.fbx", 10)]);
        let f = missing_input("models/house.fbx", &l, "models/");
        assert!(f.message.contains("\"models/House.fbx\" exists"), "{}", f.message);
        let mut findings = Vec::new();
        check_format(&mut findings, "models/house.obj");
        check_format(&mut findings, "models/house.FBX");
        check_format(&mut findings, "models/cloud.laz");
        assert_eq!(rules(&findings), [("input-format", Severity::Error)]);
    }

    #[test]
    fn sizes_and_prefixes() {
        assert_eq!(folder(Some("/models/")), "models/");
        assert_eq!(folder(Some("")), "");
        assert_eq!(parent("a/b/c.fbx"), "a/b/");
        assert_eq!(stem("a/b/c.d.fbx"), "c.d");
        assert_eq!(human_bytes(1536), "1.5 KiB (1536 bytes)");
        let mut findings = Vec::new();
        download_summary(&mut findings, &listing(&[("a", 1)]), "");
        assert!(
            findings[0].message.contains("1 blob, 1 bytes"),
            "{}",
            findings[0].message
        );
    }
}
