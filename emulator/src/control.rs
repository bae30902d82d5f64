//! `/_emulator/*`: the control surface for tests running in other processes (C, Python, C#). No auth, not
//! counted, never faulted or throttled - a harness must always be able to steer the emulator.
//!
//! Session hooks name a session by id; when several accounts have one with that id, `?account=<id>`
//! picks one. They answer 200 with the session as the 2021 API would show it now, 404 for an unknown
//! session, 409 when the session already ended (or the id is ambiguous), 400 for a bad body.

use axum::body::{to_bytes, Body};
use axum::http::{Method, Request, StatusCode};
use hyper::body::Incoming;
use serde_json::{json, Value};

use crate::control_error::ControlError;
use crate::conversion;
use crate::dashboard;
use crate::faults::ScriptedFault;
use crate::respond::{empty, error_v1, json as json_resp, no_store, percent_decode_path, query_param, Resp};
use crate::session::View;
use crate::shared::Shared;

/// Default code and message of `POST /_emulator/sessions/{id}/fail` (inferred).
pub const FAIL_CODE: &str = "SessionFailed";
pub const FAIL_MESSAGE: &str = "The rendering session failed and is unusable (failure injected by arr-emulator).";

pub(crate) async fn handle(shared: &Shared, req: Request<Incoming>) -> Resp {
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_string();
    let account = query_param(req.uri().query(), "account");
    let body = to_bytes(Body::new(req.into_body()), 64 * 1024)
        .await
        .unwrap_or_default();
    let segs: Vec<String> = path.split('/').skip(2).map(percent_decode_path).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match (&method, segs.as_slice()) {
        (&Method::GET, [name @ ("" | "dashboard.js" | "dashboard.css")]) => {
            dashboard::asset(name).expect("known asset")
        }
        (&Method::GET, []) => dashboard::asset("").expect("known asset"),
        (&Method::GET, ["overview"]) => no_store(json_resp(StatusCode::OK, &dashboard::overview(shared))),
        (&Method::GET, ["health"]) => json_resp(StatusCode::OK, &json!({ "status": "ok" })),
        (&Method::GET, ["counts"]) => {
            let counts = shared.counts.lock().unwrap().clone();
            json_resp(StatusCode::OK, &json!(counts))
        }
        (&Method::GET, ["sessions"]) => json_resp(StatusCode::OK, &json!(shared.snapshots())),
        (&Method::GET, ["conversions"]) => json_resp(StatusCode::OK, &json!(conversion::snapshots(shared))),
        (&Method::POST, ["conversions", id, action @ ("fail" | "cancel")]) => {
            let body = match object(&body) {
                Ok(b) => b,
                Err(resp) => return *resp,
            };
            let text =
                |name: &str, default: &str| body.get(name).and_then(Value::as_str).unwrap_or(default).to_string();
            let outcome = if *action == "fail" {
                conversion::fail_outcome(
                    &text("code", conversion::CONVERSION_FAIL_CODE),
                    &text("message", conversion::CONVERSION_FAIL_MESSAGE),
                )
            } else {
                conversion::cancel_outcome()
            };
            match conversion::force(shared, id, account.as_deref(), outcome) {
                Ok(snapshot) => json_resp(StatusCode::OK, &json!(snapshot)),
                Err(e) => control_error(&e),
            }
        }
        (&Method::GET, ["log"]) => json_resp(StatusCode::OK, &json!(shared.log.lines())),
        (&Method::GET, ["faults"]) => json_resp(StatusCode::OK, &json!(shared.faults.pending())),
        (&Method::DELETE, ["faults"]) => {
            shared.faults.clear();
            empty(StatusCode::NO_CONTENT)
        }
        (&Method::POST, ["faults"]) => match serde_json::from_slice::<ScriptedFault>(&body) {
            Ok(fault) => {
                shared.faults.inject(fault);
                empty(StatusCode::NO_CONTENT)
            }
            Err(e) => error_v1(StatusCode::BAD_REQUEST, &format!("invalid fault: {e}")),
        },
        (&Method::POST, ["revoke-tokens"]) => {
            shared.revoke_tokens();
            empty(StatusCode::NO_CONTENT)
        }
        (&Method::GET, ["clock"]) => clock(shared),
        // {"offsetSeconds": N}: API answers carry a Date N seconds off (0 restores the real one).
        (&Method::POST, ["clock", "date"]) => {
            match object(&body).map(|b| b.get("offsetSeconds").and_then(Value::as_i64)) {
                Ok(Some(seconds)) => {
                    shared.faults.set_date_offset(seconds);
                    empty(StatusCode::NO_CONTENT)
                }
                Ok(None) => error_v1(StatusCode::BAD_REQUEST, "the body must be {\"offsetSeconds\": N}"),
                Err(resp) => *resp,
            }
        }
        (&Method::POST, ["clock", "advance"]) => {
            let minutes = match object(&body).map(|b| b.get("minutes").and_then(Value::as_f64)) {
                Ok(Some(m)) => m,
                Ok(None) => return error_v1(StatusCode::BAD_REQUEST, "the body must be {\"minutes\": N}"),
                Err(resp) => return *resp,
            };
            match shared.store.advance_clock(minutes) {
                Ok(()) => clock(shared),
                Err(e) => control_error(&e),
            }
        }
        (&Method::POST, ["sessions", id, "fail"]) => {
            let body = match object(&body) {
                Ok(b) => b,
                Err(resp) => return *resp,
            };
            let text =
                |name: &str, default: &str| body.get(name).and_then(Value::as_str).unwrap_or(default).to_string();
            let result = shared.store.fail(
                id,
                account.as_deref(),
                &text("code", FAIL_CODE),
                &text("message", FAIL_MESSAGE),
            );
            session_result(shared, result)
        }
        (&Method::POST, ["sessions", id, "stop"]) => {
            session_result(shared, shared.store.stop_live(id, account.as_deref()))
        }
        (&Method::POST, ["sessions", id, "expire"]) => {
            session_result(shared, shared.store.expire(id, account.as_deref()))
        }
        (&Method::POST, ["sessions", id, "set-field"]) => {
            let body = match object(&body) {
                Ok(b) => b,
                Err(resp) => return *resp,
            };
            // {"field": "size", "value": "Tiny"} or the short form {"size": "Tiny"}; null restores.
            let pairs: Vec<(String, Value)> = match body.get("field").and_then(Value::as_str) {
                Some(field) => vec![(field.to_string(), body.get("value").cloned().unwrap_or(Value::Null))],
                None => body
                    .as_object()
                    .map(|m| m.clone().into_iter().collect())
                    .unwrap_or_default(),
            };
            if pairs.is_empty() {
                return error_v1(
                    StatusCode::BAD_REQUEST,
                    "the body must be {\"field\": \"size\"|\"status\", \"value\": \"...\"|null}",
                );
            }
            let mut result = Err(ControlError::Invalid("nothing to set".into()));
            for (field, value) in pairs {
                let value = match &value {
                    Value::Null => None,
                    Value::String(s) => Some(s.as_str()),
                    _ => return error_v1(StatusCode::BAD_REQUEST, "the value must be a string or null"),
                };
                result = shared.store.set_field(id, account.as_deref(), &field, value);
                if result.is_err() {
                    break;
                }
            }
            session_result(shared, result)
        }
        (_, [] | ["" | "dashboard.js" | "dashboard.css" | "overview"])
        | (_, ["health" | "counts" | "sessions" | "conversions" | "log" | "faults" | "revoke-tokens" | "clock"])
        | (_, ["conversions", _, "fail" | "cancel"])
        | (_, ["clock", "advance" | "date"])
        | (_, ["sessions", _, "fail" | "expire" | "stop" | "set-field"]) => empty(StatusCode::METHOD_NOT_ALLOWED),
        _ => empty(StatusCode::NOT_FOUND),
    }
}

/// The hook's body as a JSON object; an empty body is `{}`.
fn object(body: &[u8]) -> Result<Value, Box<Resp>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match crate::lenient::parse(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(Box::new(error_v1(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object",
        ))),
    }
}

fn clock(shared: &Shared) -> Resp {
    json_resp(
        StatusCode::OK,
        &json!({ "advancedMinutes": shared.store.clock_advanced_minutes() }),
    )
}

fn session_result(shared: &Shared, result: Result<View, ControlError>) -> Resp {
    match result {
        Ok(view) => json_resp(
            StatusCode::OK,
            &crate::api_2021::properties(&view, shared.config.legacy_nulls),
        ),
        Err(e) => control_error(&e),
    }
}

fn control_error(e: &ControlError) -> Resp {
    let status = match e {
        ControlError::NotFound(_) | ControlError::ConversionNotFound(_) => StatusCode::NOT_FOUND,
        ControlError::Ambiguous(_) | ControlError::Ended { .. } | ControlError::ConversionEnded { .. } => {
            StatusCode::CONFLICT
        }
        ControlError::Invalid(_) => StatusCode::BAD_REQUEST,
    };
    error_v1(status, &e.to_string())
}
