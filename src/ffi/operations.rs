//! The session operations, each in a blocking form and an `_async` form.
//!
//! Arguments are checked in the initiating call: a bad argument is returned as a status at once (and no
//! callback follows). Only what happens after that (network, service) reaches the callback.

use std::ffi::{c_char, c_void, CString};
use std::future::Future;

use serde_json::json;

use super::client::{client_arg, ArrClient};
use super::error::{guard, FfiError};
use super::options;
use super::runtime;
use super::status::ArrStatus;
use super::strings::{into_c_string, optional_str_arg, require_out, str_arg, write_out};
use crate::model::{validate_lease, validate_session_id, MAX_LEASE_MINUTES};
use crate::Client;

/// Receives the outcome of an `_async` call, exactly once: `status` is `ARR_STATUS_OK` and `json` the
/// result (a session object, an array, or `null` for stop), or another status and `json` the error object
/// (the same JSON `arr_last_error` gives). `json` is borrowed for the duration of the call.
pub type ArrCallback = Option<unsafe extern "C" fn(user_data: *mut c_void, status: ArrStatus, json: *const c_char)>;

type Work = std::pin::Pin<Box<dyn Future<Output = Result<String, FfiError>> + Send>>;

fn to_json(value: impl serde::Serialize) -> Result<String, FfiError> {
    serde_json::to_string(&value)
        .map_err(|e| FfiError::new(ArrStatus::Decode, format!("cannot encode the result: {e}")))
}

/// Runs `work` on the calling thread's behalf and writes its JSON to `out`.
fn run_blocking(client: &ArrClient, work: Work, out: *mut *mut c_char) -> Result<(), FfiError> {
    let json = runtime::block_on(client.id, client.generation, work)?;
    // SAFETY: `out` was checked by the caller with `require_out`.
    unsafe { write_out(out, into_c_string(json)) };
    Ok(())
}

