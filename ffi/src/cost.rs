//! What the account's live sessions cost so far: billed minutes from create, priced by a table the caller
//! gives (no price is built in).

use std::ffi::{c_char, c_void};
use std::time::SystemTime;

use super::client::ArrClient;
use super::error::{guard, FfiError};
use super::operation::{asynchronous, blocking, Answer, ArrCallback, Work};
use super::status::ArrStatus;
use super::strings::optional_str_arg;
use arr_session::{cost_summary, Client, PriceTable};

/// # Safety
/// `prices_json` must be NULL or a NUL-terminated string valid for the call.
unsafe fn costs_work(client: &Client, prices_json: *const c_char) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let prices = match unsafe { optional_str_arg(prices_json, "prices_json") }? {
        Some(text) => Some(PriceTable::from_json(text).map_err(FfiError::from)?),
        None => None,
    };
    let client = client.clone();
    Ok(Box::pin(async move {
        let sessions = client.list_sessions().await?.into_value();
        Answer::json(cost_summary(&sessions, prices.as_ref(), SystemTime::now()))
    }))
}

/// Lists the account's Starting and Ready sessions with what each is billed so far, and the totals:
/// `{"sessions": [{"id", "size", "status", "billedMinutes", "cost"?}], "totalMinutes", "totalCost"?,
/// "currency"?}`. A session is billed from its creation to its stop or expiry, whole minutes rounded up.
/// `prices_json` (NULL: minutes only): `{"currency": "USD", "perHour": {"Standard": 3.0, "Premium": 12.0}}`.
///
/// Ownership: arguments borrowed for the call; `*out_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes (one list); not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_list_session_costs(
    client: *const ArrClient,
    prices_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe { blocking(client, out_json, "out_json", |client| costs_work(client, prices_json)) })
}

/// `arr_client_list_session_costs`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_session_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_session_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_list_session_costs_async(
    client: *const ArrClient,
    prices_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            costs_work(client, prices_json)
        })
    })
}
