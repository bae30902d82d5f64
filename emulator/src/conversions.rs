//! Asset conversions, api-version 2021-01-01 (protocol.md §4, §5.5, §8).
//!
//! A conversion is `NotStarted` for [`EmulatorConfig::conversion_start_delay`] emulated time, then
//! `Running` for [`EmulatorConfig::conversion_duration`], then `Succeeded` or `Failed` (or `Cancelled`
//! through a control hook). Like sessions, the status is computed from stored timestamps in emulated
//! time (the real clock plus `POST /_emulator/clock/advance`), scaled by `--time-scale`.
//!
//! The storage work happens in a small task per conversion, once the conversion reaches `Running`:
//! read the input blob, then write the output asset, `<name>.result.json` and `<name>.log`. Its result
//! is revealed when the Running time is over (or as soon as the work is done, if that takes longer).
//! Without `--storage` the storage is simulated (no I/O; rules in the README).
//!
//! [`EmulatorConfig::conversion_start_delay`]: crate::EmulatorConfig::conversion_start_delay
//! [`EmulatorConfig::conversion_duration`]: crate::EmulatorConfig::conversion_duration

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::blob::{encode_path, http_date, sas_permissions, with_sas, StorageAccount, STORAGE_VERSION};
use crate::respond::{bad_request, empty, error_2021, json as json_resp, json_object, no_store, query_param, Resp};
use crate::shared::Shared;
use crate::store::ControlError;

/// The 2024 service's code for a conversion whose input file is missing (protocol.md §4.2).
pub const INPUT_CONTAINER_ERROR: &str = "InputContainerError";
/// The 2024 service's message for a missing input file (protocol.md §4.2).
pub const INPUT_MISSING_MESSAGE: &str = "Could not find the asset file in the storage account. Please make sure all paths and names are correct and the file is uploaded to storage.";
/// The 2024 service's code for a create refused because linked storage is not accessible (403).
pub const LINKED_STORAGE_ERROR: &str = "LinkedStorageAccessFailure";
/// The 2024 service's message for [`LINKED_STORAGE_ERROR`] (protocol.md §4.1).
pub const LINKED_STORAGE_MESSAGE: &str = "Storage account not linked or linked with insufficient permissions. Documentation on how to link Remote Rendering Accounts to storage can be found here: https://docs.microsoft.com/azure/remote-rendering/how-tos/create-an-account#link-storage-accounts.";
/// Code of a conversion that could not write its output (inferred: the real code is not recorded).
pub const OUTPUT_CONTAINER_ERROR: &str = "OutputContainerError";
/// Default code of `POST /_emulator/conversions/{id}/fail`: the 2021-2022 service's conversion error.
pub const CONVERSION_FAIL_CODE: &str = "ConversionProcessFailed";
/// Default message of `POST /_emulator/conversions/{id}/fail` (the 2021-2022 service's text).
pub const CONVERSION_FAIL_MESSAGE: &str = "Invalid input provided. Check logs in output container for details.";

/// Input file endings the service documents (models: FBX, glTF/GLB; point clouds: XYZ, PLY, E57, LAS, LAZ).
const SUPPORTED_INPUTS: [&str; 8] = ["fbx", "gltf", "glb", "xyz", "ply", "e57", "las", "laz"];

const STATUS_NOT_STARTED: &str = "NotStarted";
const STATUS_RUNNING: &str = "Running";
const STATUS_SUCCEEDED: &str = "Succeeded";
const STATUS_FAILED: &str = "Failed";
const STATUS_CANCELLED: &str = "Cancelled";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InputSettings {
    pub storage_container_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_prefix: Option<String>,
    pub relative_input_asset_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_container_read_list_sas: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutputSettings {
    pub storage_container_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_prefix: Option<String>,
    pub output_asset_filename: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_container_write_sas: Option<String>,
}

/// Normalised settings (prefixes end in `/`, the output file name filled in). SAS values are kept for
/// the storage work (and the state file) but never shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Settings {
    pub input_location: InputSettings,
    pub output_location: OutputSettings,
}

