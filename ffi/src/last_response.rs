//! The per-thread "last response": the HTTP status and MS-CV of the service's answer to the call that
//! just succeeded on this thread (a blocking call, or, inside an async callback, that callback's
//! operation). A success carries them the way `arr_last_error` carries a failure's.

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::catch_unwind;

use serde_json::json;

use super::strings::into_c_string;

/// The service's answer behind a result: its HTTP status and MS-CV.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Meta {
    pub http_status: u16,
    pub ms_cv: Option<String>,
}

impl<T> From<&arr_session::Response<T>> for Meta {
    fn from(response: &arr_session::Response<T>) -> Meta {
        Meta {
            http_status: response.http_status(),
            ms_cv: response.ms_cv().map(str::to_owned),
        }
    }
}

thread_local! {
    static LAST_RESPONSE: RefCell<Option<Meta>> = const { RefCell::new(None) };
}

/// Records (or clears, with `None`) this thread's last response.
pub(crate) fn set(meta: Option<Meta>) {
    LAST_RESPONSE.with(|slot| *slot.borrow_mut() = meta);
}

/// The HTTP status and MS-CV of the service's answer to the last call that succeeded on this thread, as
/// JSON `{"httpStatus":201,"msCv":"k3F...A.0"}`: after a blocking call, on the thread that made it; inside
/// an async callback, of that callback's operation (call it there). NULL when that call's result came
/// from no single answer (a wait for many sessions, stopping owned sessions, a token) or failed (see
/// `arr_last_error`). A list that took several pages reports the answer with its last page. Every call but `arr_string_free`, `arr_last_error` and this one clears it on entry.
///
/// Ownership: the caller owns the returned string and frees it with `arr_string_free`.
/// Thread-safety: per thread; any thread may call it.
/// Blocking: no.
#[no_mangle]
pub extern "C" fn arr_last_response() -> *mut c_char {
    catch_unwind(|| {
        LAST_RESPONSE.with(|slot| {
            slot.borrow()
                .as_ref()
                .map(|meta| json!({ "httpStatus": meta.http_status, "msCv": meta.ms_cv }).to_string())
        })
    })
    .ok()
    .flatten()
    .map_or(std::ptr::null_mut(), into_c_string)
}
