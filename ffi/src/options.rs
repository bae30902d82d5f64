//! The JSON arguments of the C functions, read by the core (which knows their REST-shaped forms): an
//! error names the C argument, not the core's field. Lists of ids.

use arr_session::{ConversionSettings, CreateSessionOptions, KeepOptions, LintOptions, ResultsOptions, WaitOptions};

use super::error::FfiError;

/// `{"id"?: "my-session", "size": "Standard", "maxLeaseTimeMinutes": 60, "owned"?: true}`.
pub(crate) fn create_options(text: &str) -> Result<CreateSessionOptions, FfiError> {
    CreateSessionOptions::from_json(text).map_err(|e| FfiError::from(e).renaming_argument("options", "options_json"))
}

/// A conversion's `{"inputLocation": {...}, "outputLocation": {...}}`.
pub(crate) fn conversion_settings(text: &str) -> Result<ConversionSettings, FfiError> {
    ConversionSettings::from_json(text).map_err(|e| FfiError::from(e).renaming_argument("settings", "settings_json"))
}

/// `{"timeoutMs"?: 600000, "pollIntervalMs"?: 2000}`; NULL means the defaults (no timeout).
pub(crate) fn wait_options<T>(text: Option<&str>) -> Result<WaitOptions<T>, FfiError> {
    optional(text, WaitOptions::from_json, "waitOptions", "wait_options_json")
}

/// The keeper's options (see `arr_client_keep_session`); NULL means the defaults.
pub(crate) fn keep_options(text: Option<&str>) -> Result<KeepOptions, FfiError> {
    optional(text, KeepOptions::from_json, "keepOptions", "options_json")
}

/// The input lint's options (see `arr_client_lint_conversion_input`); NULL means the defaults.
pub(crate) fn lint_options(text: Option<&str>) -> Result<LintOptions, FfiError> {
    optional(text, LintOptions::from_json, "lintOptions", "options_json")
}

/// How to read a conversion's result files (see `arr_client_get_conversion_results`); NULL means the
/// defaults.
pub(crate) fn results_options(text: Option<&str>) -> Result<ResultsOptions, FfiError> {
    optional(text, ResultsOptions::from_json, "resultsOptions", "options_json")
}

/// An optional JSON argument read by `parse`: NULL means `T`'s defaults; an error of the core's `field`
/// is reported as one of the C `argument`.
fn optional<T: Default>(
    text: Option<&str>,
    parse: impl FnOnce(&str) -> arr_session::Result<T>,
    field: &str,
    argument: &str,
) -> Result<T, FfiError> {
    let value = text.map(parse).transpose();
    let value = value.map_err(|e| FfiError::from(e).renaming_argument(field, argument))?;
    Ok(value.unwrap_or_default())
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