impl Settings {
    fn without_sas(&self) -> Settings {
        let mut s = self.clone();
        s.input_location.storage_container_read_list_sas = None;
        s.output_location.storage_container_write_sas = None;
        s
    }

    /// The settings as the service echoes them: normalised, SAS fields never filled in.
    fn to_json(&self) -> Value {
        let i = &self.input_location;
        let o = &self.output_location;
        let mut input = Map::new();
        input.insert("storageContainerUri".into(), json!(i.storage_container_uri));
        if let Some(p) = &i.blob_prefix {
            input.insert("blobPrefix".into(), json!(p));
        }
        input.insert("relativeInputAssetPath".into(), json!(i.relative_input_asset_path));
        let mut output = Map::new();
        output.insert("storageContainerUri".into(), json!(o.storage_container_uri));
        if let Some(p) = &o.blob_prefix {
            output.insert("blobPrefix".into(), json!(p));
        }
        output.insert("outputAssetFilename".into(), json!(o.output_asset_filename));
        json!({ "inputLocation": input, "outputLocation": output })
    }

    /// Blob name of the input: `blobPrefix + relativeInputAssetPath`.
    fn input_blob(&self) -> String {
        let i = &self.input_location;
        format!(
            "{}{}",
            i.blob_prefix.as_deref().unwrap_or(""),
            i.relative_input_asset_path
        )
    }

    /// Blob name of an output file: `blobPrefix + name`.
    fn output_blob(&self, name: &str) -> String {
        format!("{}{name}", self.output_location.blob_prefix.as_deref().unwrap_or(""))
    }

    /// `storageContainerUri + "/" + blobPrefix + outputAssetFilename` (protocol.md §4.2).
    fn output_asset_uri(&self) -> String {
        let o = &self.output_location;
        format!(
            "{}/{}",
            o.storage_container_uri.trim_end_matches('/'),
            self.output_blob(&o.output_asset_filename)
        )
    }
}

/// A terminal result: from the storage work, or forced by a control hook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Outcome {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Outcome {
    fn failed(code: &str, message: impl Into<String>) -> Outcome {
        Outcome {
            status: STATUS_FAILED.into(),
            code: Some(code.into()),
            message: Some(message.into()),
        }
    }
}

/// One stored conversion. Times are Unix nanoseconds in emulated time (real clock + advanced offset).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversion {
    pub(crate) account_id: String,
    pub(crate) id: String,
    pub(crate) seq: u64,
    pub(crate) settings: Settings,
    pub(crate) created_at_ns: u64,
    pub(crate) running_at_ns: u64,
    pub(crate) done_at_ns: u64,
    /// The storage work's result, once it is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) outcome: Option<Outcome>,
    /// A result forced by `POST /_emulator/conversions/{id}/fail|cancel`; wins over `outcome`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) forced: Option<Outcome>,
    /// A failure planned at create (scripted `sessionError` fault): the outcome instead of the storage work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) planned_failure: Option<Outcome>,
}

impl Conversion {
    /// Status and error at emulated time `now`.
    fn state(&self, now: u64) -> (&str, Option<&Outcome>) {
        if let Some(f) = &self.forced {
            return (&f.status, Some(f));
        }
        if now < self.running_at_ns {
            return (STATUS_NOT_STARTED, None);
        }
        match &self.outcome {
            Some(o) if now >= self.done_at_ns => (&o.status, Some(o)),
            _ => (STATUS_RUNNING, None),
        }
    }

    fn is_terminal(&self, now: u64) -> bool {
        !matches!(self.state(now).0, STATUS_NOT_STARTED | STATUS_RUNNING)
    }

