//! Arguments every operation on sessions checks the same way, in the initiating call: a bad one is
//! returned as a status at once, naming the argument, and no callback follows.

use std::ffi::c_char;

use super::error::FfiError;
use super::strings::str_arg;
use arr_session::{validate_lease, validate_session_id};

/// # Safety
/// `ptr` must be NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn session_id_arg(ptr: *const c_char) -> Result<String, FfiError> {
    // SAFETY: NULL or a NUL-terminated string, valid for the call (this function's contract).
    let id = unsafe { str_arg(ptr, "session_id") }?;
    validate_session_id(id)?;
    Ok(id.to_owned())
}

pub(crate) fn lease_arg(minutes: u32) -> Result<u32, FfiError> {
    validate_lease(minutes)?;
    Ok(minutes)
}
