//! Waiting until one session, or many, are Ready (blocking and `_async`).

use std::ffi::{c_char, c_void};

use serde_json::json;

use super::arguments::session_id_arg;
use super::client::ArrClient;
use super::error::guard;
use super::error::FfiError;
use super::operation::outcome_item;
use super::operation::{asynchronous, blocking, Answer, ArrCallback, Work};
use super::options;
use super::status::ArrStatus;
use super::strings::{optional_str_arg, str_arg};
use arr_session::Client;

/// # Safety
/// The strings must be NULL or NUL-terminated and valid for the call.
unsafe fn wait_work(
    client: &Client,
    session_id: *const c_char,
    wait_options_json: *const c_char,
) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let (id, options) = unsafe {
        (
            session_id_arg(session_id)?,
            optional_str_arg(wait_options_json, "wait_options_json")?,
        )
    };
    let options = options::wait_options(options)?;
    let client = client.clone();
    Ok(Box::pin(async move {
        Answer::of(client.wait_until_ready(&id, &options).await?)
    }))
}

/// # Safety
/// The strings must be NULL or NUL-terminated and valid for the call.
unsafe fn wait_many_work(
    client: &Client,
    ids_json: *const c_char,
    wait_options_json: *const c_char,
) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let (ids, options) = unsafe {
        (
            str_arg(ids_json, "session_ids_json")?,
            optional_str_arg(wait_options_json, "wait_options_json")?,
        )
    };
    let (ids, options) = (options::session_ids(ids)?, options::wait_options(options)?);
    let client = client.clone();
    Ok(Box::pin(async move {
        let outcomes = client.wait_for_sessions(&ids, &options).await?;
        let items: Vec<serde_json::Value> = ids
            .iter()
            .zip(outcomes)
            .map(|(id, outcome)| outcome_item(id, outcome.map(|session| Some(json!(session)))))
            .collect();
        Answer::json(items)
    }))
}

/// Waits until the session is Ready, polling it (2 s for Standard, 10 s otherwise, or the configured
/// interval; Retry-After honoured). `wait_options_json` may be NULL or `{"timeoutMs": 600000,
/// "pollIntervalMs": 2000}`. Fails with ARR_STATUS_SESSION_ENDED (the error JSON has the `session`) if it
/// reaches Error, Expired or Stopped, ARR_STATUS_TIMEOUT, or ARR_STATUS_CANCELLED. Ending a wait never
/// stops the session.
///
/// Ownership: arguments borrowed; `*out_session_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes, possibly for minutes; not allowed inside a callback. Prefer the `_async` form on UI threads.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_wait_until_ready(
    client: *const ArrClient,
    session_id: *const c_char,
    wait_options_json: *const c_char,
    out_session_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_session_json, "out_session_json", |client| {
            wait_work(client, session_id, wait_options_json)
        })
    })
}

/// `arr_client_wait_until_ready`, completing through `callback`; cancel it with `arr_client_cancel`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_wait_until_ready_async(
    client: *const ArrClient,
    session_id: *const c_char,
    wait_options_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            wait_work(client, session_id, wait_options_json)
        })
    })
}

/// Waits for many sessions at once with one list request per poll (plus a GET for each awaited session
/// that left the list). `session_ids_json`: `["a", "b"]`. The result is an array in the same order:
/// `{"id": "a", "status": "ARR_STATUS_OK", "session": {...}}` or `{"id": "b", "status":
/// "ARR_STATUS_NOT_FOUND", "error": {...}}`; sessions still starting at the timeout get ARR_STATUS_TIMEOUT.
///
/// Ownership: arguments borrowed; `*out_results_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_wait_for_sessions(
    client: *const ArrClient,
    session_ids_json: *const c_char,
    wait_options_json: *const c_char,
    out_results_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_results_json, "out_results_json", |client| {
            wait_many_work(client, session_ids_json, wait_options_json)
        })
    })
}

/// `arr_client_wait_for_sessions`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_wait_for_sessions_async(
    client: *const ArrClient,
    session_ids_json: *const c_char,
    wait_options_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            wait_many_work(client, session_ids_json, wait_options_json)
        })
    })
}