    /// The `conversion` body at `now`; `status` overrides the computed status (the create answer).
    fn to_json(&self, now: u64, status_override: Option<&str>) -> Value {
        let (status, outcome) = self.state(now);
        let status = status_override.unwrap_or(status);
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("creationTime".into(), json!(format_z(self.created_at_ns)));
        m.insert("settings".into(), self.settings.to_json());
        m.insert("status".into(), json!(status));
        let error = match outcome.and_then(|o| o.code.as_ref().zip(o.message.as_ref())) {
            Some((code, message)) if status == STATUS_FAILED => json!({ "code": code, "message": message }),
            _ => Value::Null,
        };
        m.insert("error".into(), error);
        if status == STATUS_SUCCEEDED {
            m.insert(
                "output".into(),
                json!({ "outputAssetUri": self.settings.output_asset_uri() }),
            );
        }
        Value::Object(m)
    }

    fn snapshot(&self, now: u64) -> ConversionSnapshot {
        let (status, outcome) = self.state(now);
        let i = &self.settings.input_location;
        ConversionSnapshot {
            account_id: self.account_id.clone(),
            id: self.id.clone(),
            status: status.to_string(),
            error_code: outcome.and_then(|o| o.code.clone()),
            error_message: outcome.and_then(|o| o.message.clone()),
            input_asset_uri: format!(
                "{}/{}",
                i.storage_container_uri.trim_end_matches('/'),
                self.settings.input_blob()
            ),
            output_asset_uri: (status == STATUS_SUCCEEDED).then(|| self.settings.output_asset_uri()),
        }
    }
}

/// A conversion as the emulator sees it now (`Emulator::conversions`, `GET /_emulator/conversions`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionSnapshot {
    pub account_id: String,
    pub id: String,
    /// `NotStarted`, `Running`, `Succeeded`, `Failed` or `Cancelled`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// `storageContainerUri/blobPrefix+relativeInputAssetPath` of the input.
    pub input_asset_uri: String,
    /// Set when Succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_asset_uri: Option<String>,
}

/// All conversions of all accounts (kept in the store, next to the sessions, for the shared clock and
/// the state file).
pub(crate) struct ConversionTable {
    map: HashMap<(String, String), Conversion>,
    pub next_seq: u64,
}

impl ConversionTable {
    pub(crate) fn new(loaded: &[Conversion], next_seq: u64) -> ConversionTable {
        ConversionTable {
            map: loaded
                .iter()
                .map(|c| ((c.account_id.clone(), c.id.clone()), c.clone()))
                .collect(),
            next_seq: next_seq.max(loaded.iter().map(|c| c.seq + 1).max().unwrap_or(0)),
        }
    }

    pub(crate) fn to_vec(&self) -> Vec<Conversion> {
        let mut all: Vec<Conversion> = self.map.values().cloned().collect();
        all.sort_by_key(|c| c.seq);
        all
    }

    fn key_of(&self, id: &str, account: Option<&str>) -> Result<(String, String), ControlError> {
        let mut keys = self
            .map
            .keys()
            .filter(|(a, c)| c == id && account.is_none_or(|want| want.eq_ignore_ascii_case(a)));
        match (keys.next(), keys.next()) {
            (Some(k), None) => Ok(k.clone()),
            (Some(_), Some(_)) => Err(ControlError::Ambiguous(id.to_string())),
            (None, _) => Err(ControlError::ConversionNotFound(id.to_string())),
        }
    }
}

/// `2022-09-14T01:02:25.3744317Z`: the conversions' `creationTime` form (seven fraction digits, `Z`).
fn format_z(unix_nanos: u64) -> String {
    let offset_form = crate::timefmt::format_creation_time(unix_nanos);
    match offset_form.strip_suffix("+00:00") {
        Some(base) => format!("{base}Z"),
        None => offset_form,
    }
}

fn valid_id(id: &str) -> bool {
    (1..=256).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

// ---------------------------------------------------------------------------------------------------
// Validation and normalisation of the create body.

fn object<'a>(parent: &'a Value, name: &str, path: &str) -> Result<&'a Map<String, Value>, String> {
    match parent.get(name) {
        None | Some(Value::Null) => Err(format!("The {path} field is required.")),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(format!("The {path} field must be an object.")),
    }
}

