//! The C ABI case: the exported `arr_*` functions called from Rust, exactly as a C host would.
//!
//! The functions are the exported ones (`arr_session::ffi`), called through their C signatures. This
//! module is the harness's only `unsafe` code.

use std::ffi::{c_char, CStr, CString};

use arr_session::ffi::{
    arr_client_free, arr_client_get_session, arr_client_new, arr_last_error, arr_string_free, ArrClient, ArrStatus,
};

/// An `arr_client *`, freed on drop. Call it from a plain thread: the blocking functions run on the
/// library's own runtime and must not be called from inside another runtime's worker.
pub struct AbiClient {
    raw: *mut ArrClient,
}

impl AbiClient {
    pub fn new(config_json: &str) -> Result<AbiClient, String> {
        let config = CString::new(config_json).map_err(|e| e.to_string())?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: a NUL-terminated config and a writable out-pointer, as the header asks.
        let status = unsafe { arr_client_new(config.as_ptr(), &mut raw) };
        if status != ArrStatus::Ok {
            return Err(last_error("arr_client_new", status));
        }
        Ok(AbiClient { raw })
    }

    /// `arr_client_get_session`; the session JSON is freed at once (its length is returned).
    pub fn get_session(&self, session_id: &CStr) -> Result<usize, String> {
        let mut json: *mut c_char = std::ptr::null_mut();
        // SAFETY: a live client, a NUL-terminated id and a writable out-pointer.
        let status = unsafe { arr_client_get_session(self.raw, session_id.as_ptr(), &mut json) };
        if status != ArrStatus::Ok {
            return Err(last_error("arr_client_get_session", status));
        }
        // SAFETY: on success the library wrote an owned NUL-terminated string; it is freed exactly once.
        let len = unsafe { CStr::from_ptr(json) }.to_bytes().len();
        unsafe { arr_string_free(json) };
        Ok(len)
    }
}

impl Drop for AbiClient {
    fn drop(&mut self) {
        // SAFETY: the client came from arr_client_new and is freed once.
        unsafe { arr_client_free(self.raw) };
    }
}

fn last_error(function: &str, status: ArrStatus) -> String {
    // SAFETY: arr_last_error returns NULL or an owned string, freed here once.
    unsafe {
        let text = arr_last_error();
        let message = if text.is_null() {
            String::new()
        } else {
            let message = CStr::from_ptr(text).to_string_lossy().into_owned();
            arr_string_free(text);
            message
        };
        format!("{function} returned {}: {message}", status.name())
    }
}
