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
use super::check::{extension, file_name, SettingsFileKind};
use super::references::{self, Kind, Reference};
use super::rules::{MESH_EXTENSIONS, POINT_CLOUD_EXTENSIONS};
use super::sas::{check_sas, ContainerSas, SasPurpose};
use super::{Finding, Severity};

/// How much of a model is read, at most, to find the files it refers to.
pub const DEFAULT_SCAN_BYTES: u64 = 16 * 1024 * 1024;

/// Windows' `MAX_PATH` (260 characters, the terminating NUL included): the service converts on Windows
/// and warns of path lengths in its documentation ("Use Azure Blob Storage for model conversion").
const WINDOWS_MAX_PATH: usize = 259;
/// Past this many characters a blob name is warned about: the service's own working folder comes in
/// front of it (its length is not documented; this margin is inferred).
const WINDOWS_PATH_MARGIN: usize = 200;
/// Findings of one naming rule listed one by one before the rest are counted in one line.
const NAMES_LISTED: usize = 10;
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
fn folder(prefix: Option<&str>) -> String {
    match prefix.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
        Some(p) => format!("{p}/"),
        None => String::new(),
    }
}

/// The folder part of a blob name, with its `/` (empty at the root).
fn parent(blob: &str) -> &str {
    blob.rfind('/').map_or("", |at| &blob[..=at])
}

/// A file name without its last extension.
fn stem(blob: &str) -> &str {
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
            "the service copies everything under {place}: {count} blob{} , {}{more}",
            if count == 1 { "" } else { "s" },
            human_bytes(bytes)
        )
        .replace(" ,", ","),
    ));
}

fn human_bytes(bytes: u64) -> String {
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

/// The naming rules, over every blob the service will copy (and the asset it will write).
fn check_names<'a>(findings: &mut Vec<Finding>, names: impl IntoIterator<Item = &'a str>) {
    let mut counts = [0usize; 3];
    const RULES: [&str; 3] = ["name-ampersand", "path-length", "name-windows"];
    for name in names {
        let mut problems: Vec<(usize, Severity, String)> = Vec::new();
        if name.contains('&') {
            problems.push((
                0,
                Severity::Warning,
                "has '&': the service failed such names with an internal error \
                 (Azure/azure-remote-rendering#15, fixed by the service in August 2020); rename it to be safe"
                    .into(),
            ));
        }
        let length = name.chars().count();
        if length > WINDOWS_MAX_PATH {
            problems.push((
                1,
                Severity::Error,
                format!("is {length} characters long: longer than Windows allows for a path (259), where the service converts"),
            ));
        } else if length > WINDOWS_PATH_MARGIN {
            problems.push((
                1,
                Severity::Warning,
                format!(
                    "is {length} characters long: with the service's own folder in front it may pass Windows' 259-character path limit"
                ),
            ));
        }
        if let Some(why) = windows_trouble(name) {
            problems.push((2, Severity::Warning, why));
        }
        for (rule, severity, message) in problems {
            counts[rule] += 1;
            if counts[rule] <= NAMES_LISTED {
                findings.push(Finding::new(severity, RULES[rule], name, "", message));
            }
        }
    }
    for (rule, count) in counts.iter().enumerate() {
        if *count > NAMES_LISTED {
            findings.push(Finding::new(
                Severity::Warning,
                RULES[rule],
                "",
                "",
                format!("{} more names break this rule", count - NAMES_LISTED),
            ));
        }
    }
}