fn text(obj: &Map<String, Value>, name: &str, path: &str, required: bool) -> Result<Option<String>, String> {
    match obj.get(name) {
        None | Some(Value::Null) if required => Err(format!("The {path}.{name} field is required.")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if required && s.trim().is_empty() => {
            Err(format!("The {path}.{name} field is required."))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("The {path}.{name} field must be a string.")),
    }
}

fn container_uri(obj: &Map<String, Value>, path: &str) -> Result<String, String> {
    let uri = text(obj, "storageContainerUri", path, true)?.expect("required");
    match reqwest::Url::parse(&uri) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(uri),
        _ => Err(format!(
            "The {path}.storageContainerUri value '{uri}' is not an absolute http(s) URI."
        )),
    }
}

/// `""` means no prefix; anything else ends in `/` (the service appends it: `"Input"` -> `"Input/"`).
fn prefix(value: Option<String>) -> Option<String> {
    match value {
        None => None,
        Some(p) if p.is_empty() => None,
        Some(p) if p.ends_with('/') => Some(p),
        Some(p) => Some(format!("{p}/")),
    }
}

fn parse_settings(body: &[u8]) -> Result<Settings, String> {
    let body = json_object(body, "settings")?;
    let settings = object(&body, "settings", "settings")?;
    let settings = Value::Object(settings.clone());
    let input = object(&settings, "inputLocation", "settings.inputLocation")?;
    let output = object(&settings, "outputLocation", "settings.outputLocation")?;
    let (ip, op) = ("settings.inputLocation", "settings.outputLocation");
    let input_uri = container_uri(input, ip)?;
    let output_uri = container_uri(output, op)?;
    let relative = text(input, "relativeInputAssetPath", ip, true)?.expect("required");
    let file = relative.rsplit('/').next().unwrap_or(&relative);
    let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    if !SUPPORTED_INPUTS.iter().any(|s| s.eq_ignore_ascii_case(ext)) || stem.is_empty() {
        return Err(format!(
            "The {ip}.relativeInputAssetPath '{relative}' does not name a supported input file. Supported file types: {}.",
            SUPPORTED_INPUTS.map(|s| format!(".{s}")).join(", ")
        ));
    }
    let filename = match text(output, "outputAssetFilename", op, false)? {
        Some(f) if f.is_empty() => format!("{stem}.arrAsset"),
        Some(f) => {
            let lower = f.to_ascii_lowercase();
            if !lower.ends_with(".arrasset") || lower == ".arrasset" {
                return Err(format!(
                    "The {op}.outputAssetFilename '{f}' is invalid: it must end in '.arrAsset'."
                ));
            }
            f
        }
        None => format!("{stem}.arrAsset"),
    };
    Ok(Settings {
        input_location: InputSettings {
            storage_container_uri: input_uri,
            blob_prefix: prefix(text(input, "blobPrefix", ip, false)?),
            relative_input_asset_path: relative,
            storage_container_read_list_sas: text(input, "storageContainerReadListSas", ip, false)?
                .filter(|s| !s.trim().is_empty()),
        },
        output_location: OutputSettings {
            storage_container_uri: output_uri,
            blob_prefix: prefix(text(output, "blobPrefix", op, false)?),
            output_asset_filename: filename,
            storage_container_write_sas: text(output, "storageContainerWriteSas", op, false)?
                .filter(|s| !s.trim().is_empty()),
        },
    })
}

// ---------------------------------------------------------------------------------------------------
// Operations.

