//! The session operations: create, get, update, extend, stop, list (blocking and `_async`).

use std::ffi::{c_char, c_void};

use super::arguments::{lease_arg, session_id_arg};
use super::client::{client_arg, ArrClient};
use super::error::guard;
use super::error::FfiError;
use super::last_response;
use super::operation::{asynchronous, blocking, Answer, ArrCallback, Work};
use super::options;
use super::status::ArrStatus;
use super::strings::str_arg;
use crate::engine::runtime;
use arr_session::Client;
use arr_session::{validate_lease, validate_session_id, MAX_LEASE_MINUTES};

/// # Safety
/// `options_json` must be NULL or a NUL-terminated string valid for the call.
unsafe fn create_work(client: &Client, options_json: *const c_char) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let options = options::create_options(unsafe { str_arg(options_json, "options_json") }?)?;
    validate_lease(options.max_lease_time_minutes)?;
    if let Some(id) = &options.id {
        validate_session_id(id)?;
    }
    let client = client.clone();
    Ok(Box::pin(
        async move { Answer::of(client.create_session(&options).await?) },
    ))
}

/// # Safety
/// `session_id` must be NULL or a NUL-terminated string valid for the call.
unsafe fn get_work(client: &Client, session_id: *const c_char) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let (client, id) = (client.clone(), unsafe { session_id_arg(session_id) }?);
    Ok(Box::pin(async move { Answer::of(client.get_session(&id).await?) }))
}

/// # Safety
/// `session_id` must be NULL or a NUL-terminated string valid for the call.
unsafe fn update_work(client: &Client, session_id: *const c_char, minutes: u32) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let id = unsafe { session_id_arg(session_id) }?;
    let (client, minutes) = (client.clone(), lease_arg(minutes)?);
    Ok(Box::pin(async move {
        Answer::of(client.update_session(&id, minutes).await?)
    }))
}

/// # Safety
/// `session_id` must be NULL or a NUL-terminated string valid for the call.
unsafe fn extend_work(client: &Client, session_id: *const c_char, by_minutes: u32) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let id = unsafe { session_id_arg(session_id) }?;
    if by_minutes == 0 || by_minutes > MAX_LEASE_MINUTES {
        return Err(FfiError::invalid(
            "by_minutes",
            format_args!("must be 1 to {MAX_LEASE_MINUTES}, not {by_minutes}"),
        ));
    }
    let client = client.clone();
    Ok(Box::pin(async move {
        Answer::of(client.extend_session(&id, by_minutes).await?)
    }))
}

/// # Safety
/// `session_id` must be NULL or a NUL-terminated string valid for the call.
unsafe fn stop_work(client: &Client, session_id: *const c_char) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let (client, id) = (client.clone(), unsafe { session_id_arg(session_id) }?);
    Ok(Box::pin(async move { Answer::of(client.stop_session(&id).await?) }))
}

fn list_work(client: &Client) -> Work {
    let client = client.clone();
    Box::pin(async move { Answer::of(client.list_sessions().await?) })
}

/// Creates a session. `options_json`: `{"id": "my-session", "size": "Standard", "maxLeaseTimeMinutes": 60}`
/// (`id` optional: a GUID is chosen when absent; must be absent with api-version v1; `size` Standard or
/// Premium in any case; lease 0 to 1440; `"owned": false` keeps it out of `arr_client_stop_owned_sessions`). On success `*out_session_json` is the session (status Starting).
/// A create retried with the same id and settings finds the session instead of making a second.
///
/// Ownership: arguments borrowed for the call; `*out_session_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes, for the request (with retries); not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_create_session(
    client: *const ArrClient,
    options_json: *const c_char,
    out_session_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_session_json, "out_session_json", |client| {
            create_work(client, options_json)
        })
    })
}

/// `arr_client_create_session`, completing through `callback` with the session JSON.
/// `*out_operation_id` (if not NULL) receives an id for `arr_client_cancel`.
///
/// Ownership: arguments borrowed for the call; the JSON given to the callback is borrowed for its call.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// Pointers must be NULL or valid as described; `user_data` must be usable from library threads.
#[no_mangle]
pub unsafe extern "C" fn arr_client_create_session_async(
    client: *const ArrClient,
    options_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            create_work(client, options_json)
        })
    })
}

/// Gets a session's properties. A stopped session stays readable.
///
/// Ownership: arguments borrowed; `*out_session_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_get_session(
    client: *const ArrClient,
    session_id: *const c_char,
    out_session_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_session_json, "out_session_json", |client| {
            get_work(client, session_id)
        })
    })
}

/// `arr_client_get_session`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_get_session_async(
    client: *const ArrClient,
    session_id: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            get_work(client, session_id)
        })
    })
}

/// Sets the session's lease to `max_lease_time_minutes` in total (absolute, not added): larger than the
/// current lease, at most 1440. Setting the current value again succeeds.
///
/// Ownership: arguments borrowed; `*out_session_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_update_session(
    client: *const ArrClient,
    session_id: *const c_char,
    max_lease_time_minutes: u32,
    out_session_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_session_json, "out_session_json", |client| {
            update_work(client, session_id, max_lease_time_minutes)
        })
    })
}

/// `arr_client_update_session`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_update_session_async(
    client: *const ArrClient,
    session_id: *const c_char,
    max_lease_time_minutes: u32,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            update_work(client, session_id, max_lease_time_minutes)
        })
    })
}

/// Extends the lease by `by_minutes` (1 to 1440): reads the current lease, then sets current + by. The
/// safe way to renew, since the lease is absolute.
///
/// Ownership: arguments borrowed; `*out_session_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_extend_session(
    client: *const ArrClient,
    session_id: *const c_char,
    by_minutes: u32,
    out_session_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_session_json, "out_session_json", |client| {
            extend_work(client, session_id, by_minutes)
        })
    })
}

/// `arr_client_extend_session`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_extend_session_async(
    client: *const ArrClient,
    session_id: *const c_char,
    by_minutes: u32,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            extend_work(client, session_id, by_minutes)
        })
    })
}

/// Stops the session (billing ends). Stopping a stopped session succeeds.
///
/// Ownership: arguments borrowed.
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_stop_session(client: *const ArrClient, session_id: *const c_char) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        let client = client_arg(client)?;
        let work = stop_work(&client.client, session_id)?;
        let answer = runtime::block_on(&client.owner, work)?;
        last_response::set(answer.meta);
        Ok(())
    })
}

/// `arr_client_stop_session`, completing through `callback` (with JSON `null` on success).
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_stop_session_async(
    client: *const ArrClient,
    session_id: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            stop_work(client, session_id)
        })
    })
}

/// Lists the account's Starting and Ready sessions (all pages) as a JSON array of sessions.
///
/// Ownership: `*out_sessions_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_list_sessions(
    client: *const ArrClient,
    out_sessions_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_sessions_json, "out_sessions_json", |client| {
            Ok(list_work(client))
        })
    })
}

/// `arr_client_list_sessions`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_list_sessions_async(
    client: *const ArrClient,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            Ok(list_work(client))
        })
    })
}
