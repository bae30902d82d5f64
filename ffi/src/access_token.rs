//! Handing out the current access token (blocking and `_async`).

use std::ffi::{c_char, c_void};

use serde_json::json;

use super::client::ArrClient;
use super::error::guard;
use super::operation::{asynchronous, blocking, Answer, ArrCallback, Work};
use super::status::ArrStatus;
use arr_session::Client;

fn token_work(client: &Client) -> Work {
    let client = client.clone();
    Box::pin(async move { Answer::json(json!({ "accessToken": client.access_token().await?.expose() })) })
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
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe { blocking(client, out_json, "out_json", |client| Ok(token_work(client))) })
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
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            Ok(token_work(client))
        })
    })
}