/// PUT: 201 NotStarted, 200 for the same settings again, 409 for other settings, 403 when linked
/// storage is needed and not accessible.
///
/// `planned_failure` (code, message): the conversion is to end `Failed` with it, without storage work.
pub(crate) async fn create(
    shared: &Arc<Shared>,
    account: &str,
    id: &str,
    body: &[u8],
    planned_failure: Option<(String, String)>,
) -> Resp {
    if !valid_id(id) {
        let shown: String = id.chars().take(64).collect();
        return bad_request(&format!(
            "The conversion id '{shown}{}' is invalid: it must be 1 to 256 characters of letters, digits, '-' and '_'.",
            if id.chars().count() > 64 { "..." } else { "" }
        ));
    }
    let settings = match parse_settings(body) {
        Ok(s) => s,
        Err(m) => return bad_request(&m),
    };
    if let Some(resp) = existing_answer(shared, account, id, &settings) {
        return resp;
    }
    if let Err(reason) = check_linked_access(shared, &settings).await {
        tracing::debug!(target: "arr_emulator::request", "conversion {id}: linked storage refused: {reason}");
        return error_2021(StatusCode::FORBIDDEN, LINKED_STORAGE_ERROR, LINKED_STORAGE_MESSAGE);
    }
    let config = &shared.config;
    let scale = config.time_scale;
    let emulated = |d: Duration| (d.as_nanos() as f64 / scale) as u64;
    let created = shared.store.with_conversions(|table, now| {
        let key = (account.to_string(), id.to_string());
        if table.map.contains_key(&key) {
            return (None, false);
        }
        let running_at_ns = now.saturating_add(emulated(config.conversion_start_delay));
        let conversion = Conversion {
            account_id: account.to_string(),
            id: id.to_string(),
            seq: table.next_seq,
            settings: settings.clone(),
            created_at_ns: now,
            running_at_ns,
            done_at_ns: running_at_ns.saturating_add(emulated(config.conversion_duration)),
            outcome: None,
            forced: None,
            planned_failure: planned_failure.map(|(code, message)| Outcome::failed(&code, message)),
        };
        table.next_seq += 1;
        let body = conversion.to_json(now, Some(STATUS_NOT_STARTED));
        table.map.insert(key, conversion);
        (Some(body), true)
    });
    match created {
        Some(body) => {
            tokio::spawn(worker(shared.clone(), account.to_string(), id.to_string()));
            json_resp(StatusCode::CREATED, &body)
        }
        // Created by a concurrent request meanwhile: answer as for a retry.
        None => existing_answer(shared, account, id, &settings).unwrap_or_else(|| {
            error_2021(
                StatusCode::CONFLICT,
                "Conflict",
                "A resource already exists under the given ID.",
            )
        }),
    }
}

/// The answer when a conversion with this id exists: 200 for the same settings (SAS aside), else 409.
fn existing_answer(shared: &Shared, account: &str, id: &str, settings: &Settings) -> Option<Resp> {
    shared.store.with_conversions(|table, now| {
        let answer = table.map.get(&(account.to_string(), id.to_string())).map(|c| {
            if c.settings.without_sas() == settings.without_sas() {
                json_resp(StatusCode::OK, &c.to_json(now, None))
            } else {
                error_2021(
                    StatusCode::CONFLICT,
                    "Conflict",
                    "A resource already exists under the given ID.",
                )
            }
        });
        (answer, false)
    })
}

pub(crate) fn get(shared: &Shared, account: &str, id: &str) -> Resp {
    shared.store.with_conversions(|table, now| {
        let resp = match table.map.get(&(account.to_string(), id.to_string())) {
            Some(c) => no_store(json_resp(StatusCode::OK, &c.to_json(now, None))),
            None => empty(StatusCode::NOT_FOUND),
        };
        (resp, false)
    })
}