/// Why a blob name cannot be a Windows file name, if it cannot (characters and names Windows reserves;
/// inferred to matter because the service converts on Windows).
fn windows_trouble(name: &str) -> Option<String> {
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') || c.is_control())
    {
        return Some(format!("has {c:?}, which Windows does not allow in file names"));
    }
    for part in name.split('/') {
        if part.ends_with('.') || part.ends_with(' ') {
            return Some(format!(
                "\"{part}\" ends in a dot or space, which Windows drops from file names"
            ));
        }
        let base = part.split('.').next().unwrap_or_default().to_ascii_uppercase();
        let reserved = matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
            || (base.len() == 4
                && (base.starts_with("COM") || base.starts_with("LPT"))
                && base.as_bytes()[3].is_ascii_digit()
                && base.as_bytes()[3] != b'0');
        if reserved {
            return Some(format!("\"{part}\" is a device name Windows reserves"));
        }
    }
    None
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

/// Reads the references of the model (as far as cheaply possible) and says where each leads.
async fn read_references(
    container: &Container,
    findings: &mut Vec<Finding>,
    listing: &Listing,
    input_blob: &str,
    size: u64,
    scan_bytes: u64,
) -> Result<()> {
    let partly = |findings: &mut Vec<Finding>, what: &str| {
        findings.push(Finding::new(
            Severity::Info,
            "not-scanned",
            input_blob,
            "",
            format!(
                "{what} is larger than the {} scanned; references past that were not checked",
                human_bytes(scan_bytes)
            ),
        ))
    };
    let dir = parent(input_blob);
    match extension(input_blob).as_deref() {
        Some("gltf") => {
            if size > scan_bytes {
                partly(findings, "the glTF");
                return Ok(());
            }
            let Some(json) = container.read(input_blob, None).await? else {
                return Ok(());
            };
            match references::gltf(&json) {
                Ok(refs) => resolve_all(findings, listing, input_blob, dir, &refs, true, false),
                Err(why) => findings.push(Finding::new(Severity::Error, "input-unreadable", input_blob, "", why)),
            }
        }
        Some("glb") => {
            let Some(head) = container.read(input_blob, Some(20)).await? else {
                return Ok(());
            };
            match references::glb_json_chunk(&head) {
                Ok((_, length)) if length > scan_bytes => partly(findings, "the GLB's JSON"),
                Ok((offset, length)) => {
                    let Some(json) = container.read_range(input_blob, offset, Some(length)).await? else {
                        return Ok(());
                    };
                    match references::gltf(&json) {
                        Ok(refs) => resolve_all(findings, listing, input_blob, dir, &refs, true, false),
                        Err(why) => {
                            findings.push(Finding::new(Severity::Error, "input-unreadable", input_blob, "", why))
                        }
                    }
                }
                Err(why) => findings.push(Finding::new(Severity::Error, "input-unreadable", input_blob, "", why)),
            }
        }
        Some("fbx") => {
            let Some(bytes) = container.read(input_blob, Some(scan_bytes.min(size))).await? else {
                return Ok(());
            };
            if size > scan_bytes {
                partly(findings, "the FBX");
            }
            let scan = references::fbx(&bytes);
            resolve_all(
                findings,
                listing,
                input_blob,
                dir,
                &scan.references,
                false,
                scan.embedded_media,
            );
        }
        Some("ply") => {
            let Some(head) = container.read(input_blob, Some(1024)).await? else {
                return Ok(());
            };
            if let Some(why) = ply_trouble(&head) {
                findings.push(Finding::new(Severity::Error, "input-format", input_blob, "", why));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The documented PLY requirements readable from the header: binary little-endian, no faces.
fn ply_trouble(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    if !text.starts_with("ply") {
        return Some("not a PLY file (no \"ply\" header)".into());
    }
    let header = text.split("end_header").next().unwrap_or_default();
    if !header.lines().any(|l| l.trim() == "format binary_little_endian 1.0") {
        return Some("only binary PLY (format binary_little_endian 1.0) is converted".into());
    }
    let faces = header.lines().any(|l| {
        let mut words = l.split_whitespace();
        words.next() == Some("element")
            && words.next() == Some("face")
            && words.next().and_then(|n| n.parse::<u64>().ok()).is_some_and(|n| n > 0)
    });
    faces.then(|| "has faces: PLY input must be a point cloud (no triangles)".into())
}

/// Says, for each reference, whether and how the service would find it. `certain`: the references were
/// parsed (glTF), not guessed (FBX scan), so a missing one is an error.
fn resolve_all(
    findings: &mut Vec<Finding>,
    listing: &Listing,
    input_blob: &str,
    dir: &str,
    refs: &[Reference],
    certain: bool,
    embedded_media: bool,
) {
    let exists = |name: &str| listing.blobs.contains_key(name);
    // An FBX stores a texture twice (FileName, often absolute, and RelativeFilename): one finding per
    // file name, found if any of its paths leads to a file.
    let mut groups: Vec<(String, Vec<&Reference>)> = Vec::new();
    for reference in refs {
        let key = if certain {
            reference.pointer.clone()
        } else {
            file_name(&reference.path.replace('\\', "/")).to_lowercase()
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(reference),
            None => groups.push((key, vec![reference])),
        }
    }
    for (_, members) in groups {
        let outcomes: Vec<(&Reference, Option<(String, bool)>)> = members
            .iter()
            .map(|r| (*r, references::resolve(&r.path, dir, exists)))
            .collect();
        let direct = outcomes
            .iter()
            .any(|(r, found)| !references::is_absolute(&r.path) && found.as_ref().is_some_and(|(_, whole)| *whole));
        if direct {
            continue;
        }
        let first = members[0];
        let what = match first.kind {
            Kind::Buffer => "buffer",
            Kind::Image => "texture",
        };
        if let Some((reference, Some((blob, _)))) = outcomes.iter().find(|(_, found)| found.is_some()) {
            let (rule, how) = if references::is_absolute(&reference.path) {
                ("reference-absolute", "is an absolute path")
            } else {
                ("reference-suffix", "does not lead to a file from the model's folder")
            };
            findings.push(Finding::new(
                Severity::Warning,
                rule,
                input_blob,
                &reference.pointer,
                format!(
                    "{what} \"{}\" {how}; the service will use \"{blob}\", found by the longest ending of the path \
                     (store it relative to the model to be sure)",
                    reference.path
                ),
            ));
            continue;
        }
        let absolute = members.iter().any(|r| references::is_absolute(&r.path));
        let consequence = match first.kind {
            Kind::Buffer => "the conversion fails without it",
            Kind::Image => "the model would convert without it",
        };
        let (severity, doubt) = match (certain, embedded_media) {
            (true, _) => (Severity::Error, ""),
            (false, true) => (Severity::Warning, " unless the FBX embeds it (it embeds some media)"),
            (false, false) => (
                Severity::Warning,
                " (found by scanning the FBX; check it is a texture it uses)",
            ),
        };
        let paths: Vec<&str> = members.iter().map(|r| r.path.as_str()).collect();
        findings.push(Finding::new(
            severity,
            if absolute {
                "reference-absolute"
            } else {
                "reference-missing"
            },
            input_blob,
            &first.pointer,
            format!(
                "{what} \"{}\" {}: no ending of it names a file under the prefix, so {consequence}{doubt}; \
                 upload it beside the model and store the path relative to the model",
                paths.join("\" / \""),
                if absolute {
                    "is an absolute path that is not found"
                } else {
                    "is not found"
                },
            ),
        ));
    }
}

/// The settings files the service would read beside the model, checked; names that miss by letter case
/// or deprecated forms are reported. Returns the blobs checked.
async fn check_settings_files(
    container: &Container,
    findings: &mut Vec<Finding>,
    listing: &Listing,
    input_blob: &str,
    dir: &str,
) -> Result<Vec<String>> {
    let stem = stem(input_blob);
    let specific = format!("{dir}{stem}.ConversionSettings.json");
    let deprecated = format!("{dir}conversionSettings.json");
    let overrides = format!("{dir}{stem}.MaterialOverrides.json");
    let mut checked = Vec::new();
    let mut settings_text: Option<(String, String)> = None;
    for (name, kind) in [
        (&specific, SettingsFileKind::ConversionSettings),
        (&deprecated, SettingsFileKind::ConversionSettings),
        (&overrides, SettingsFileKind::MaterialOverrides),
    ] {
        if !listing.blobs.contains_key(name.as_str()) {
            let lower = name.to_lowercase();
            if let Some(near) = listing.blobs.keys().find(|b| b.to_lowercase() == lower) {
                findings.push(Finding::new(
                    Severity::Warning,
                    "settings-file-name",
                    near,
                    "",
                    format!("the service looks for \"{name}\" (names are case-sensitive); this file is not read"),
                ));
            }
            continue;
        }
        let Some(bytes) = container.read(name, Some(DEFAULT_SCAN_BYTES)).await? else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        findings.extend(kind.check(name, &text, Some(input_blob)));
        checked.push(name.clone());
        if kind == SettingsFileKind::ConversionSettings && settings_text.is_none() {
            settings_text = Some((name.clone(), text));
        }
    }
    if checked.contains(&specific) && checked.contains(&deprecated) {
        findings.push(Finding::new(
            Severity::Warning,
            "settings-file-both",
            &deprecated,
            "",
            format!("both \"{specific}\" and this deprecated file exist: keep only the model's own"),
        ));
    }
    // The deprecated `material-override` key names a file, taken here relative to the model's folder
    // (inferred: the documentation's example puts it beside the model).
    let named = settings_text.and_then(|(file, text)| {
        let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
        let target = value.get("material-override")?.as_str()?.to_owned();
        Some((file, target))
    });
    if let Some((file, target)) = named.filter(|(_, t)| !t.is_empty()) {
        let blob = format!("{dir}{}", target.trim_start_matches('/'));
        if checked.contains(&overrides) {
            findings.push(Finding::new(
                Severity::Warning,
                "settings-file-both",
                &file,
                "/material-override",
                format!("names \"{target}\" while \"{overrides}\" exists too: keep only the model's own file"),
            ));
        }
        match listing.blobs.contains_key(&blob) {
            true => {
                if let Some(bytes) = container.read(&blob, Some(DEFAULT_SCAN_BYTES)).await? {
                    let text = String::from_utf8_lossy(&bytes);
                    findings.extend(SettingsFileKind::MaterialOverrides.check(&blob, &text, Some(input_blob)));
                    checked.push(blob);
                }
            }
            false => findings.push(Finding::new(
                Severity::Error,
                "reference-missing",
                &file,
                "/material-override",
                format!("names \"{target}\", which is not found beside the model (\"{blob}\")"),
            )),
        }
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(names: &[(&str, u64)]) -> Listing {
        Listing {
            blobs: names.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
            truncated: false,
        }
    }

    fn rules(findings: &[Finding]) -> Vec<(&'static str, Severity)> {
        findings.iter().map(|f| (f.rule, f.severity)).collect()
    }

    #[test]
    fn names_the_service_mishandles() {
        let mut findings = Vec::new();
        let long = format!("m/{}.png", "x".repeat(300));
        let longish = format!("m/{}.png", "x".repeat(210));
        check_names(
            &mut findings,
            [
                "m/a&b.fbx",
                "m/ok.fbx",
                long.as_str(),
                longish.as_str(),
                "m/con.png",
                "m/a?.png",
                "m/dir./x.png",
            ],
        );
        assert_eq!(
            rules(&findings),
            [
                ("name-ampersand", Severity::Warning),
                ("path-length", Severity::Error),
                ("path-length", Severity::Warning),
                ("name-windows", Severity::Warning),
                ("name-windows", Severity::Warning),
                ("name-windows", Severity::Warning),
            ]
        );
        let mut findings = Vec::new();
        let many: Vec<String> = (0..15).map(|i| format!("a&{i}")).collect();
        check_names(&mut findings, many.iter().map(String::as_str));
        assert_eq!(findings.len(), NAMES_LISTED + 1);
        assert!(findings.last().unwrap().message.starts_with("5 more"));
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
    fn gltf_references_absolute_outside_and_missing() {
        let l = listing(&[
            ("m/box.gltf", 1),
            ("m/box.bin", 1),
            ("m/tex/wood.png", 1),
            ("m/stone.png", 1),
            ("other/metal.png", 1),
        ]);
        let refs = references::gltf(
            br#"{"buffers":[{"uri":"box.bin"},{"uri":"gone.bin"}],"images":[{"uri":"tex/wood.png"},
            {"uri":"C:/art/stone.png"},{"uri":"file:///C:/art/none.png"},{"uri":"../other/metal.png"}]}"#,
        )
        .unwrap();
        let mut findings = Vec::new();
        resolve_all(&mut findings, &l, "m/box.gltf", "m/", &refs, true, false);
        let got: Vec<(&str, &str, Severity)> = findings.iter().map(|f| (f.rule, f.path.as_str(), f.severity)).collect();
        assert_eq!(
            got,
            [
                ("reference-missing", "/buffers/1/uri", Severity::Error),
                ("reference-absolute", "/images/1/uri", Severity::Warning),
                ("reference-absolute", "/images/2/uri", Severity::Error),
            ],
            "{findings:#?}"
        );
        // ../other/metal.png is outside the model's folder but under the container root the listing
        // covers: with a prefix "m/" the listing would not hold it, and it would be missing.
        let under_prefix = listing(&[("m/box.gltf", 1)]);
        let mut findings = Vec::new();
        resolve_all(
            &mut findings,
            &under_prefix,
            "m/box.gltf",
            "m/",
            &refs[5..],
            true,
            false,
        );
        assert_eq!(rules(&findings), [("reference-missing", Severity::Error)]);
    }

    #[test]
    fn fbx_paths_are_grouped_by_file_name() {
        let l = listing(&[("m/car.fbx", 1), ("m/tex/paint.png", 1)]);
        let refs: Vec<Reference> = ["C:\\art\\tex\\paint.png", "tex\\paint.png", "D:\\x\\decal.tga"]
            .iter()
            .map(|p| Reference {
                kind: Kind::Image,
                pointer: String::new(),
                path: p.to_string(),
            })
            .collect();
        let mut findings = Vec::new();
        resolve_all(&mut findings, &l, "m/car.fbx", "m/", &refs, false, false);
        assert_eq!(rules(&findings), [("reference-absolute", Severity::Warning)]);
        assert!(findings[0].message.contains("decal.tga"));
    }

    #[test]
    fn ply_headers() {
        assert_eq!(
            ply_trouble(b"ply\nformat binary_little_endian 1.0\nelement vertex 3\nend_header\n"),
            None
        );
        assert!(ply_trouble(b"ply\nformat ascii 1.0\nend_header\n")
            .unwrap()
            .contains("binary"));
        assert!(
            ply_trouble(b"ply\nformat binary_little_endian 1.0\nelement face 2\nend_header\n")
                .unwrap()
                .contains("faces")
        );
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
