//! The C ABI case: the exported `arr_*` functions of the built `libarr_session.so`, loaded with dlopen
//! and called through their C signatures, exactly as a C host (or Python's ctypes) would.
//!
//! This module is the harness's only `unsafe` code.

use std::ffi::{c_char, CStr, CString};
use std::path::Path;

use libloading::{Library, Symbol};

type ArrStatus = u32;
type ArrClient = std::ffi::c_void;
const ARR_STATUS_OK: ArrStatus = 0;

/// The functions the case calls, resolved once.
struct Functions {
    client_new: unsafe extern "C" fn(*const c_char, *mut *mut ArrClient) -> ArrStatus,
    client_free: unsafe extern "C" fn(*mut ArrClient),
    get_session: unsafe extern "C" fn(*const ArrClient, *const c_char, *mut *mut c_char) -> ArrStatus,
    last_error: unsafe extern "C" fn() -> *mut c_char,
    string_free: unsafe extern "C" fn(*mut c_char),
}

/// An `arr_client *` of the loaded library, freed on drop. Call it from a plain thread: the blocking
/// functions run on the library's own runtime and must not be called from inside another runtime's worker.
pub struct AbiClient {
    raw: *mut ArrClient,
    functions: Functions,
    // Kept loaded while the client lives (the function pointers point into it).
    _library: Library,
}

fn symbol<T: Copy>(library: &Library, name: &[u8]) -> Result<T, String> {
    // SAFETY: each name is looked up with the signature the header declares for it.
    let found: Symbol<T> =
        unsafe { library.get(name) }.map_err(|e| format!("{}: {e}", String::from_utf8_lossy(name)))?;
    Ok(*found)
}

impl AbiClient {
    pub fn new(library_path: &Path, config_json: &str) -> Result<AbiClient, String> {
        // SAFETY: loading our own library runs no initialisers beyond Rust's.
        let library = unsafe { Library::new(library_path) }.map_err(|e| format!("{}: {e}", library_path.display()))?;
        let functions = Functions {
            client_new: symbol(&library, b"arr_client_new\0")?,
            client_free: symbol(&library, b"arr_client_free\0")?,
            get_session: symbol(&library, b"arr_client_get_session\0")?,
            last_error: symbol(&library, b"arr_last_error\0")?,
            string_free: symbol(&library, b"arr_string_free\0")?,
        };
        let config = CString::new(config_json).map_err(|e| e.to_string())?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: a NUL-terminated config and a writable out-pointer, as the header asks.
        let status = unsafe { (functions.client_new)(config.as_ptr(), &mut raw) };
        if status != ARR_STATUS_OK {
            return Err(last_error(&functions, "arr_client_new", status));
        }
        Ok(AbiClient {
            raw,
            functions,
            _library: library,
        })
    }

    /// `arr_client_get_session`; the session JSON is freed at once (its length is returned).
    pub fn get_session(&self, session_id: &CStr) -> Result<usize, String> {
        let mut json: *mut c_char = std::ptr::null_mut();
        // SAFETY: a live client, a NUL-terminated id and a writable out-pointer.
        let status = unsafe { (self.functions.get_session)(self.raw, session_id.as_ptr(), &mut json) };
        if status != ARR_STATUS_OK {
            return Err(last_error(&self.functions, "arr_client_get_session", status));
        }
        // SAFETY: on success the library wrote an owned NUL-terminated string; it is freed exactly once.
        let len = unsafe { CStr::from_ptr(json) }.to_bytes().len();
        unsafe { (self.functions.string_free)(json) };
        Ok(len)
    }
}

impl Drop for AbiClient {
    fn drop(&mut self) {
        // SAFETY: the client came from arr_client_new and is freed once.
        unsafe { (self.functions.client_free)(self.raw) };
    }
}

fn last_error(functions: &Functions, function: &str, status: ArrStatus) -> String {
    // SAFETY: arr_last_error returns NULL or an owned string, freed here once.
    unsafe {
        let text = (functions.last_error)();
        let message = if text.is_null() {
            String::new()
        } else {
            let message = CStr::from_ptr(text).to_string_lossy().into_owned();
            (functions.string_free)(text);
            message
        };
        format!("{function} returned status {status}: {message}")
    }
}
