//! The session guard through the ABI: the sessions a client owns, and stopping them.

use std::ffi::{c_char, c_void};

use super::client::{client_arg, ArrClient};
use super::error::guard;
use super::error::FfiError;
use super::operation::{asynchronous, blocking, Answer, ArrCallback, Work};
use super::operation::{outcome_item, to_json};
use super::status::ArrStatus;
use super::strings::require_out;
use super::strings::{into_c_string, write_out};
use arr_session::Client;

fn stop_owned_work(client: &Client, timeout_ms: u32) -> Result<Work, FfiError> {
    if timeout_ms == 0 {
        return Err(FfiError::invalid("timeout_ms", "must be greater than 0"));
    }
    let client = client.clone();
    let timeout = std::time::Duration::from_millis(u64::from(timeout_ms));
    Ok(Box::pin(async move {
        let outcomes = client.stop_owned_sessions(timeout).await;
        let items: Vec<serde_json::Value> = outcomes
            .into_iter()
            .map(|(id, outcome)| outcome_item(&id, outcome.map(|()| None)))
            .collect();
        Answer::json(items)
    }))
}

/// Stops every session this client owns (created through it, unless created with `"owned": false`),
/// concurrently, within `timeout_ms`. The result is `[{"id": "a", "status": "ARR_STATUS_OK"}, {"id":
/// "b", "status": "ARR_STATUS_TIMEOUT", "error": {...}}]`; a session the service no longer knows counts as
/// stopped. Configure `"stopOwnedSessionsOnClose": true` to have `arr_client_free` do this itself.
///
/// Ownership: `*out_results_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes, at most about `timeout_ms`; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_stop_owned_sessions(
    client: *const ArrClient,
    timeout_ms: u32,
    out_results_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_results_json, "out_results_json", |client| {
            stop_owned_work(client, timeout_ms)
        })
    })
}

/// The ids of the sessions this client owns (see `arr_client_stop_owned_sessions`), as a JSON array.
///
/// Ownership: `*out_ids_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: no.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_get_owned_sessions(
    client: *const ArrClient,
    out_ids_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        let client = client_arg(client)?;
        require_out(out_ids_json, "out_ids_json")?;
        crate::engine::registry::lock().admit(&client.owner, crate::engine::registry::Kind::Call)?;
        write_out(out_ids_json, into_c_string(to_json(client.client.owned_sessions())?));
        Ok(())
    })
}

/// `arr_client_stop_owned_sessions`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_stop_owned_sessions_async(
    client: *const ArrClient,
    timeout_ms: u32,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            stop_owned_work(client, timeout_ms)
        })
    })
}
