//! Session operations of the current REST API (api-version 2021-01-01 and its previews).

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::respond::{
    bad_request, canonical_size, empty, error_2021, int_field, json as json_resp, json_object, no_store, query_param,
    string_field, Resp, API_SUPPORTED_VERSIONS,
};
use crate::session::{Status, View, MAX_LEASE_MINUTES};
use crate::shared::Shared;
use crate::store::{CreateOutcome, NewSession, UpdateError};
use crate::timefmt::format_creation_time;

const SUPPORTED: [&str; 3] = ["2021-01-01", "2021-01-01-preview", "2021-08-01-preview"];

/// The 400 naming `api-version` when it is missing or unsupported; None when it is fine.
pub(crate) fn api_version_error(query: Option<&str>) -> Option<Resp> {
    match query_param(query, "api-version") {
        Some(v) if SUPPORTED.contains(&v.as_str()) => None,
        Some(v) => Some(bad_request(&format!(
            "The api-version '{v}' is not supported. Supported versions: {API_SUPPORTED_VERSIONS}."
        ))),
        None => Some(bad_request(&format!(
            "The api-version query parameter is required. Supported versions: {API_SUPPORTED_VERSIONS}."
        ))),
    }
}

fn valid_session_id(id: &str) -> bool {
    (1..=256).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `session_properties`. By default unknown fields are omitted (service behaviour since 2021-03);
/// `legacy_nulls` emits every field with zeros/nulls like the January 2021 service did.
pub(crate) fn properties(view: &View, legacy_nulls: bool) -> Value {
    let s = &view.session;
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("creationTime".into(), json!(format_creation_time(s.created_at_ns)));
    m.insert("elapsedTimeMinutes".into(), json!(view.elapsed_minutes()));
    m.insert("maxLeaseTimeMinutes".into(), json!(s.max_lease_minutes));
    m.insert("size".into(), json!(view.reported_size()));
    m.insert("status".into(), json!(view.reported_status()));
    if view.status == Status::Ready {
        m.insert("hostname".into(), json!(s.hostname));
        m.insert("handshakePort".into(), json!(s.handshake_port));
        m.insert("arrInspectorPort".into(), json!(s.arr_inspector_port));
    } else if legacy_nulls {
        m.insert("hostname".into(), Value::Null);
        m.insert("handshakePort".into(), json!(0));
        m.insert("arrInspectorPort".into(), json!(0));
    }
    if view.was_ready() {
        m.insert("teraflops".into(), json!(s.teraflops));
    } else if legacy_nulls {
        m.insert("teraflops".into(), json!(0.0));
    }
    if let Some(failure) = view.failure() {
        m.insert(
            "error".into(),
            json!({ "code": failure.code, "message": failure.message }),
        );
    } else if legacy_nulls {
        m.insert("error".into(), Value::Null);
    }
    Value::Object(m)
}

/// PUT: create, or confirm an identical retry (200), or 409.
pub(crate) fn create(
    shared: &Shared,
    account: &str,
    id: &str,
    body: &[u8],
    startup_failure: Option<(String, String)>,
) -> Resp {
    if !valid_session_id(id) {
        return bad_request(&format!(
            "The session id '{}' is invalid: it must be 1 to 256 characters of letters, digits, '-' and '_'.",
            truncate_for_message(id)
        ));
    }
    let body = match json_object(body, "maxLeaseTimeMinutes and size") {
        Ok(b) => b,
        Err(m) => return bad_request(&m),
    };
    let lease = match int_field(&body, "maxLeaseTimeMinutes") {
        Ok(l) => l,
        Err(m) => return bad_request(&m),
    };
    let size_text = match string_field(&body, "size") {
        Ok(s) => s,
        Err(m) => return bad_request(&m),
    };
    if lease < 0 {
        return bad_request("The maxLeaseTimeMinutes value cannot be negative.");
    }
    if lease > MAX_LEASE_MINUTES {
        return bad_request(&format!(
            "The maxLeaseTimeMinutes value must be at most {MAX_LEASE_MINUTES}."
        ));
    }
    let Some(size) = canonical_size(size_text) else {
        return bad_request(&format!("Can't specify this VM size: {size_text}"));
    };
    let new = NewSession {
        account_id: account,
        id,
        size,
        max_lease_minutes: lease as u32,
        startup_failure,
    };
    match shared.store.create(new) {
        CreateOutcome::Created(v) => json_resp(StatusCode::CREATED, &properties(&v, shared.config.legacy_nulls)),
        CreateOutcome::Existing(v) => json_resp(StatusCode::OK, &properties(&v, shared.config.legacy_nulls)),
        CreateOutcome::Conflict => error_2021(
            StatusCode::CONFLICT,
            "Conflict",
            "A resource already exists under the given ID.",
        ),
    }
}

pub(crate) fn get(shared: &Shared, account: &str, id: &str) -> Resp {
    match shared.store.get(account, id) {
        Some(v) => no_store(json_resp(StatusCode::OK, &properties(&v, shared.config.legacy_nulls))),
        None => empty(StatusCode::NOT_FOUND),
    }
}

/// PATCH: the new lease is an absolute total, strictly larger than the current one.
pub(crate) fn update(shared: &Shared, account: &str, id: &str, body: &[u8]) -> Resp {
    if shared.store.get(account, id).is_none() {
        return empty(StatusCode::NOT_FOUND);
    }
    let lease = match json_object(body, "maxLeaseTimeMinutes").and_then(|b| int_field(&b, "maxLeaseTimeMinutes")) {
        Ok(l) => l,
        Err(m) => return bad_request(&m),
    };
    let unprocessable = |m: String| error_2021(StatusCode::UNPROCESSABLE_ENTITY, "UnprocessableEntity", &m);
    match shared.store.update_lease(account, id, lease) {
        Ok(v) => json_resp(StatusCode::OK, &properties(&v, shared.config.legacy_nulls)),
        Err(UpdateError::NotFound) => empty(StatusCode::NOT_FOUND),
        Err(UpdateError::Terminal(status)) => unprocessable(format!(
            "The session is {} and can no longer be updated.",
            status.as_str()
        )),
        Err(UpdateError::NotIncreasing { current }) => unprocessable(format!(
            "The maxLeaseTimeMinutes value was invalid. It has to be bigger than the current value of maxLeaseTimeMinutes ({current})."
        )),
        Err(UpdateError::TooLarge) => unprocessable(format!(
            "The maxLeaseTimeMinutes value was invalid. It must be at most {MAX_LEASE_MINUTES}."
        )),
    }
}

pub(crate) fn stop(shared: &Shared, account: &str, id: &str) -> Resp {
    match shared.store.stop(account, id) {
        Some(_) => empty(StatusCode::NO_CONTENT),
        None => empty(StatusCode::NOT_FOUND),
    }
}

/// GET list: Starting/Ready sessions in creation order, `page_size` per page, with an absolute
/// `@nextLink` on every page but the last. The skiptoken is the creation sequence number of the last
/// session returned, so sessions stopping between pages never shift later ones out of view.
pub(crate) fn list(shared: &Shared, account: &str, path: &str, query: Option<&str>, origin: &str) -> Resp {
    // Already validated by the router; re-read to carry it into the next link.
    let version = query_param(query, "api-version").unwrap_or_default();
    let after = match query_param(query, "skiptoken") {
        None => None,
        Some(token) => match decode_skiptoken(&token) {
            Some(seq) => Some(seq),
            None => return bad_request("The skiptoken query parameter is invalid."),
        },
    };
    let active: Vec<View> = shared
        .store
        .list(Some(account))
        .into_iter()
        .filter(|v| v.status.is_active() && after.is_none_or(|a| v.session.seq > a))
        .collect();
    let page_size = shared.config.page_size;
    let page = &active[..active.len().min(page_size)];
    let mut body = json!({
        "sessions": page.iter().map(|v| properties(v, shared.config.legacy_nulls)).collect::<Vec<_>>()
    });
    if active.len() > page_size {
        let last = page.last().expect("page is non-empty").session.seq;
        let token = URL_SAFE_NO_PAD.encode(format!("after:{last}"));
        body["@nextLink"] = json!(format!("{origin}{path}?api-version={version}&skiptoken={token}"));
    }
    no_store(json_resp(StatusCode::OK, &body))
}

fn decode_skiptoken(token: &str) -> Option<u64> {
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    std::str::from_utf8(&raw).ok()?.strip_prefix("after:")?.parse().ok()
}

/// Echoing a 100 KB id back would be unhelpful.
fn truncate_for_message(id: &str) -> String {
    if id.chars().count() > 64 {
        format!("{}...", id.chars().take(64).collect::<String>())
    } else {
        id.to_string()
    }
}
