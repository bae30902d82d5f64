//! The lease keeper through the C ABI: events as JSON through a callback, in order, until the session
//! ends or the operation is cancelled.

use std::ffi::{c_char, c_void};

use super::client::{client_arg, ArrClient};
use super::delivery::{self, Events};
use super::dispatch::{session_id_arg, to_json, ArrCallback, HostCallback};
use super::error::{guard, FfiError};
use super::status::ArrStatus;
use super::strings::{optional_str_arg, write_out};
use arr_session::KeepOptions;

/// Keeps a session alive: renews its lease (absolute totals computed from the service's own
/// `elapsedTimeMinutes`/`maxLeaseTimeMinutes`, so two keepers or a restart never add twice), never beyond
/// a cap, and warns before an end that will not be renewed. `options_json` may be NULL (defaults) or
/// `{"extendByMinutes": 30, "renewBelowMinutes": 10, "maxTotalMinutes": 1440, "pollIntervalMs": 60000,
/// "warnAtMinutes": [10, 2]}`.
///
/// `event_callback` receives, in order and one at a time, each event with ARR_STATUS_OK and a JSON object
/// `{"sessionId", "kind", ...}`: `{"kind":"extended","from":60,"to":90}`, `{"kind":"expiringSoon",
/// "remaining":9}`, `{"kind":"capReached","lease":240}`, `{"kind":"ended","status":"Expired","error":null}`,
/// `{"kind":"throttled","retryAfterSeconds":15}`, `{"kind":"retrying","message":"..."}`,
/// `{"kind":"failed","message":"...","errorKind":"not_found","httpStatus":404,"code":null}`. Then exactly
/// one last call ends the operation: ARR_STATUS_OK with
/// `null` when the session ended (or the keeper failed, after its event), ARR_STATUS_CANCELLED after
/// `arr_client_cancel(client, *out_operation_id)`, `arr_client_close`, `arr_client_free` or
/// `arr_shutdown` (the lease stays as it is), or another status with the error JSON. Nothing follows it.
/// Those may be called from anywhere, this callback included: called from inside an event, they end the
/// keeper there (no further event), and the last call comes right after that event's callback returns.
///
/// Ownership: arguments borrowed for the call; the JSON given to the callback is borrowed for its call.
/// Thread-safety: any thread; the callback runs on a library thread, never two at once for one keeper.
/// Blocking: no.
///
/// # Safety
/// Pointers must be NULL or valid as described; `user_data` must be usable from library threads.
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
        let handle = client_arg(client)?;
        let callback =
            HostCallback::new(event_callback, user_data).map_err(|_| FfiError::null_argument("event_callback"))?;
        let id = session_id_arg(session_id)?;
        let options = match optional_str_arg(options_json, "options_json")? {
            Some(text) => KeepOptions::from_json(text)
                .map_err(|e| FfiError::from(e).renaming_argument("keepOptions", "options_json"))?,
            None => KeepOptions::default(),
        };
        let client = handle.client.clone();
        let work = move |events: Events| async move {
            let mut keeper = client.keep_session(&id, options)?;
            while let Some(event) = keeper.next_event().await {
                let json = to_json(&event)?;
                events.call(move || callback.call(ArrStatus::Ok, json)).await;
            }
            Ok("null".to_owned())
        };
        delivery::spawn(
            &handle.owner,
            work,
            move |outcome| callback.outcome(outcome),
            // NULL is allowed; otherwise it is writable (this function's contract).
            |op| write_out(out_operation_id, op),
        )?;
        Ok(())
    })
}
