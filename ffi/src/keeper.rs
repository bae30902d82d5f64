//! The lease keeper through the C ABI, for one session or many: events as JSON through a callback, in
//! order, then one last call.

use std::ffi::{c_char, c_void};

use super::arguments::session_id_arg;
use super::client::{client_arg, ArrClient};
use super::error::{guard, FfiError};
use super::operation::{to_json, ArrCallback, HostCallback};
use super::options;
use super::status::ArrStatus;
use super::strings::{optional_str_arg, str_arg, write_out};
use crate::engine::delivery::{self, Events};
use crate::engine::registry::{self, Kind};
use arr_session::{KeepEventKind, KeepOptions, SessionKeeper};

/// Keeps a session alive: renews its lease (absolute totals computed from the service's own
/// `elapsedTimeMinutes`/`maxLeaseTimeMinutes`, so two keepers or a restart never add twice), never beyond
/// a cap, and warns before an end that will not be renewed. `options_json` may be NULL (defaults) or
/// `{"extendByMinutes": 30, "renewBelowMinutes": 10, "maxTotalMinutes": 1440, "pollIntervalMs": 60000,
/// "warnAtMinutes": [10, 2]}`.
///
/// A stream: `event_callback` receives each event with ARR_STATUS_OK, in order and one at a time, then
/// exactly one last call, which is the first call with any other status:
/// - events, `{"sessionId", "kind", ...}`: `{"kind":"extended","from":60,"to":90}`,
///   `{"kind":"expiringSoon","remaining":9}`, `{"kind":"capReached","lease":240}`,
///   `{"kind":"ended","status":"Error","sessionError":{"code":"...","message":"..."}}` (the session's own
///   error, null unless it ended in Error), and with `"error"` the error object of `arr_last_error`
///   (status, httpStatus, code, message, msCv, retryAfterSeconds): `{"kind":"throttled","error":{...}}`
///   and `{"kind":"retrying","error":{...}}` (the keeper carries on), `{"kind":"failed","error":{...}}`
///   (it cannot keep the session: unknown session, refused credentials);
/// - the last call: ARR_STATUS_SESSION_ENDED with `null` once the session ended, as its event said;
///   after a `failed` event, that failure's status with the same error object (e.g.
///   ARR_STATUS_NOT_FOUND); ARR_STATUS_CANCELLED with the error object after
///   `arr_client_cancel(client, *out_operation_id)`, `arr_client_close`, `arr_client_free` or
///   `arr_shutdown` (the lease stays as it is); or another status with the error object. Nothing follows.
///
/// Cancel, close, free and shutdown may be called from anywhere, this callback included: called from
/// inside an event, they end the keeper there (no further event), and the last call comes right after
/// that event's callback returns.
///
/// Ownership: arguments borrowed for the call; the JSON given to the callback is borrowed for its call.
/// Thread-safety: any thread; the callback runs on a library thread, never two at once for one keeper.
/// Blocking: no.
///
/// # Safety
/// Pointers must be NULL or valid as described; `user_data` must be usable from library threads until the
/// last call has returned.
#[no_mangle]
pub unsafe extern "C" fn arr_client_keep_session(
    client: *const ArrClient,
    session_id: *const c_char,
    options_json: *const c_char,
    event_callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        keep(
            client,
            event_callback,
            user_data,
            options_json,
            out_operation_id,
            End::WithTheFailure,
            |client, options| Ok(client.keep_session(&session_id_arg(session_id)?, options)?),
        )
    })
}

/// Keeps many sessions alive with one list request per poll (plus a GET for a session the list no longer
/// shows, to learn how it ended). `session_ids_json`: `["a", "b"]`. As `arr_client_keep_session`
/// otherwise: the events name their session (`sessionId`), a session that cannot be kept is only its
/// `failed` event, and the last call, ARR_STATUS_SESSION_ENDED, comes once every one of them has ended or
/// failed.
///
/// Ownership: arguments borrowed for the call; the JSON given to the callback is borrowed for its call.
/// Thread-safety: any thread; the callback runs on a library thread, never two at once for one keeper.
/// Blocking: no.
///
/// # Safety
/// As for `arr_client_keep_session`.
#[no_mangle]
pub unsafe extern "C" fn arr_client_keep_sessions(
    client: *const ArrClient,
    session_ids_json: *const c_char,
    options_json: *const c_char,
    event_callback: ArrCallback,
    user_data: *mut c_void,
    out_operation_id: *mut u64,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        keep(
            client,
            event_callback,
            user_data,
            options_json,
            out_operation_id,
            End::SessionEnded,
            |client, options| {
                let ids = options::session_ids(str_arg(session_ids_json, "session_ids_json")?)?;
                Ok(client.keep_sessions(&ids, options)?)
            },
        )
    })
}

/// How a keeper's stream ends once it has no session left to keep.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// ARR_STATUS_SESSION_ENDED, whatever each session's events said (a keeper of many).
    SessionEnded,
    /// The failure of a `failed` event, if there was one (a keeper of one session: the session could
    /// not be kept, which is that call's outcome).
    WithTheFailure,
}

/// Starts a keeper made by `start` and streams its events to the host.
///
/// # Safety
/// As for `arr_client_keep_session`.
unsafe fn keep(
    client: *const ArrClient,
    event_callback: ArrCallback,
    user_data: *mut c_void,
    options_json: *const c_char,
    out_operation_id: *mut u64,
    end: End,
    start: impl FnOnce(&arr_session::Client, KeepOptions) -> Result<SessionKeeper, FfiError>,
) -> Result<(), FfiError> {
    // SAFETY: NULL or valid pointers (this function's contract).
    let (handle, options) = unsafe { (client_arg(client)?, optional_str_arg(options_json, "options_json")?) };
    let callback =
        HostCallback::new(event_callback, user_data).map_err(|_| FfiError::null_argument("event_callback"))?;
    let options = super::options::keep_options(options)?;
    // Started here, on the client's runtime (the keeper is a task of its own), so that a bad id or bad
    // options fail this call rather than reach the callback.
    let mut keeper = {
        let runtime = registry::lock().admit(&handle.owner, Kind::Call)?;
        let _entered = runtime.enter();
        start(&handle.client, options)?
    };
    let work = move |events: Events| async move {
        let mut failure = None;
        while let Some(event) = keeper.next_event().await {
            let json = to_json(&event)?;
            if let KeepEventKind::Failed { error } = event.kind {
                failure = Some(error);
            }
            events.call(move || callback.call(ArrStatus::Ok, json)).await;
        }
        match failure.filter(|_| end == End::WithTheFailure) {
            Some(error) => Err(error.into()),
            None => Ok("null".to_owned()),
        }
    };
    delivery::spawn(
        &handle.owner,
        work,
        // The stream's end is its one call with a status other than OK.
        move |outcome| match outcome {
            Ok(json) => callback.call(ArrStatus::SessionEnded, json),
            Err(error) => callback.fail(error),
        },
        // SAFETY: NULL is allowed; otherwise it is writable (this function's contract).
        |op| unsafe { write_out(out_operation_id, op) },
    )?;
    Ok(())
}
