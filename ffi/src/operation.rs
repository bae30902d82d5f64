//! How an exported operation runs: built once as a `Work` from checked arguments (see `arguments`), then
//! run blocking ([`blocking`]) or with a callback ([`asynchronous`]); and how its outcome reaches the host
//! (`ArrCallback`, [`HostCallback`], [`Answer`]).
//!
//! Arguments are checked in the initiating call: a bad argument is returned as a status at once (and no
//! callback follows). Only what happens after that (network, service) reaches the callback.

use std::ffi::{c_char, c_void, CString};
use std::future::Future;

use serde_json::json;

use super::client::{client_arg, ArrClient};
use super::error::FfiError;
use super::host_ptr::HostPtr;
use super::last_response::{self, Meta};
use super::status::ArrStatus;
use super::strings::{into_c_string, require_out, write_out};
use crate::engine::delivery;
use crate::engine::runtime;
use arr_session::Client;

/// Receives the outcome of an `_async` call, exactly once: `status` is `ARR_STATUS_OK` and `json` the
/// result (a session object, an array, or `null` for stop), or another status and `json` the error object
/// (the same JSON `arr_last_error` gives). For a stream (`arr_client_keep_session`), each event comes with
/// `ARR_STATUS_OK`, and the first call with another status is the last. `json` is borrowed for the
/// duration of the call.
pub type ArrCallback = Option<unsafe extern "C" fn(user_data: *mut c_void, status: ArrStatus, json: *const c_char)>;

pub(crate) type Work = std::pin::Pin<Box<dyn Future<Output = Result<Answer, FfiError>> + Send>>;

/// What an operation answers: its JSON, and the service's answer behind it (for `arr_last_response`)
/// when there was one.
pub(crate) struct Answer {
    pub json: String,
    pub meta: Option<Meta>,
}

impl Answer {
    /// A service's answer: its value as JSON, with its HTTP status and MS-CV.
    pub fn of<T: serde::Serialize>(response: arr_session::Response<T>) -> Result<Answer, FfiError> {
        let meta = Meta::from(&response);
        Ok(Answer {
            json: to_json(response.value())?,
            meta: Some(meta),
        })
    }

    /// A result made of many answers, or of none: JSON only.
    pub fn json(value: impl serde::Serialize) -> Result<Answer, FfiError> {
        Ok(Answer {
            json: to_json(value)?,
            meta: None,
        })
    }
}

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

    /// Calls the host with an operation's outcome: OK and the result (its response meta in this thread's
    /// `arr_last_response` meanwhile), or the status and the error object.
    pub fn answer(self, outcome: Result<Answer, FfiError>) {
        match outcome {
            Ok(answer) => {
                last_response::set(answer.meta);
                self.call(ArrStatus::Ok, answer.json);
                last_response::set(None);
            }
            Err(error) => self.fail(error),
        }
    }

    /// Calls the host with a failure: its status and error object.
    pub fn fail(self, error: FfiError) {
        self.call(error.status, error.to_json());
    }
}

/// A blocking operation of an exported function: checks the client and the out-parameter `out` (named
/// `out_name` in errors), builds the work with `build` (which checks the other arguments), runs it, and
/// writes its JSON to `out`.
///
/// # Safety
/// `client` must be NULL or a live client, `out` NULL or writable.
pub(crate) unsafe fn blocking(
    client: *const ArrClient,
    out: *mut *mut c_char,
    out_name: &str,
    build: impl FnOnce(&Client) -> Result<Work, FfiError>,
) -> Result<(), FfiError> {
    // SAFETY: `client` is NULL or a live client (this function's contract).
    let client = unsafe { client_arg(client) }?;
    require_out(out, out_name)?;
    let answer = runtime::block_on(&client.owner, build(&client.client)?)?;
    last_response::set(answer.meta);
    // SAFETY: `out` is writable (this function's contract) and not NULL (checked above).
    unsafe { write_out(out, into_c_string(answer.json)) };
    Ok(())
}

/// The `_async` form of an operation: checks the client, builds the work with `build` (which checks the
/// other arguments), and starts it; `callback` receives its outcome exactly once.
///
/// # Safety
/// `client` must be NULL or a live client, `out_operation_id` NULL or writable, and `user_data` usable
/// from library threads until the callback has run.
pub(crate) unsafe fn asynchronous(
    client: *const ArrClient,
    callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
    build: impl FnOnce(&Client) -> Result<Work, FfiError>,
) -> Result<(), FfiError> {
    // SAFETY: `client` is NULL or a live client (this function's contract).
    let client = unsafe { client_arg(client) }?;
    let work = build(&client.client)?;
    let callback = HostCallback::new(callback, user_data)?;
    delivery::spawn(
        &client.owner,
        |_| work,
        move |outcome| callback.answer(outcome),
        // Written before the work can run: the callback may free the memory that holds it.
        // SAFETY: NULL is allowed (the id is not wanted); otherwise it is writable (this function's contract).
        |id| unsafe { write_out(out_operation_id, id) },
    )?;
    Ok(())
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
