//! Failures on the C side of the boundary, the per-thread last error, and the panic boundary.

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::{json, Value};

use super::status::ArrStatus;
use super::strings::into_c_string;

/// A failed call: its status, a message, and the library error it came from (for service details).
#[derive(Debug)]
pub(crate) struct FfiError {
    pub status: ArrStatus,
    message: String,
    /// The parameter or JSON key at fault, for argument errors.
    argument: Option<String>,
    source: Option<arr_session::Error>,
}

impl FfiError {
    pub fn new(status: ArrStatus, message: impl Into<String>) -> FfiError {
        FfiError {
            status,
            message: message.into(),
            argument: None,
            source: None,
        }
    }

    pub fn null_argument(name: &str) -> FfiError {
        FfiError::new(ArrStatus::NullArgument, format!("{name}: must not be NULL")).with_argument(name)
    }

    pub fn invalid(name: &str, problem: impl std::fmt::Display) -> FfiError {
        FfiError::new(ArrStatus::InvalidArgument, format!("{name}: {problem}")).with_argument(name)
    }

    fn with_argument(mut self, name: &str) -> FfiError {
        self.argument = Some(name.to_owned());
        self
    }

    /// The same error naming the C parameter `to` where the core named its JSON form `from` (the core
    /// says `options`; the C caller passed `options_json`).
    pub fn renaming_argument(mut self, from: &str, to: &str) -> FfiError {
        if self.argument.as_deref() == Some(from) {
            self.argument = Some(to.to_owned());
            if let Some(rest) = self.message.strip_prefix(from) {
                self.message = format!("{to}{rest}");
            }
        }
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn cancelled() -> FfiError {
        FfiError::new(ArrStatus::Cancelled, "the operation was cancelled")
    }

    /// The error as the JSON object the contract promises, the core's error object (see
    /// `arr_session::Error`'s `Serialize`):
    /// `{"status","httpStatus","code","message","argument","msCv","retryAfterSeconds","details"[,"target","innerError","session"]}`.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    pub fn to_value(&self) -> Value {
        let mut object = match &self.source {
            Some(error) => serde_json::to_value(error).unwrap_or_else(|_| json!({})),
            // A failure of the C side itself (NULL argument, shutdown, ...): the same keys, nothing from a service.
            None => json!({ "httpStatus": null, "code": null, "msCv": null, "retryAfterSeconds": null, "details": [] }),
        };
        // The C side may have named the argument by its C name, and has statuses of its own.
        object["status"] = json!(self.status.name());
        object["message"] = json!(self.message);
        object["argument"] = json!(self.argument);
        object
    }
}

impl From<arr_session::Error> for FfiError {
    fn from(error: arr_session::Error) -> FfiError {
        FfiError {
            status: error.kind().into(),
            message: error.message().to_owned(),
            argument: error.argument().map(str::to_owned),
            source: Some(error),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn set_last_error(json: Option<String>) {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = json);
}

/// Runs the body of an exported function: clears the last error, catches panics, and turns a failure
/// into its status plus the thread's last error.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), FfiError>) -> ArrStatus {
    let _inside = super::panic_hook::enter();
    set_last_error(None);
    super::last_response::set(None);
    let error = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return ArrStatus::Ok,
        Ok(Err(error)) => error,
        Err(payload) => panic_error(payload),
    };
    set_last_error(Some(error.to_json()));
    error.status
}

/// Like [`guard`] for functions without a status: clears the last error, and a panic is swallowed (and
/// logged by the hook).
pub(crate) fn guard_void(body: impl FnOnce()) {
    let _inside = super::panic_hook::enter();
    set_last_error(None);
    super::last_response::set(None);
    let _ = catch_unwind(AssertUnwindSafe(body));
}

pub(crate) fn panic_error(payload: Box<dyn std::any::Any + Send>) -> FfiError {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    FfiError::new(ArrStatus::Panic, format!("internal error (panic): {what}"))
}

/// Details of the last failed `arr_` call on this thread, as JSON, e.g.
/// `{"status":"ARR_STATUS_NOT_FOUND","httpStatus":404,"code":null,"message":"...","msCv":"...","retryAfterSeconds":null,"details":[]}`.
/// Returns NULL if the last call on this thread succeeded (every call but `arr_string_free`,
/// `arr_last_response` and this one clears it on entry).
///
/// Ownership: the caller owns the returned string and frees it with `arr_string_free`.
/// Thread-safety: per thread; any thread may call it.
/// Blocking: no.
#[no_mangle]
pub extern "C" fn arr_last_error() -> *mut c_char {
    catch_unwind(|| LAST_ERROR.with(|slot| slot.borrow().clone()))
        .ok()
        .flatten()
        .map_or(std::ptr::null_mut(), into_c_string)
}
