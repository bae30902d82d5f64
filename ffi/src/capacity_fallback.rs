//! Create-and-wait with capacity fallback: a session that ends in Error for lack of capacity is stopped
//! and replaced by one of the next size, then at the next endpoint.

use std::ffi::{c_char, c_void};
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::client::ArrClient;
use super::error::{guard, FfiError};
use super::operation::{asynchronous, blocking, Answer, ArrCallback, Work};
use super::options;
use super::status::ArrStatus;
use super::strings::{optional_str_arg, str_arg};
use arr_session::{CapacityFallback, Client};

/// # Safety
/// The strings must be NULL or NUL-terminated and valid for the call.
unsafe fn fallback_work(
    client: &Client,
    options_json: *const c_char,
    wait_options_json: *const c_char,
    fallback_json: *const c_char,
) -> Result<Work, FfiError> {
    // SAFETY: NULL or NUL-terminated strings, valid for the call (the exported function's contract).
    let (create, wait, fallback) = unsafe {
        (
            options::create_options(str_arg(options_json, "options_json")?)?,
            options::wait_options(optional_str_arg(wait_options_json, "wait_options_json")?)?,
            str_arg(fallback_json, "fallback_json")?,
        )
    };
    let fallback = CapacityFallback::from_json(fallback, client).map_err(FfiError::from)?;
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let fallback = fallback.on_event(move |event| sink.lock().unwrap_or_else(|p| p.into_inner()).push(event.clone()));
    let client = client.clone();
    Ok(Box::pin(async move {
        let ready = client.create_and_wait_with_fallback(&create, &wait, &fallback).await?;
        let fallbacks = std::mem::take(&mut *events.lock().unwrap_or_else(|p| p.into_inner()));
        Answer::json(json!({ "session": ready.value(), "fallbacks": fallbacks }))
    }))
}

/// Creates a session and waits until it is Ready; when it ends in Error for lack of capacity (its error
/// code one of `codes`, by default `CapacityExceeded`), stops it and creates one of the next of `sizes`,
/// then every size again at each of `endpoints` (same account and credential). `options_json` as for
/// `arr_client_create_session` (an id is used for the first try, `<id>-2`, ... after); `wait_options_json`
/// as for `arr_client_wait_until_ready` (NULL: no timeout; the timeout applies to each try);
/// `fallback_json`: `{"sizes"?: ["Premium"], "endpoints"?: ["https://..."], "codes"?: ["..."]}`. On success
/// `*out_json` is `{"session": {...Ready...}, "fallbacks": [{"failedSessionId", "failedSize",
/// "failedEndpoint", "code", "message", "stopped", "nextSize", "nextEndpoint"}]}`. Any other failure ends
/// the call as a wait would (`ARR_STATUS_SESSION_ENDED` with the session in the error).
///
/// Ownership: arguments borrowed for the call; `*out_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes, until Ready or every try failed; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_create_session_with_fallback(
    client: *const ArrClient,
    options_json: *const c_char,
    wait_options_json: *const c_char,
    fallback_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_json, "out_json", |client| {
            fallback_work(client, options_json, wait_options_json, fallback_json)
        })
    })
}

/// `arr_client_create_session_with_fallback`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_create_session_with_fallback_async(
    client: *const ArrClient,
    options_json: *const c_char,
    wait_options_json: *const c_char,
    fallback_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            fallback_work(client, options_json, wait_options_json, fallback_json)
        })
    })
}