/// Starts `work` and arranges for `callback` to receive its outcome.
fn run_async(
    client: &ArrClient,
    work: Work,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> Result<(), FfiError> {
    let callback = callback.ok_or_else(|| FfiError::null_argument("callback"))?;
    let user_data = user_data as usize;
    let id = runtime::spawn(client.id, client.generation, work, move |outcome| {
        let (status, json) = match outcome {
            Ok(json) => (ArrStatus::Ok, json),
            Err(error) => (error.status, error.to_json()),
        };
        let json = CString::new(json.replace('\0', "\u{FFFD}")).unwrap_or_default();
        // SAFETY: the host gave us this function and promised user_data is usable from library threads.
        unsafe { callback(user_data as *mut c_void, status, json.as_ptr()) };
    })?;
    // SAFETY: NULL is allowed (the id is not wanted); otherwise the host gave a writable pointer.
    unsafe { write_out(out_operation_id, id) };
    Ok(())
}

unsafe fn session_id_arg(ptr: *const c_char) -> Result<String, FfiError> {
    let id = str_arg(ptr, "session_id")?;
    validate_session_id(id)?;
    Ok(id.to_owned())
}

fn lease_arg(minutes: u32) -> Result<u32, FfiError> {
    validate_lease(minutes)?;
    Ok(minutes)
}

// Each operation is built once as a `Work` from checked arguments; the exported pairs below only differ
// in how the work is run.

unsafe fn create_work(client: &Client, options_json: *const c_char) -> Result<Work, FfiError> {
    let options = options::create_options(str_arg(options_json, "options_json")?)?;
    validate_lease(options.max_lease_time_minutes)?;
    if let Some(id) = &options.id {
        validate_session_id(id)?;
    }
    let client = client.clone();
    Ok(Box::pin(async move {
        to_json(client.create_session(&options).await?.value)
    }))
}

unsafe fn get_work(client: &Client, session_id: *const c_char) -> Result<Work, FfiError> {
    let (client, id) = (client.clone(), session_id_arg(session_id)?);
    Ok(Box::pin(async move { to_json(client.get_session(&id).await?.value) }))
}

unsafe fn update_work(client: &Client, session_id: *const c_char, minutes: u32) -> Result<Work, FfiError> {
    let (client, id, minutes) = (client.clone(), session_id_arg(session_id)?, lease_arg(minutes)?);
    Ok(Box::pin(async move {
        to_json(client.update_session(&id, minutes).await?.value)
    }))
}

unsafe fn extend_work(client: &Client, session_id: *const c_char, by_minutes: u32) -> Result<Work, FfiError> {
    let id = session_id_arg(session_id)?;
    if by_minutes == 0 || by_minutes > MAX_LEASE_MINUTES {
        return Err(FfiError::invalid(
            "by_minutes",
            format_args!("must be 1 to {MAX_LEASE_MINUTES}, not {by_minutes}"),
        ));
    }
    let client = client.clone();
    Ok(Box::pin(async move {
        to_json(client.extend_session(&id, by_minutes).await?.value)
    }))
}

unsafe fn stop_work(client: &Client, session_id: *const c_char) -> Result<Work, FfiError> {
    let (client, id) = (client.clone(), session_id_arg(session_id)?);
    Ok(Box::pin(async move {
        client.stop_session(&id).await?;
        Ok("null".to_owned())
    }))
}

fn list_work(client: &Client) -> Work {
    let client = client.clone();
    Box::pin(async move { to_json(client.list_sessions().await?.value) })
}

unsafe fn wait_work(
    client: &Client,
    session_id: *const c_char,
    wait_options_json: *const c_char,
) -> Result<Work, FfiError> {
    let id = session_id_arg(session_id)?;
    let options = options::wait_options(optional_str_arg(wait_options_json, "wait_options_json")?)?;
    let client = client.clone();
    Ok(Box::pin(async move {
        to_json(client.wait_until_ready(&id, &options).await?.value)
    }))
}

unsafe fn wait_many_work(
    client: &Client,
    ids_json: *const c_char,
    wait_options_json: *const c_char,
) -> Result<Work, FfiError> {
    let ids = options::session_ids(str_arg(ids_json, "session_ids_json")?)?;
    let options = options::wait_options(optional_str_arg(wait_options_json, "wait_options_json")?)?;
    let client = client.clone();
    Ok(Box::pin(async move {
        let outcomes = client.wait_for_sessions(&ids, &options).await?;
        let items: Vec<serde_json::Value> = ids
            .iter()
            .zip(outcomes)
            .map(|(id, outcome)| outcome_item(id, outcome.map(|session| Some(json!(session)))))
            .collect();
        to_json(items)
    }))
}

/// One entry of a per-session result array: `{"id", "status", "session"?}` or `{"id", "status", "error"}`.
fn outcome_item(id: &str, outcome: crate::Result<Option<serde_json::Value>>) -> serde_json::Value {
    match outcome {
        Ok(Some(session)) => json!({ "id": id, "status": ArrStatus::Ok.name(), "session": session }),
        Ok(None) => json!({ "id": id, "status": ArrStatus::Ok.name() }),
        Err(error) => {
            let error = FfiError::from(error);
            json!({ "id": id, "status": error.status.name(), "error": error.to_value() })
        }
    }
}

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
        to_json(items)
    }))
}

