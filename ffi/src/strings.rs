//! Strings across the boundary: borrowed UTF-8 in, caller-owned out, one function to free them.

use std::ffi::{c_char, CStr, CString};

use super::error::FfiError;

/// Inputs longer than this are refused rather than parsed (configs and options are a few hundred bytes).
pub(crate) const MAX_INPUT_BYTES: usize = 1 << 20;

/// Borrows a NUL-terminated UTF-8 argument for the duration of the call.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that stays valid during the call.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null_argument(name));
    }
    // SAFETY: not NULL, and NUL-terminated and valid for the call (this function's contract).
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(FfiError::invalid(
            name,
            format_args!("longer than {MAX_INPUT_BYTES} bytes"),
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| FfiError::invalid(name, format_args!("not valid UTF-8 ({e})")))
}

/// Like [`str_arg`], but NULL means "not given".
///
/// # Safety
/// As for [`str_arg`].
pub(crate) unsafe fn optional_str_arg<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: as this function's contract.
        unsafe { str_arg(ptr, name) }.map(Some)
    }
}

/// Hands a string to the caller, who frees it with `arr_string_free`. Interior NULs (which our JSON never
/// contains: serde escapes them) are replaced rather than truncating silently.
pub(crate) fn into_c_string(value: String) -> *mut c_char {
    let value = if value.contains('\0') {
        value.replace('\0', "\u{FFFD}")
    } else {
        value
    };
    CString::new(value).map_or(std::ptr::null_mut(), CString::into_raw)
}

/// Writes an out-parameter, after checking it was given.
///
/// # Safety
/// `out` must be NULL or valid for a write of `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: not NULL, and valid for a write of `T` (this function's contract).
        unsafe { out.write(value) };
    }
}

/// Checks an out-parameter before any work is done, so a NULL is reported before a request is sent.
pub(crate) fn require_out<T>(out: *mut T, name: &str) -> Result<(), FfiError> {
    if out.is_null() {
        Err(FfiError::null_argument(name))
    } else {
        Ok(())
    }
}

/// Frees a string returned by this library. `arr_string_free(NULL)` does nothing. Unlike every other
/// call, it leaves `arr_last_error()` as it is.
///
/// Ownership: takes back a string the library gave to the caller; do not use it afterwards, and never
/// pass a string from anywhere else.
/// Thread-safety: any thread.
/// Blocking: no.
///
/// # Safety
/// `s` must be NULL or a string returned by an `arr_` function and not freed before.
#[no_mangle]
pub unsafe extern "C" fn arr_string_free(s: *mut c_char) {
    // Not through guard_void: freeing a string (the last error's own, often) leaves the last error as it is.
    if !s.is_null() {
        // SAFETY: a string this library returned and that was not freed before (this function's contract).
        let _ = std::panic::catch_unwind(|| drop(unsafe { CString::from_raw(s) }));
    }
}
