//! The legacy v1 session API (`/v1/accounts/...`, no api-version, .NET TimeSpan leases, server-chosen
//! GUID session ids). It shares the session store with the current API.

use axum::http::{header, HeaderValue, StatusCode};
use serde_json::{json, Value};

use crate::respond::{canonical_size, empty, error_v1, json as json_resp, json_object, string_field, Resp};
use crate::session::{Status, View, MAX_LEASE_MINUTES};
use crate::shared::Shared;
use crate::store::{CreateOutcome, NewSession, UpdateError};
use crate::timefmt::{format_timespan, parse_timespan};

/// v1 `session_properties`: every field present, null where unknown (the v1 service emitted `message: null`).
/// `message` carries the failure message when the session is in `Error` (the v1 schema: "In case
/// 'sessionStatus' is in error state, this string carries an additional error message").
pub(crate) fn properties(view: &View) -> Value {
    let s = &view.session;
    let ready = view.status == Status::Ready;
    json!({
        "message": view.failure().map(|f| f.message.clone()),
        "sessionElapsedTime": format_timespan(view.elapsed_secs),
        "sessionHostname": if ready { json!(s.hostname) } else { Value::Null },
        "sessionId": s.id,
        "sessionMaxLeaseTime": format_timespan(u64::from(s.max_lease_minutes) * 60),
        "sessionSize": view.reported_size(),
        "sessionStatus": view.reported_status(),
        "teraflops": if view.was_ready() { json!(s.teraflops) } else { Value::Null },
        "handshakePort": if ready { json!(s.handshake_port) } else { Value::Null },
        "arrInspectorPort": if ready { json!(s.arr_inspector_port) } else { Value::Null },
    })
}

/// Parses `maxLeaseTime` into whole minutes within 0..=1440.
fn lease_minutes(body: &Value) -> Result<i64, String> {
    let text = string_field(body, "maxLeaseTime")?;
    let secs = parse_timespan(text).map_err(|e| format!("The maxLeaseTime value is invalid: {e}."))?;
    if secs < 0 {
        return Err("The maxLeaseTime value cannot be negative.".into());
    }
    let minutes = secs / 60;
    if minutes > MAX_LEASE_MINUTES {
        return Err("The maxLeaseTime value must be at most 1.00:00:00 (24 hours).".into());
    }
    Ok(minutes)
}

/// `POST .../sessions/create`: 202 with the new id and a relative `Location`.
pub(crate) fn create(shared: &Shared, account: &str, body: &[u8], startup_failure: Option<(String, String)>) -> Resp {
    let bad = |m: String| error_v1(StatusCode::BAD_REQUEST, &m);
    let body = match json_object(body, "size and maxLeaseTime") {
        Ok(b) => b,
        Err(m) => return bad(m),
    };
    let size_text = match string_field(&body, "size") {
        Ok(s) => s,
        Err(m) => return bad(m),
    };
    let minutes = match lease_minutes(&body) {
        Ok(m) => m,
        Err(m) => return bad(m),
    };
    let Some(size) = canonical_size(size_text) else {
        return bad(format!("Can't specify this VM size: {size_text}"));
    };
    let id = uuid::Uuid::new_v4().to_string();
    let new = NewSession {
        account_id: account,
        id: &id,
        size,
        max_lease_minutes: minutes as u32,
        startup_failure,
    };
    match shared.store.create(new) {
        CreateOutcome::Created(_) => {
            let mut resp = json_resp(StatusCode::ACCEPTED, &json!({ "sessionId": id }));
            if let Ok(loc) = HeaderValue::from_str(&format!("accounts/{account}/sessions/{id}")) {
                resp.headers_mut().insert(header::LOCATION, loc);
            }
            resp
        }
        // A fresh v4 UUID cannot collide in practice; answer like the service would on an id clash.
        CreateOutcome::Existing(_) | CreateOutcome::Conflict => {
            error_v1(StatusCode::CONFLICT, "A session with this id already exists.")
        }
    }
}

/// `GET .../sessions`: live sessions only, unpaged.
pub(crate) fn list(shared: &Shared, account: &str) -> Resp {
    let sessions: Vec<Value> = shared
        .store
        .list(Some(account))
        .iter()
        .filter(|v| v.status.is_active())
        .map(properties)
        .collect();
    json_resp(StatusCode::OK, &json!({ "sessions": sessions }))
}

pub(crate) fn get_properties(shared: &Shared, account: &str, id: &str) -> Resp {
    match shared.store.get(account, id) {
        Some(v) => json_resp(StatusCode::OK, &properties(&v)),
        None => empty(StatusCode::NOT_FOUND),
    }
}

/// `PATCH .../sessions/{id}`: absolute lease, must grow; success is 200 with an empty body.
pub(crate) fn update(shared: &Shared, account: &str, id: &str, body: &[u8]) -> Resp {
    if shared.store.get(account, id).is_none() {
        return empty(StatusCode::NOT_FOUND);
    }
    let bad = |m: String| error_v1(StatusCode::BAD_REQUEST, &m);
    let minutes = match json_object(body, "maxLeaseTime").and_then(|b| lease_minutes(&b)) {
        Ok(m) => m,
        Err(m) => return bad(m),
    };
    match shared.store.update_lease(account, id, minutes) {
        Ok(_) => empty(StatusCode::OK),
        Err(UpdateError::NotFound) => empty(StatusCode::NOT_FOUND),
        Err(UpdateError::Terminal(status)) => bad(format!(
            "The session is {} and can no longer be updated.",
            status.as_str()
        )),
        Err(UpdateError::NotIncreasing { current }) => bad(format!(
            "The maxLeaseTime value has to be larger than the current value ({}).",
            format_timespan(u64::from(current) * 60)
        )),
        Err(UpdateError::TooLarge) => bad("The maxLeaseTime value must be at most 1.00:00:00 (24 hours).".into()),
    }
}

/// `DELETE .../sessions/{id}`: stop.
pub(crate) fn delete(shared: &Shared, account: &str, id: &str) -> Resp {
    match shared.store.stop(account, id) {
        Some(_) => empty(StatusCode::NO_CONTENT),
        None => empty(StatusCode::NOT_FOUND),
    }
}
