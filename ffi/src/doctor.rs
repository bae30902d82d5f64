//! The doctor: settings mistakes, proxy, DNS, TCP, HTTPS, clock skew, the STS, and a session's ports.

use std::ffi::{c_char, c_void};

use super::client::ArrClient;
use super::error::{guard, FfiError};
use super::operation::{asynchronous, blocking, Answer, ArrCallback, Work};
use super::status::ArrStatus;
use super::strings::optional_str_arg;
use arr_session::{Client, DoctorOptions};

/// # Safety
/// `options_json` must be NULL or a NUL-terminated string valid for the call.
unsafe fn diagnose_work(client: &Client, options_json: *const c_char) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let options = match unsafe { optional_str_arg(options_json, "options_json") }? {
        Some(text) => DoctorOptions::from_json(text).map_err(FfiError::from)?,
        None => DoctorOptions::default(),
    };
    let client = client.clone();
    Ok(Box::pin(async move { Answer::json(client.diagnose(&options).await) }))
}

/// Runs the doctor's checks for the client's settings: `{"checks": [{"name", "result": "ok" | "warning"
/// | "failure", "message", "fix"?}]}`, in the order run. A check that finds a problem is a result, not a
/// failed call: the status is OK whatever the checks found. `options_json` (NULL: the defaults):
/// `{"sessionId"?: "...", "connectTimeoutMs"?: 5000}`; with a session id, its handshake and inspector
/// ports are tried.
///
/// Ownership: arguments borrowed for the call; `*out_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes (a few seconds at most per check); not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_diagnose(
    client: *const ArrClient,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_json, "out_json", |client| {
            diagnose_work(client, options_json)
        })
    })
}

/// `arr_client_diagnose`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_diagnose_async(
    client: *const ArrClient,
    options_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            diagnose_work(client, options_json)
        })
    })
}
