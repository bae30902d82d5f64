//! Asset conversions: create, get, list, wait (blocking and `_async`), JSON in the REST names of
//! api-version 2021-01-01. SAS values go in, never come out.

use std::ffi::{c_char, c_void};

use super::client::ArrClient;
use super::error::{guard, FfiError};
use super::operation::{asynchronous, blocking, Answer, ArrCallback, Work};
use super::options;
use super::status::ArrStatus;
use super::strings::{optional_str_arg, str_arg};
use arr_session::{validate_conversion_id, Client};

/// # Safety
/// `ptr` must be NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn conversion_id_arg(ptr: *const c_char) -> Result<String, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let id = unsafe { str_arg(ptr, "conversion_id") }?;
    validate_conversion_id(id).map_err(|e| FfiError::from(e).renaming_argument("conversionId", "conversion_id"))?;
    Ok(id.to_owned())
}

/// # Safety
/// Both strings must be NULL or NUL-terminated and valid for the call.
unsafe fn create_work(
    client: &Client,
    conversion_id: *const c_char,
    settings_json: *const c_char,
) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let (id, settings) = unsafe {
        (
            conversion_id_arg(conversion_id)?,
            str_arg(settings_json, "settings_json")?,
        )
    };
    let settings = options::conversion_settings(settings)?;
    let client = client.clone();
    Ok(Box::pin(async move {
        Answer::of(client.create_conversion(&id, &settings).await?)
    }))
}

/// # Safety
/// `conversion_id` must be NULL or a NUL-terminated string valid for the call.
unsafe fn get_work(client: &Client, conversion_id: *const c_char) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let id = unsafe { conversion_id_arg(conversion_id) }?;
    let client = client.clone();
    Ok(Box::pin(async move { Answer::of(client.get_conversion(&id).await?) }))
}

fn list_work(client: &Client) -> Work {
    let client = client.clone();
    Box::pin(async move { Answer::of(client.list_conversions().await?) })
}

/// # Safety
/// The strings must be NULL or NUL-terminated and valid for the call.
unsafe fn wait_work(
    client: &Client,
    conversion_id: *const c_char,
    wait_options_json: *const c_char,
) -> Result<Work, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (the exported function's contract).
    let (id, options) = unsafe {
        (
            conversion_id_arg(conversion_id)?,
            optional_str_arg(wait_options_json, "wait_options_json")?,
        )
    };
    let options = options::wait_options(options)?;
    let client = client.clone();
    Ok(Box::pin(async move {
        Answer::of(client.wait_for_conversion(&id, &options).await?)
    }))
}

/// Starts converting a model into an `.arrAsset` (api-version 2021-01-01). `settings_json` is the REST
/// `conversion_settings`: `{"inputLocation": {"storageContainerUri": "https://acct.blob.core.windows.net/in",
/// "storageContainerReadListSas"?: "?sv=...", "blobPrefix"?: "models/", "relativeInputAssetPath": "house.fbx"},
/// "outputLocation": {"storageContainerUri": "...", "storageContainerWriteSas"?: "?sv=...", "blobPrefix"?: "out/",
/// "outputAssetFilename"?: "house.arrAsset"}}` (no SAS when the storage account is linked to the ARR
/// account). On success `*out_conversion_json` is the conversion: `{"id","settings","status","error",
/// "output"?,"creationTime"}`, status NotStarted, settings as the service normalised them, never a SAS.
/// A create retried with the same id and settings finds the conversion instead of starting another.
///
/// Ownership: arguments borrowed for the call; `*out_conversion_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes, for the request (with retries); not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_create_conversion(
    client: *const ArrClient,
    conversion_id: *const c_char,
    settings_json: *const c_char,
    out_conversion_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_conversion_json, "out_conversion_json", |client| {
            create_work(client, conversion_id, settings_json)
        })
    })
}

/// `arr_client_create_conversion`, completing through `callback` with the conversion JSON.
/// `*out_operation_id` (if not NULL) receives an id for `arr_client_cancel`.
///
/// Ownership: arguments borrowed for the call; the JSON given to the callback is borrowed for its call.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// Pointers must be NULL or valid as described; `user_data` must be usable from library threads.
#[no_mangle]
pub unsafe extern "C" fn arr_client_create_conversion_async(
    client: *const ArrClient,
    conversion_id: *const c_char,
    settings_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            create_work(client, conversion_id, settings_json)
        })
    })
}

/// Gets a conversion's current state (the JSON of `arr_client_create_conversion`; `output.outputAssetUri`
/// once Succeeded, `error` once Failed).
///
/// Ownership: arguments borrowed; `*out_conversion_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_get_conversion(
    client: *const ArrClient,
    conversion_id: *const c_char,
    out_conversion_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_conversion_json, "out_conversion_json", |client| {
            get_work(client, conversion_id)
        })
    })
}

/// `arr_client_get_conversion`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_conversion_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_conversion_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_get_conversion_async(
    client: *const ArrClient,
    conversion_id: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            get_work(client, conversion_id)
        })
    })
}

/// Lists every conversion of the account (all states, every page) as a JSON array of conversions.
///
/// Ownership: `*out_conversions_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_list_conversions(
    client: *const ArrClient,
    out_conversions_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_conversions_json, "out_conversions_json", |client| {
            Ok(list_work(client))
        })
    })
}

/// `arr_client_list_conversions`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_conversion_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_conversion_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_list_conversions_async(
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

/// Waits until the conversion is Succeeded, Failed or Cancelled, polling it (every 10 s, or the
/// configured interval; Retry-After honoured), and returns it in that state: a failed conversion is
/// ARR_STATUS_OK with `"status": "Failed"` and its `error`. `wait_options_json` may be NULL or
/// `{"timeoutMs": 600000, "pollIntervalMs": 2000}`. Fails with ARR_STATUS_TIMEOUT or ARR_STATUS_CANCELLED
/// when the wait ends first; ending a wait never cancels the conversion.
///
/// Ownership: arguments borrowed; `*out_conversion_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes, possibly for minutes; not allowed inside a callback. Prefer the `_async` form on UI threads.
///
/// # Safety
/// Pointers must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_wait_for_conversion(
    client: *const ArrClient,
    conversion_id: *const c_char,
    wait_options_json: *const c_char,
    out_conversion_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_conversion_json, "out_conversion_json", |client| {
            wait_work(client, conversion_id, wait_options_json)
        })
    })
}

/// `arr_client_wait_for_conversion`, completing through `callback`.
///
/// Ownership: as for `arr_client_create_conversion_async`.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_create_conversion_async`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_wait_for_conversion_async(
    client: *const ArrClient,
    conversion_id: *const c_char,
    wait_options_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            wait_work(client, conversion_id, wait_options_json)
        })
    })
}
