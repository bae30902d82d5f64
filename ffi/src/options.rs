//! The JSON arguments of the C functions: create options and wait options (read by the core, which knows
//! their REST-shaped forms), lists of ids.

use arr_session::{CreateSessionOptions, WaitOptions};

use super::error::FfiError;

/// `{"id"?: "my-session", "size": "Standard", "maxLeaseTimeMinutes": 60, "owned"?: true}`.
pub(crate) fn create_options(text: &str) -> Result<CreateSessionOptions, FfiError> {
    CreateSessionOptions::from_json(text).map_err(|e| FfiError::from(e).renaming_argument("options", "options_json"))
}

/// `{"timeoutMs"?: 600000, "pollIntervalMs"?: 2000}`; NULL means the defaults (no timeout).
pub(crate) fn wait_options<T>(text: Option<&str>) -> Result<WaitOptions<T>, FfiError> {
    let options = text.map(WaitOptions::from_json).transpose();
    let options = options.map_err(|e| FfiError::from(e).renaming_argument("waitOptions", "wait_options_json"))?;
    Ok(options.unwrap_or_default())
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
