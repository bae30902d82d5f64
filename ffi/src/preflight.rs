//! Conversions that fail early and explain themselves: settings files checked locally, the input linted
//! from storage before a conversion is created, the service's result files read back after it ends, and
//! container SAS tokens signed with the least permissions. The rules and their sources:
//! `docs/conversion-preflight.md`.

use std::ffi::{c_char, c_void, CStr};

use super::client::ArrClient;
use super::conversions::conversion_id_arg;
use super::error::{guard, FfiError};
use super::operation::{asynchronous, blocking, to_json, Answer, ArrCallback, Work};
use super::options;
use super::status::ArrStatus;
use super::strings::{into_c_string, optional_str_arg, require_out, str_arg, write_out};
use arr_session::{check_settings, Client, ContainerSas, Secret};

/// A settings file may be larger than other inputs (a material-override file lists up to 65,535 entries).
const MAX_SETTINGS_BYTES: usize = 64 << 20;

/// Checks one conversion settings file against the service's published rules, locally (nothing is
/// sent). `file_name` decides the kind (`<model>.ConversionSettings.json`, the deprecated
/// `conversionSettings.json`, or `<model>.MaterialOverrides.json`; another name is judged by the content)
/// and names the file in the findings; `text` is its content; `input_asset` (may be NULL) is the model's
/// name, for the point-cloud rules. On success `*out_findings_json` is an array of findings, empty when
/// the file is fine: `[{"severity":"error"|"warning"|"info","rule":"enum","file":"box.ConversionSettings.json",
/// "path":"/axis/0","message":"..."}]`. A file with problems is still ARR_STATUS_OK: the findings say what.
///
/// Ownership: arguments borrowed for the call; `*out_findings_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread.
/// Blocking: no (no I/O).
///
/// # Safety
/// Pointers must be NULL (where allowed) or valid NUL-terminated UTF-8; `out_findings_json` writable.
#[no_mangle]
pub unsafe extern "C" fn arr_conversion_check_settings(
    file_name: *const c_char,
    text: *const c_char,
    input_asset: *const c_char,
    out_findings_json: *mut *mut c_char,
) -> ArrStatus {
    guard(|| {
        require_out(out_findings_json, "out_findings_json")?;
        // SAFETY: each string is NULL or NUL-terminated and valid for the call (this function's contract).
        let (file_name, text, input_asset) = unsafe {
            (
                str_arg(file_name, "file_name")?,
                settings_text(text)?,
                optional_str_arg(input_asset, "input_asset")?,
            )
        };
        let findings = to_json(check_settings(file_name, text, input_asset))?;
        // SAFETY: writable (this function's contract) and not NULL (checked above).
        unsafe { write_out(out_findings_json, into_c_string(findings)) };
        Ok(())
    })
}

/// The settings text: like `str_arg`, with a larger limit.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string valid for the call.
unsafe fn settings_text<'a>(ptr: *const c_char) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null_argument("text"));
    }
    // SAFETY: not NULL, and NUL-terminated and valid for the call (this function's contract).
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    if bytes.len() > MAX_SETTINGS_BYTES {
        return Err(FfiError::invalid(
            "text",
            format_args!("longer than {MAX_SETTINGS_BYTES} bytes"),
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| FfiError::invalid("text", format_args!("not valid UTF-8 ({e})")))
}

/// # Safety
/// The strings must be NULL or NUL-terminated and valid for the call.
unsafe fn lint_work(
    client: &Client,
    settings_json: *const c_char,
    options_json: *const c_char,
) -> Result<Work, FfiError> {
    // SAFETY: NULL or NUL-terminated strings, valid for the call (the exported function's contract).
    let (settings, options) = unsafe {
        (
            str_arg(settings_json, "settings_json")?,
            optional_str_arg(options_json, "options_json")?,
        )
    };
    let settings = options::conversion_settings(settings)?;
    let options = options::lint_options(options)?;
    let client = client.clone();
    Ok(Box::pin(async move {
        Answer::json(client.lint_conversion_input(&settings, &options).await?)
    }))
}

/// Checks a conversion's input before creating it: its SAS tokens (permissions, expiry), then, listing
/// the input container under the prefix (with the input SAS, or a one-hour read+list SAS signed from
/// `"storageAccountKey"`), the model (exists, supported format), its settings files, the files it refers
/// to (glTF buffers and images, FBX textures: absolute, outside the prefix, missing), names the service
/// mishandles (`&`, Windows path limits) and what the service will download. Nothing is sent to the ARR
/// service. `settings_json` is the create call's (`{"inputLocation": {...}, "outputLocation": {...}}`, SAS
/// included); `options_json` may be NULL or `{"storageAccountKey"?: "...", "storageAccountName"?: "...",
/// "scanBytes"?: 16777216}`. On success `*out_lint_json` is `{"findings": [...], "inputBlob": "models/box.fbx",
/// "inputSize": 1234|null, "listed": true, "blobCount": 3, "totalBytes": 5678, "settingsFiles": [...]}`,
/// errors first; problems are findings, not a failing status.
///
/// Ownership: arguments borrowed for the call; `*out_lint_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes, for the storage requests; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL (where allowed) or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_lint_conversion_input(
    client: *const ArrClient,
    settings_json: *const c_char,
    options_json: *const c_char,
    out_lint_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_lint_json, "out_lint_json", |client| {
            lint_work(client, settings_json, options_json)
        })
    })
}