fn token_work(client: &Client) -> Work {
    let client = client.clone();
    Box::pin(async move { to_json(json!({ "accessToken": client.access_token().await?.expose() })) })
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
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_session_json, "out_session_json")?;
        run_blocking(client, create_work(&client.client, options_json)?, out_session_json)
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
    guard(|| {
        let client = client_arg(client)?;
        run_async(
            client,
            create_work(&client.client, options_json)?,
            callback,
            user_data,
            out_operation_id,
        )
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
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_session_json, "out_session_json")?;
        run_blocking(client, get_work(&client.client, session_id)?, out_session_json)
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
    guard(|| {
        let client = client_arg(client)?;
        run_async(
            client,
            get_work(&client.client, session_id)?,
            callback,
            user_data,
            out_operation_id,
        )
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
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_session_json, "out_session_json")?;
        run_blocking(
            client,
            update_work(&client.client, session_id, max_lease_time_minutes)?,
            out_session_json,
        )
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
    guard(|| {
        let client = client_arg(client)?;
        let work = update_work(&client.client, session_id, max_lease_time_minutes)?;
        run_async(client, work, callback, user_data, out_operation_id)
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
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_session_json, "out_session_json")?;
        run_blocking(
            client,
            extend_work(&client.client, session_id, by_minutes)?,
            out_session_json,
        )
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
    guard(|| {
        let client = client_arg(client)?;
        run_async(
            client,
            extend_work(&client.client, session_id, by_minutes)?,
            callback,
            user_data,
            out_operation_id,
        )
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
    guard(|| {
        let client = client_arg(client)?;
        let work = stop_work(&client.client, session_id)?;
        runtime::block_on(client.id, client.generation, work).map(drop)
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
    guard(|| {
        let client = client_arg(client)?;
        run_async(
            client,
            stop_work(&client.client, session_id)?,
            callback,
            user_data,
            out_operation_id,
        )
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
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_sessions_json, "out_sessions_json")?;
        run_blocking(client, list_work(&client.client), out_sessions_json)
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
    guard(|| {
        let client = client_arg(client)?;
        run_async(client, list_work(&client.client), callback, user_data, out_operation_id)
    })
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
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_session_json, "out_session_json")?;
        run_blocking(
            client,
            wait_work(&client.client, session_id, wait_options_json)?,
            out_session_json,
        )
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
    guard(|| {
        let client = client_arg(client)?;
        let work = wait_work(&client.client, session_id, wait_options_json)?;
        run_async(client, work, callback, user_data, out_operation_id)
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
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_results_json, "out_results_json")?;
        run_blocking(
            client,
            wait_many_work(&client.client, session_ids_json, wait_options_json)?,
            out_results_json,
        )
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
    guard(|| {
        let client = client_arg(client)?;
        let work = wait_many_work(&client.client, session_ids_json, wait_options_json)?;
        run_async(client, work, callback, user_data, out_operation_id)
    })
}

/// A currently valid Mixed Reality access token (from the cache, or a fresh STS exchange), as JSON
/// `{"accessToken": "..."}`. For handing to a renderer or backend: it is a secret, never log it.
///
/// Ownership: `*out_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_get_access_token(
    client: *const ArrClient,
    out_json: *mut *mut c_char,
) -> ArrStatus {
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_json, "out_json")?;
        run_blocking(client, token_work(&client.client), out_json)
    })
}

/// `arr_client_get_access_token`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_get_access_token_async(
    client: *const ArrClient,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    guard(|| {
        let client = client_arg(client)?;
        run_async(
            client,
            token_work(&client.client),
            callback,
            user_data,
            out_operation_id,
        )
    })
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
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_results_json, "out_results_json")?;
        run_blocking(client, stop_owned_work(&client.client, timeout_ms)?, out_results_json)
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
    guard(|| {
        let client = client_arg(client)?;
        require_out(out_ids_json, "out_ids_json")?;
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
    guard(|| {
        let client = client_arg(client)?;
        run_async(
            client,
            stop_owned_work(&client.client, timeout_ms)?,
            callback,
            user_data,
            out_operation_id,
        )
    })
}

/// Test-only: panics inside the library, to show the panic boundary holds (returns ARR_STATUS_PANIC).
/// Present only in builds with the `test-hooks` feature.
///
/// Ownership: nothing.
/// Thread-safety: any thread.
/// Blocking: no.
#[cfg(feature = "test-hooks")]
#[no_mangle]
pub extern "C" fn arr_test_force_panic() -> ArrStatus {
    guard(|| panic!("forced by arr_test_force_panic"))
}
