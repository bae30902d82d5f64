//! Handing out the current access token (blocking and `_async`).

use std::ffi::{c_char, c_void};

use serde_json::json;

use super::client::{client_arg, ArrClient};
use super::dispatch::to_json;
use super::dispatch::{run_async, run_blocking, ArrCallback, Work};
use super::error::guard;
use super::status::ArrStatus;
use super::strings::require_out;
use arr_session::Client;

fn token_work(client: &Client) -> Work {
    let client = client.clone();
    Box::pin(async move { to_json(json!({ "accessToken": client.access_token().await?.expose() })) })
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
