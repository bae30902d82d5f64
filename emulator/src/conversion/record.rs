//! One stored conversion: its timestamps, its result, and its status and JSON at an instant.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::settings::Settings;

pub(super) const STATUS_NOT_STARTED: &str = "NotStarted";
pub(super) const STATUS_RUNNING: &str = "Running";
pub(super) const STATUS_SUCCEEDED: &str = "Succeeded";
pub(super) const STATUS_FAILED: &str = "Failed";
pub(super) const STATUS_CANCELLED: &str = "Cancelled";

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
    pub(super) fn failed(code: &str, message: impl Into<String>) -> Outcome {
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
    /// When `forced` was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) forced_at_ns: Option<u64>,
    /// A failure planned at create (scripted `sessionError` fault): the outcome instead of the storage work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) planned_failure: Option<Outcome>,
    /// The pipeline converter's phases done so far, with their real seconds (the dashboard shows them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) phases: Vec<(String, f64)>,
}

impl Conversion {
    /// Status and error at emulated time `now`.
    pub(super) fn state(&self, now: u64) -> (&str, Option<&Outcome>) {
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

    /// Emulated seconds from the create to the end (or to `now`, while it runs).
    pub(crate) fn elapsed_secs(&self, now: u64, time_scale: f64) -> u64 {
        let end = match (self.forced_at_ns, self.state(now).0) {
            (Some(at), _) => at,
            (None, STATUS_NOT_STARTED | STATUS_RUNNING) => now,
            (None, _) => self.done_at_ns.min(now),
        };
        (end.saturating_sub(self.created_at_ns) as f64 * time_scale / 1e9) as u64
    }

    pub(super) fn is_terminal(&self, now: u64) -> bool {
        !matches!(self.state(now).0, STATUS_NOT_STARTED | STATUS_RUNNING)
    }

    /// The `conversion` body at `now`; `status` overrides the computed status (the create answer).
    pub(super) fn to_json(&self, now: u64, status_override: Option<&str>) -> Value {
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

    pub(crate) fn snapshot(&self, now: u64) -> ConversionSnapshot {
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

/// `2022-09-14T01:02:25.3744317Z`: the conversions' `creationTime` form (seven fraction digits, `Z`).
pub(crate) fn format_z(unix_nanos: u64) -> String {
    let offset_form = crate::timefmt::format_creation_time(unix_nanos);
    match offset_form.strip_suffix("+00:00") {
        Some(base) => format!("{base}Z"),
        None => offset_form,
    }
}
