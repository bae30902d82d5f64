//! How the exported operations run: each is built once as a `Work` from checked arguments, then run
//! blocking (`run_blocking`) or with a callback (`run_async`).
//!
//! Arguments are checked in the initiating call: a bad argument is returned as a status at once (and no
//! callback follows). Only what happens after that (network, service) reaches the callback.

use std::ffi::{c_char, c_void, CString};
use std::future::Future;

use serde_json::json;

use super::client::ArrClient;
use super::delivery;
use super::error::FfiError;
use super::host_ptr::HostPtr;
use super::runtime;
use super::status::ArrStatus;
use super::strings::{into_c_string, str_arg, write_out};
use arr_session::{validate_lease, validate_session_id};

/// Receives the outcome of an `_async` call, exactly once: `status` is `ARR_STATUS_OK` and `json` the
/// result (a session object, an array, or `null` for stop), or another status and `json` the error object
/// (the same JSON `arr_last_error` gives). `json` is borrowed for the duration of the call.
pub type ArrCallback = Option<unsafe extern "C" fn(user_data: *mut c_void, status: ArrStatus, json: *const c_char)>;

pub(crate) type Work = std::pin::Pin<Box<dyn Future<Output = Result<String, FfiError>> + Send>>;

pub(crate) fn to_json(value: impl serde::Serialize) -> Result<String, FfiError> {
    serde_json::to_string(&value)
        .map_err(|e| FfiError::new(ArrStatus::Decode, format!("cannot encode the result: {e}")))
}

/// An `ArrCallback` with its `user_data`, called from library threads.
#[derive(Clone, Copy)]
pub(crate) struct HostCallback {
    callback: CallbackFn,
    user_data: HostPtr<c_void>,
}

type CallbackFn = unsafe extern "C" fn(*mut c_void, ArrStatus, *const c_char);

impl HostCallback {
    pub fn new(callback: ArrCallback, user_data: *mut c_void) -> Result<HostCallback, FfiError> {
        let callback = callback.ok_or_else(|| FfiError::null_argument("callback"))?;
        Ok(HostCallback {
            callback,
            user_data: HostPtr::new(user_data),
        })
    }

    /// Calls the host with a status and JSON (borrowed for the call).
    pub fn call(self, status: ArrStatus, json: String) {
        let json = CString::new(json.replace('\0', "\u{FFFD}")).unwrap_or_default();
        // SAFETY: the host gave us this function and promised user_data is usable from library threads.
        unsafe { (self.callback)(self.user_data.get(), status, json.as_ptr()) };
    }

    /// Calls the host with an operation's outcome: OK and the result, or the status and error object.
    pub fn outcome(self, outcome: Result<String, FfiError>) {
        match outcome {
            Ok(json) => self.call(ArrStatus::Ok, json),
            Err(error) => self.call(error.status, error.to_json()),
        }
    }
}

/// Runs `work` on the calling thread's behalf and writes its JSON to `out`.
pub(crate) fn run_blocking(client: &ArrClient, work: Work, out: *mut *mut c_char) -> Result<(), FfiError> {
    let json = runtime::block_on(&client.owner, work)?;
    // SAFETY: `out` was checked by the caller with `require_out`.
    unsafe { write_out(out, into_c_string(json)) };
    Ok(())
}

/// Starts `work` and arranges for `callback` to receive its outcome.
pub(crate) fn run_async(
    client: &ArrClient,
    work: Work,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> Result<(), FfiError> {
    let callback = HostCallback::new(callback, user_data)?;
    delivery::spawn(
        &client.owner,
        |_| work,
        move |outcome| callback.outcome(outcome),
        // Written before the work can run: the callback may free the memory that holds it.
        // SAFETY: NULL is allowed (the id is not wanted); otherwise the host gave a writable pointer.
        |id| unsafe { write_out(out_operation_id, id) },
    )?;
    Ok(())
}

pub(crate) unsafe fn session_id_arg(ptr: *const c_char) -> Result<String, FfiError> {
    let id = str_arg(ptr, "session_id")?;
    validate_session_id(id)?;
    Ok(id.to_owned())
}

pub(crate) fn lease_arg(minutes: u32) -> Result<u32, FfiError> {
    validate_lease(minutes)?;
    Ok(minutes)
}

/// One entry of a per-session result array: `{"id", "status", "session"?}` or `{"id", "status", "error"}`.
pub(crate) fn outcome_item(id: &str, outcome: arr_session::Result<Option<serde_json::Value>>) -> serde_json::Value {
    match outcome {
        Ok(Some(session)) => json!({ "id": id, "status": ArrStatus::Ok.name(), "session": session }),
        Ok(None) => json!({ "id": id, "status": ArrStatus::Ok.name() }),
        Err(error) => {
            let error = FfiError::from(error);
            json!({ "id": id, "status": error.status.name(), "error": error.to_value() })
        }
    }
}