/// GET list: every conversion of the account in creation order, `page_size` per page; `@nextLink` is
/// an absolute URL, or `null` on the last page (as the service sent it). No Cache-Control (§8.1).
pub(crate) fn list(shared: &Shared, account: &str, path: &str, query: Option<&str>, origin: &str) -> Resp {
    let version = query_param(query, "api-version").unwrap_or_default();
    let after = match query_param(query, "skiptoken") {
        None => None,
        Some(token) => match URL_SAFE_NO_PAD
            .decode(&token)
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|s| s.strip_prefix("after:").and_then(|n| n.parse::<u64>().ok()))
        {
            Some(seq) => Some(seq),
            None => return bad_request("The skiptoken query parameter is invalid."),
        },
    };
    let page_size = shared.config.page_size;
    let body = shared.store.with_conversions(|table, now| {
        let mut mine: Vec<&Conversion> = table
            .map
            .values()
            .filter(|c| c.account_id == account && after.is_none_or(|a| c.seq > a))
            .collect();
        mine.sort_by_key(|c| c.seq);
        let page = &mine[..mine.len().min(page_size)];
        let next = if mine.len() > page_size {
            let last = page.last().expect("page is non-empty").seq;
            let token = URL_SAFE_NO_PAD.encode(format!("after:{last}"));
            json!(format!("{origin}{path}?api-version={version}&skiptoken={token}"))
        } else {
            Value::Null
        };
        let items: Vec<Value> = page.iter().map(|c| c.to_json(now, None)).collect();
        (json!({ "conversions": items, "@nextLink": next }), false)
    });
    json_resp(StatusCode::OK, &body)
}

// ---------------------------------------------------------------------------------------------------
// Control hooks.

pub(crate) fn snapshots(shared: &Shared) -> Vec<ConversionSnapshot> {
    shared
        .store
        .with_conversions(|table, now| (table.to_vec().iter().map(|c| c.snapshot(now)).collect(), false))
}

/// Ends a NotStarted or Running conversion now: `Failed` with this error, or `Cancelled`.
pub(crate) fn force(
    shared: &Shared,
    id: &str,
    account: Option<&str>,
    outcome: Outcome,
) -> Result<ConversionSnapshot, ControlError> {
    shared.store.with_conversions(|table, now| {
        let key = match table.key_of(id, account) {
            Ok(k) => k,
            Err(e) => return (Err(e), false),
        };
        let c = table.map.get_mut(&key).expect("present");
        if c.is_terminal(now) {
            let status = c.state(now).0.to_string();
            return (
                Err(ControlError::ConversionEnded {
                    id: id.to_string(),
                    status,
                }),
                false,
            );
        }
        c.forced = Some(outcome);
        (Ok(c.snapshot(now)), true)
    })
}

pub(crate) fn fail_outcome(code: &str, message: &str) -> Outcome {
    Outcome::failed(code, message)
}

pub(crate) fn cancel_outcome() -> Outcome {
    Outcome {
        status: STATUS_CANCELLED.into(),
        code: None,
        message: None,
    }
}

// ---------------------------------------------------------------------------------------------------
// The storage work.

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

fn blob_url(container_uri: &str, blob: &str) -> String {
    format!("{}/{}", container_uri.trim_end_matches('/'), encode_path(blob))
}

/// Before a create is accepted: every side without a SAS must be a container of the linked storage
/// account that exists and can be reached with its key. Simulated storage: a container whose name
/// contains `missing` is not accessible.
async fn check_linked_access(shared: &Shared, settings: &Settings) -> Result<(), String> {
    let sides = [
        (
            &settings.input_location.storage_container_uri,
            settings.input_location.storage_container_read_list_sas.is_some(),
        ),
        (
            &settings.output_location.storage_container_uri,
            settings.output_location.storage_container_write_sas.is_some(),
        ),
    ];
    for (uri, has_sas) in sides {
        if has_sas {
            continue;
        }
        let Some(account) = &shared.storage else {
            let name = uri.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            if name.to_ascii_lowercase().contains("missing") {
                return Err(format!("simulated storage: container {uri} does not exist"));
            }
            continue;
        };
        let Some(container) = account.container_of(uri) else {
            return Err(format!(
                "{uri} is not a container of the linked storage account {}",
                account.blob_endpoint
            ));
        };
        let url = format!("{}/{container}?restype=container", account.blob_endpoint);
        match send(shared, account, "GET", &url, None, None).await {
            Ok((200, _)) => {}
            Ok((status, _)) => return Err(format!("container {container}: HTTP {status}")),
            Err(e) => return Err(format!("container {container}: {e}")),
        }
    }
    Ok(())
}

