//! Reaping forgotten sessions: stop every live session billed for longer than a limit.

use std::ffi::{c_char, c_void};

use super::client::ArrClient;
use super::error::{guard, FfiError};
use super::operation::{asynchronous, blocking, Answer, ArrCallback, Work};
use super::status::ArrStatus;
use super::strings::str_arg;
use arr_session::{Client, ReapOptions};

/// # Safety
/// `options_json` must be NULL or a NUL-terminated string valid for the call.
unsafe fn reap_work(client: &Client, options_json: *const c_char) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let text = unsafe { str_arg(options_json, "options_json") }?;
    let options = ReapOptions::from_json(text).map_err(FfiError::from)?;
    let client = client.clone();
    Ok(Box::pin(
        async move { Answer::json(client.reap_sessions(&options).await?) },
    ))
}

/// Stops every Starting or Ready session billed for longer than `olderThanMinutes` (from creation).
/// `options_json`: `{"olderThanMinutes": 120, "size"?: "Premium", "dryRun"?: false, "prices"?: {...}}`.
/// On success `*out_json` is `{"dryRun", "sessions": [{"session", "billedMinutes", "savedMinutes",
/// "savedCost"?, "stopped", "error"?}], "savedMinutes", "savedCost"?}`: a stop that failed is reported in
/// its entry (`error`, the last-error object) and the others are still stopped.
///
/// Ownership: arguments borrowed for the call; `*out_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes (one list, one stop per session); not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_reap_sessions(
    client: *const ArrClient,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe { blocking(client, out_json, "out_json", |client| reap_work(client, options_json)) })
}

/// `arr_client_reap_sessions`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_reap_sessions_async(
    client: *const ArrClient,
    options_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            reap_work(client, options_json)
        })
    })
}
