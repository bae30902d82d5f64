//! Response building blocks shared by all routes: correlation vectors, the header sets the real service
//! sends, JSON and error bodies, and small request-parsing helpers.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use serde_json::Value;

pub(crate) type Resp = Response<Body>;

pub(crate) const API_SUPPORTED_VERSIONS: &str = "2021-01-01-preview, 2021-01-01, 2021-08-01-preview";
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Which API a response belongs to; decides the common headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Sts,
    Api2021,
    V1,
    Unknown,
}

/// A fresh root correlation vector: 22 base64 characters plus `.0`, like the service's `MS-CV`.
pub(crate) fn new_ms_cv() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut cv: String = (0..22).map(|_| char::from(ALPHABET[fastrand::usize(..64)])).collect();
    cv.push_str(".0");
    cv
}

/// Adds the headers every response of `family` carries.
pub(crate) fn finish(mut resp: Resp, family: Family, ms_cv: &str) -> Resp {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(ms_cv) {
        h.insert("ms-cv", v);
    }
    // The v1 service (2019 recordings in the seed documents) sent no X-Content-Type-Options: its update
    // and stop answers carried exactly MS-CV, Content-Length and Date.
    if family != Family::V1 {
        h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    }
    if family == Family::Api2021 {
        h.insert(
            "api-supported-versions",
            HeaderValue::from_static(API_SUPPORTED_VERSIONS),
        );
    }
    resp
}

pub(crate) fn json(status: StatusCode, value: &Value) -> Resp {
    let body = serde_json::to_vec(value).expect("JSON values serialise");
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, JSON_CONTENT_TYPE)
        .body(Body::from(body))
        .expect("valid response")
}

/// A response without a body. Content-Length: 0 is explicit (except where HTTP forbids it) because the
/// recorded service responses carry it.
pub(crate) fn empty(status: StatusCode) -> Resp {
    let mut b = Response::builder().status(status);
    if status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED {
        b = b.header(header::CONTENT_LENGTH, "0");
    }
    b.body(Body::empty()).expect("valid response")
}

/// Why a request was refused (401/403), carried as a response extension for the debug log; never sent.
#[derive(Clone, Debug)]
pub(crate) struct DenyReason(pub String);

/// An empty 401/403 remembering `reason` for the log.
pub(crate) fn deny(status: StatusCode, reason: &str) -> Resp {
    let mut resp = empty(status);
    resp.extensions_mut().insert(DenyReason(reason.to_string()));
    resp
}

/// `error_response` of the 2021 API: `{"error":{"code":..,"message":..}}`.
pub(crate) fn error_2021(status: StatusCode, code: &str, message: &str) -> Resp {
    json(
        status,
        &serde_json::json!({ "error": { "code": code, "message": message } }),
    )
}

pub(crate) fn bad_request(message: &str) -> Resp {
    error_2021(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// Legacy v1 error body: `{"error":"<message>"}`.
pub(crate) fn error_v1(status: StatusCode, message: &str) -> Resp {
    json(status, &serde_json::json!({ "error": message }))
}

/// GET responses of sessions are marked uncacheable.
pub(crate) fn no_store(mut resp: Resp) -> Resp {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// Status-only fault / throttling answer, shaped like the service's: 5xx carry an `error_response`,
/// 429 carries only `Retry-After`.
pub(crate) fn status_fault(status: u16, retry_after: Option<u32>) -> Resp {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = if status.is_server_error() {
        let (code, message) = match status.as_u16() {
            503 => (
                "ServiceUnavailable",
                "The service is temporarily unavailable. Retry the request later.",
            ),
            502 => (
                "BadGateway",
                "The service received an invalid response from an upstream server.",
            ),
            504 => (
                "GatewayTimeout",
                "The service timed out waiting for an upstream server.",
            ),
            _ => ("InternalServerError", "An internal server error occurred."),
        };
        error_2021(status, code, message)
    } else {
        empty(status)
    };
    let retry_after = match (status, retry_after) {
        (StatusCode::TOO_MANY_REQUESTS, None) => Some(1),
        (_, r) => r,
    };
    if let Some(secs) = retry_after {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// Value of one query parameter (first occurrence), percent-decoded.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k).eq_ignore_ascii_case(name)).then(|| percent_decode(v))
    })
}

/// Query-string decoding: `%XX` and `+` as a space.
pub(crate) fn percent_decode(s: &str) -> String {
    decode(s, true)
}

/// Path-segment decoding: `%XX` only (`+` is a literal plus in a path).
pub(crate) fn percent_decode_path(s: &str) -> String {
    decode(s, false)
}

fn decode(s: &str, plus_is_space: bool) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match bytes[i] {
            b'%' if i + 2 < bytes.len() => hex(bytes[i + 1]).zip(hex(bytes[i + 2])).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(if plus_is_space && bytes[i] == b'+' {
                    b' '
                } else {
                    bytes[i]
                });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The bearer credential from `Authorization`, if the scheme is Bearer (case-insensitive).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, cred) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| cred.trim())
}

/// The 2021 API needs a `maxLeaseTimeMinutes`-style integer; JSON floats and strings are rejected.
pub(crate) fn int_field(body: &Value, name: &str) -> Result<i64, String> {
    match body.get(name) {
        None | Some(Value::Null) => Err(format!("The {name} field is required.")),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_u64().map(|_| i64::MAX))
            .ok_or_else(|| format!("The {name} field must be an integer.")),
    }
}

pub(crate) fn string_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, String> {
    match body.get(name) {
        None | Some(Value::Null) => Err(format!("The {name} field is required.")),
        Some(v) => v.as_str().ok_or_else(|| format!("The {name} field must be a string.")),
    }
}

/// Parses a request body as a JSON object, naming the expected fields when it is not one.
pub(crate) fn json_object(body: &[u8], expected: &str) -> Result<Value, String> {
    match crate::lenient::parse(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(format!("The request body must be a JSON object with {expected}.")),
    }
}

/// Canonical size name, accepting any letter case (PowerShell sends `standard`).
pub(crate) fn canonical_size(size: &str) -> Option<&'static str> {
    ["Standard", "Premium"]
        .into_iter()
        .find(|s| s.eq_ignore_ascii_case(size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ms_cv_shape() {
        let cv = new_ms_cv();
        assert_eq!(cv.len(), 24);
        assert!(cv.ends_with(".0"));
    }

    #[test]
    fn query_parsing() {
        let q = Some("api-version=2021-01-01&skiptoken=abc%3D&x");
        assert_eq!(query_param(q, "api-version").as_deref(), Some("2021-01-01"));
        assert_eq!(query_param(q, "skiptoken").as_deref(), Some("abc="));
        assert_eq!(query_param(q, "x").as_deref(), Some(""));
        assert_eq!(query_param(q, "missing"), None);
        assert_eq!(percent_decode("%3Astop"), ":stop");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode_path("a%2Db+c"), "a-b+c");
        assert_eq!(percent_decode_path("%3astop"), ":stop");
    }
}
