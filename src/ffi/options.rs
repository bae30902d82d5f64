//! The JSON arguments of the C functions: create options, wait options, lists of ids.

use std::time::Duration;

use serde_json::Value;

use super::error::FfiError;
use crate::json_fields::Fields;
use crate::model::{CreateSessionOptions, SessionSize};
use crate::wait::WaitOptions;

fn object(text: &str, name: &str) -> Result<serde_json::Map<String, Value>, FfiError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(FfiError::invalid(name, "must be a JSON object")),
        Err(e) => Err(FfiError::invalid(name, format_args!("not valid JSON ({e})"))),
    }
}

/// `{"id"?: "my-session", "size": "Standard", "maxLeaseTimeMinutes": 60, "owned"?: true}`.
pub(crate) fn create_options(text: &str) -> Result<CreateSessionOptions, FfiError> {
    let mut map = object(text, "options_json")?;
    let mut fields = Fields::new(&mut map, "");
    let id = fields.optional_string("id")?;
    let owned = fields.optional_bool("owned")?.unwrap_or(true);
    let size = fields.required_string("size")?;
    let lease = fields
        .optional_u64("maxLeaseTimeMinutes", 0, u64::from(u32::MAX))?
        .ok_or_else(|| FfiError::invalid("maxLeaseTimeMinutes", "is required"))?;
    fields.reject_unknown()?;
    let size = SessionSize::parse_requested(&size)?;
    let mut options = CreateSessionOptions::new(size, lease as u32);
    options.id = id;
    options.owned = owned;
    Ok(options)
}

/// `{"timeoutMs"?: 600000, "pollIntervalMs"?: 2000}`; NULL means the defaults (no timeout).
pub(crate) fn wait_options(text: Option<&str>) -> Result<WaitOptions, FfiError> {
    let mut options = WaitOptions::default();
    if let Some(text) = text {
        let mut map = object(text, "wait_options_json")?;
        let mut fields = Fields::new(&mut map, "");
        options.timeout = fields
            .optional_u64("timeoutMs", 1, 7 * 86_400_000)?
            .map(Duration::from_millis);
        options.poll_interval = fields
            .optional_u64("pollIntervalMs", 1, 3_600_000)?
            .map(Duration::from_millis);
        fields.reject_unknown()?;
    }
    Ok(options)
}

/// `["id-1", "id-2"]` (at most 10,000).
pub(crate) fn session_ids(text: &str) -> Result<Vec<String>, FfiError> {
    let ids: Vec<String> = serde_json::from_str(text).map_err(|e| {
        FfiError::invalid(
            "session_ids_json",
            format_args!("must be a JSON array of strings ({e})"),
        )
    })?;
    if ids.len() > 10_000 {
        return Err(FfiError::invalid("session_ids_json", "holds more than 10000 ids"));
    }
    Ok(ids)
}