/// One request to blob storage: with the SAS appended when there is one, else signed with the linked
/// account's key. Answers (status, body).
async fn send(
    shared: &Shared,
    account: &StorageAccount,
    method: &str,
    url: &str,
    sas: Option<&str>,
    body: Option<(Vec<u8>, &str)>,
) -> Result<(u16, Vec<u8>), String> {
    let full = match sas {
        Some(sas) => with_sas(url, sas),
        None => url.to_string(),
    };
    let parsed = reqwest::Url::parse(&full).map_err(|e| format!("bad URL {url}: {e}"))?;
    let method_value = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let date = http_date(SystemTime::now());
    let mut x_ms: Vec<(&str, &str)> = vec![("x-ms-date", &date), ("x-ms-version", STORAGE_VERSION)];
    if body.is_some() {
        x_ms.push(("x-ms-blob-type", "BlockBlob"));
    }
    let mut request = shared.http.request(method_value, parsed.clone());
    for (k, v) in &x_ms {
        request = request.header(*k, *v);
    }
    let (length, content_type) = body.as_ref().map_or((0, ""), |(b, t)| (b.len(), *t));
    if sas.is_none() {
        let query: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let auth = account.shared_key(method, parsed.path(), &pairs, &x_ms, length, content_type);
        request = request.header("authorization", auth);
    }
    if let Some((bytes, content_type)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    let resp = request.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    if !(200..300).contains(&status) {
        tracing::debug!(
            target: "arr_emulator::request",
            "storage {method} {url} -> {status}: {}",
            String::from_utf8_lossy(&bytes).chars().take(300).collect::<String>()
        );
    }
    Ok((status, bytes.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        let s = parse_settings(
            br#"{"settings":{"inputLocation":{"storageContainerUri":"https://a.blob.core.windows.net/in","blobPrefix":"Input","relativeInputAssetPath":"testBox.fbx","storageContainerReadListSas":"?sp=rl"},
                "outputLocation":{"storageContainerUri":"https://a.blob.core.windows.net/out","blobPrefix":"rr-test-id"}}}"#,
        )
        .unwrap();
        assert_eq!(s.input_location.blob_prefix.as_deref(), Some("Input/"));
        assert_eq!(s.output_location.output_asset_filename, "testBox.arrAsset");
        assert_eq!(
            s.output_asset_uri(),
            "https://a.blob.core.windows.net/out/rr-test-id/testBox.arrAsset"
        );
        assert!(!s.to_json().to_string().contains("Sas"));
        assert_eq!(format_z(1_663_117_345_374_431_700), "2022-09-14T01:02:25.3744317Z");
    }

    #[test]
    fn validation_messages() {
        let err = |b: &str| parse_settings(b.as_bytes()).unwrap_err();
        assert_eq!(err("{}"), "The settings field is required.");
        assert_eq!(
            err(r#"{"settings":{}}"#),
            "The settings.inputLocation field is required."
        );
        let out = r#""outputLocation":{"storageContainerUri":"https://a/out"}"#;
        assert_eq!(
            err(&format!(
                r#"{{"settings":{{"inputLocation":{{"storageContainerUri":"https://a/in"}},{out}}}}}"#
            )),
            "The settings.inputLocation.relativeInputAssetPath field is required."
        );
        assert!(err(&format!(
            r#"{{"settings":{{"inputLocation":{{"storageContainerUri":"in","relativeInputAssetPath":"a.fbx"}},{out}}}}}"#
        ))
        .contains("absolute"));
        assert!(err(
            r#"{"settings":{"inputLocation":{"storageContainerUri":"https://a/in","relativeInputAssetPath":"a.fbx"},"outputLocation":{"storageContainerUri":"https://a/out","outputAssetFilename":"x.bin"}}}"#
        )
        .contains("must end in '.arrAsset'"));
        assert!(err(&format!(
            r#"{{"settings":{{"inputLocation":{{"storageContainerUri":"https://a/in","relativeInputAssetPath":"a.obj"}},{out}}}}}"#
        ))
        .contains("Supported file types"));
    }
}