/// `arr_client_lint_conversion_input`, completing through `callback` with the lint JSON.
/// `*out_operation_id` (if not NULL) receives an id for `arr_client_cancel`.
///
/// Ownership: arguments borrowed for the call; the JSON given to the callback is borrowed for its call.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// Pointers must be NULL (where allowed) or valid as described; `user_data` must be usable from library threads.
#[no_mangle]
pub unsafe extern "C" fn arr_client_lint_conversion_input_async(
    client: *const ArrClient,
    settings_json: *const c_char,
    options_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            lint_work(client, settings_json, options_json)
        })
    })
}

/// # Safety
/// The strings must be NULL or NUL-terminated and valid for the call.
unsafe fn results_work(
    client: &Client,
    conversion_id: *const c_char,
    options_json: *const c_char,
) -> Result<Work, FfiError> {
    // SAFETY: NULL or NUL-terminated strings, valid for the call (the exported function's contract).
    let (id, options) = unsafe {
        (
            conversion_id_arg(conversion_id)?,
            optional_str_arg(options_json, "options_json")?,
        )
    };
    let options = options::results_options(options)?;
    let client = client.clone();
    Ok(Box::pin(async move {
        Answer::of(client.get_conversion_with_results(&id, &options).await?)
    }))
}

/// The conversion as `arr_client_get_conversion` returns it, and, once it has ended (Succeeded, Failed
/// or Cancelled), what the service wrote about it in the output container: `"results": {"resultFile":
/// "out/box.result.json"|null, "outcome": "succeeded"|"failed"|"succeeded with warnings"|null, "messages":
/// [{"kind": "error"|"warning"|"internal error"|"internal warning", "code": "...", "title": "...",
/// "details"?: {...}}], "internalConversionId"?: "...", "infoFile": ...|null, "info": {...}|null (the info
/// file as written: inputStatistics, outputStatistics, ...), "lookedFor": [...]}`. `options_json` (may be
/// NULL) is `{"outputSas"?: "?sv=...", "storageAccountKey"?: "...", "storageAccountName"?: "..."}`: the
/// output SAS needs read (`r`); without either the call fails with ARR_STATUS_INVALID_ARGUMENT naming
/// `outputSas`. A result file the service did not write is not an error (`"resultFile": null`).
///
/// Ownership: arguments borrowed for the call; `*out_conversion_json` owned by the caller (`arr_string_free`).
/// Thread-safety: any thread; the client may be shared.
/// Blocking: yes, for the requests; not allowed inside a callback.
///
/// # Safety
/// Pointers must be NULL (where allowed) or valid as described.
#[no_mangle]
pub unsafe extern "C" fn arr_client_get_conversion_results(
    client: *const ArrClient,
    conversion_id: *const c_char,
    options_json: *const c_char,
    out_conversion_json: *mut *mut c_char,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        blocking(client, out_conversion_json, "out_conversion_json", |client| {
            results_work(client, conversion_id, options_json)
        })
    })
}

/// `arr_client_get_conversion_results`, completing through `callback` with the conversion JSON.
/// `*out_operation_id` (if not NULL) receives an id for `arr_client_cancel`.
///
/// Ownership: arguments borrowed for the call; the JSON given to the callback is borrowed for its call.
/// Thread-safety: any thread; the callback runs once on a library thread.
/// Blocking: no.
///
/// # Safety
/// Pointers must be NULL (where allowed) or valid as described; `user_data` must be usable from library threads.
#[no_mangle]
pub unsafe extern "C" fn arr_client_get_conversion_results_async(
    client: *const ArrClient,
    conversion_id: *const c_char,
    options_json: *const c_char,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        asynchronous(client, callback, user_data, out_operation_id, |client| {
            results_work(client, conversion_id, options_json)
        })
    })
}

/// Signs a container SAS from a storage account key, with the least permissions a conversion needs:
/// `{"purpose": "input"}` gives read+list (`sp=rl`), `{"purpose": "output"}` write+read (`sp=rw`: write
/// for the service, read to read the result files back). Options: `"permissions"?: "r"` (letters of
/// `racwdl`) instead, `"validForSeconds"?: 86400` (the default, a day; at most 365 days), `"accountName"?`
/// when `container_uri` does not show the account (path-style URLs like Azurite's name it first). On
/// success `*out_sas` is the query string with its leading `?` (`?sv=...&sr=c&...&sig=...`), the form the
/// conversion settings take. The key and the token are never logged or put in an error.
///
/// Ownership: arguments borrowed for the call; `*out_sas` owned by the caller (`arr_string_free`); treat it
/// like a password.
/// Thread-safety: any thread.
/// Blocking: no (no I/O).
///
/// # Safety
/// Pointers must be valid NUL-terminated UTF-8; `out_sas` writable.
#[no_mangle]
pub unsafe extern "C" fn arr_storage_sign_container_sas(
    container_uri: *const c_char,
    account_key: *const c_char,
    options_json: *const c_char,
    out_sas: *mut *mut c_char,
) -> ArrStatus {
    guard(|| {
        require_out(out_sas, "out_sas")?;
        // SAFETY: NULL or NUL-terminated strings, valid for the call (this function's contract).
        let (uri, key, options) = unsafe {
            (
                str_arg(container_uri, "container_uri")?,
                str_arg(account_key, "account_key")?,
                str_arg(options_json, "options_json")?,
            )
        };
        let key = Secret::new(key);
        let sas = ContainerSas::from_json(uri, options)
            .map_err(|e| FfiError::from(e).renaming_argument("sasOptions", "options_json"))?;
        let token = sas
            .sign(&key)
            .map_err(|e| FfiError::from(e).renaming_argument("storageAccountKey", "account_key"))?;
        // SAFETY: writable (this function's contract) and not NULL (checked above).
        unsafe { write_out(out_sas, into_c_string(token.expose().to_owned())) };
        Ok(())
    })
}
