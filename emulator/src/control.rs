//! `/_emulator/*`: the control surface for tests running in other processes (C, Python, C#). No auth, not
//! counted, never faulted or throttled - a harness must always be able to steer the emulator.

use axum::body::{to_bytes, Body};
use axum::http::{Method, Request, StatusCode};
use hyper::body::Incoming;
use serde_json::json;

use crate::faults::ScriptedFault;
use crate::respond::{empty, error_v1, json as json_resp, Resp};
use crate::shared::Shared;

pub(crate) async fn handle(shared: &Shared, req: Request<Incoming>) -> Resp {
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_string();
    match (method, path.as_str()) {
        (Method::GET, "/_emulator/health") => json_resp(StatusCode::OK, &json!({ "status": "ok" })),
        (Method::GET, "/_emulator/counts") => {
            let counts = shared.counts.lock().unwrap().clone();
            json_resp(StatusCode::OK, &json!(counts))
        }
        (Method::GET, "/_emulator/sessions") => json_resp(StatusCode::OK, &json!(shared.snapshots())),
        (Method::GET, "/_emulator/log") => {
            let lines: Vec<String> = shared.log.lock().unwrap().iter().cloned().collect();
            json_resp(StatusCode::OK, &json!(lines))
        }
        (Method::POST, "/_emulator/faults") => {
            let body = to_bytes(Body::new(req.into_body()), 64 * 1024)
                .await
                .unwrap_or_default();
            match serde_json::from_slice::<ScriptedFault>(&body) {
                Ok(fault) => {
                    shared.faults.inject(fault);
                    empty(StatusCode::NO_CONTENT)
                }
                Err(e) => error_v1(StatusCode::BAD_REQUEST, &format!("invalid fault: {e}")),
            }
        }
        (Method::POST, "/_emulator/revoke-tokens") => {
            shared.revoke_tokens();
            empty(StatusCode::NO_CONTENT)
        }
        (_, "/_emulator/health" | "/_emulator/counts" | "/_emulator/sessions" | "/_emulator/log")
        | (_, "/_emulator/faults" | "/_emulator/revoke-tokens") => empty(StatusCode::METHOD_NOT_ALLOWED),
        _ => empty(StatusCode::NOT_FOUND),
    }
}
