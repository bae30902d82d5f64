//! Request routing and the pipeline every counted request goes through:
//! count -> scripted/random fault -> rate limit -> auth -> api-version -> operation.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::http::request::Parts;
use axum::http::{header, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use tokio::sync::Notify;

use crate::faults::{FaultKind, SESSION_ERROR_CODE, SESSION_ERROR_MESSAGE};
use crate::request_log::RequestRecord;
use crate::respond::DenyReason;
use crate::respond::{
    empty, error_2021, error_v1, finish, new_ms_cv, percent_decode_path, status_fault, Family, Resp, JSON_CONTENT_TYPE,
};
use crate::shared::Shared;
use crate::{api_2021, api_v1, control, control_access, conversion, logging, sts};

/// The address of the client that sent a request: the server attaches it to every request as an extension,
/// and the router reads it to decide who may use the control routes (`control_access`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer(pub SocketAddr);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteKind {
    StsToken,
    Create,
    Get,
    Update,
    Stop,
    List,
    V1Create,
    V1List,
    V1Update,
    V1Properties,
    V1Stop,
    ConversionCreate,
    ConversionGet,
    ConversionList,
    Unknown,
}

impl RouteKind {
    /// The public route names used by request counts and scripted faults.
    pub(crate) fn name(self) -> &'static str {
        match self {
            RouteKind::StsToken => "sts.token",
            RouteKind::Create => "sessions.create",
            RouteKind::Get => "sessions.get",
            RouteKind::Update => "sessions.update",
            RouteKind::Stop => "sessions.stop",
            RouteKind::List => "sessions.list",
            RouteKind::V1Create => "v1.sessions.create",
            RouteKind::V1List => "v1.sessions.list",
            RouteKind::V1Update => "v1.sessions.update",
            RouteKind::V1Properties => "v1.sessions.properties",
            RouteKind::V1Stop => "v1.sessions.stop",
            RouteKind::ConversionCreate => "conversions.create",
            RouteKind::ConversionGet => "conversions.get",
            RouteKind::ConversionList => "conversions.list",
            RouteKind::Unknown => "unknown",
        }
    }

    fn family(self) -> Family {
        match self {
            RouteKind::StsToken => Family::Sts,
            RouteKind::Create
            | RouteKind::Get
            | RouteKind::Update
            | RouteKind::Stop
            | RouteKind::List
            | RouteKind::ConversionCreate
            | RouteKind::ConversionGet
            | RouteKind::ConversionList => Family::Api2021,
            RouteKind::Unknown => Family::Unknown,
            _ => Family::V1,
        }
    }
}

pub(crate) struct Route {
    pub kind: RouteKind,
    /// Lower-cased account id from the path.
    pub account: String,
    pub session: String,
}

/// Maps method + path to a route. Literal segments match case-insensitively (the service's routing is
/// ASP.NET's), one trailing slash is tolerated (v1 PowerShell scripts send it), and every segment is
/// percent-decoded after splitting (so `%3Astop` is `:stop`, `a%2Db` is the session `a-b`, and an
/// encoded `%2F` stays inside its segment, as ASP.NET routing does).
pub(crate) fn classify(method: &Method, path: &str) -> Route {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    let decoded: Vec<String> = trimmed.split('/').map(percent_decode_path).collect();
    let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let lit = |i: usize, word: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(word));
    let is_stop = |s: &str| s == ":stop";
    let unknown = Route {
        kind: RouteKind::Unknown,
        account: String::new(),
        session: String::new(),
    };
    if segs.iter().any(|s| s.is_empty()) {
        return unknown;
    }
    let (v1, rest) = if lit(0, "v1") {
        (true, &segs[1..])
    } else {
        (false, &segs[..])
    };
    if rest.len() < 3 || !rest[0].eq_ignore_ascii_case("accounts") {
        return unknown;
    }
    let account = rest[1].to_ascii_lowercase();
    let third = rest[2];
    let session = rest.get(3).map(|s| s.to_string()).unwrap_or_default();
    let m = method;
    let kind = match (v1, rest.len(), third.to_ascii_lowercase().as_str()) {
        (false, 3, "token") if m == Method::GET => RouteKind::StsToken,
        (false, 3, "sessions") if m == Method::GET => RouteKind::List,
        (false, 4, "sessions") if m == Method::PUT => RouteKind::Create,
        (false, 4, "sessions") if m == Method::GET => RouteKind::Get,
        (false, 4, "sessions") if m == Method::PATCH => RouteKind::Update,
        (false, 5, "sessions") if m == Method::POST && is_stop(rest[4]) => RouteKind::Stop,
        (false, 3, "conversions") if m == Method::GET => RouteKind::ConversionList,
        (false, 4, "conversions") if m == Method::PUT => RouteKind::ConversionCreate,
        (false, 4, "conversions") if m == Method::GET => RouteKind::ConversionGet,
        (true, 3, "sessions") if m == Method::GET => RouteKind::V1List,
        (true, 4, "sessions") if m == Method::POST && rest[3].eq_ignore_ascii_case("create") => RouteKind::V1Create,
        (true, 4, "sessions") if m == Method::PATCH => RouteKind::V1Update,
        (true, 4, "sessions") if m == Method::DELETE => RouteKind::V1Stop,
        (true, 5, "sessions") if m == Method::GET && rest[4].eq_ignore_ascii_case("properties") => {
            RouteKind::V1Properties
        }
        _ => RouteKind::Unknown,
    };
    if kind == RouteKind::Unknown {
        return unknown;
    }
    Route { kind, account, session }
}

/// Serves one request. Resolves to a response, or - when a fault says to drop the connection - fires
/// the connection's kill switch and never resolves, so no response bytes are ever written.
///
/// The work runs in its own task and this future only awaits it: when the client disconnects, hyper
/// drops this future, but the spawned task - like a request an ASP.NET service has accepted - runs to
/// completion, so its state changes happen (a create held by a fault still creates the session).
pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>, kill: Arc<Notify>) -> Resp {
    let work = tokio::spawn(handle_detached(shared, req));
    match work.await {
        Ok(Some(resp)) => resp,
        Ok(None) => {
            kill.notify_one();
            std::future::pending().await
        }
        Err(e) => {
            tracing::error!("request handler failed: {e}");
            error_2021(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "An internal server error occurred.",
            )
        }
    }
}

/// The request's handling, independent of the connection. None = drop the connection.
///
/// Logging: the in-memory request log (`GET /_emulator/log`) gets one line per counted request. The
/// tracing log gets the same line at `info`; at `debug` it also shows the query (secrets redacted) and
/// why a 401/403 was given; at `trace` the request and response bodies (secrets redacted).
async fn handle_detached(shared: Arc<Shared>, req: Request<Incoming>) -> Option<Resp> {
    let started = Instant::now();
    let at_unix_ms = crate::timefmt::unix_nanos_now() / 1_000_000;
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let shown = logging::path_and_query(&path, req.uri().query());
    if path == "/_emulator" || path.starts_with("/_emulator/") {
        let peer = req.extensions().get::<Peer>().map(|p| p.0);
        let refused = control_access::refusal(peer, req.headers(), shared.config.allow_remote_control);
        let resp = match refused {
            Some(resp) => resp,
            None => control::handle(&shared, req).await,
        };
        tracing::debug!(
            target: "arr_emulator::control",
            "{method} {shown} -> {} {}ms",
            resp.status().as_u16(),
            started.elapsed().as_millis()
        );
        return Some(resp);
    }
    let route = classify(&method, &path);
    shared.count(route.kind.name());
    let ms_cv = new_ms_cv();
    let outcome = process(&shared, &route, req, &ms_cv).await;
    let ms = started.elapsed().as_millis();
    let record = |status: Option<u16>| RequestRecord {
        at_unix_ms,
        method: method.to_string(),
        path: path.clone(),
        shown: shown.clone(),
        route: route.kind.name().to_string(),
        status,
        duration_ms: ms as u64,
        ms_cv: ms_cv.clone(),
    };
    match outcome {
        Some(resp) => {
            let mut resp = finish(resp, route.kind.family(), &ms_cv);
            if let Some(date) = shared.faults.skewed_date().and_then(|d| d.parse().ok()) {
                resp.headers_mut().insert(axum::http::header::DATE, date);
            }
            let status = resp.status().as_u16();
            shared.log.push(record(Some(status)));
            if tracing::enabled!(target: "arr_emulator::request", tracing::Level::DEBUG) {
                let reason = resp
                    .extensions()
                    .get::<DenyReason>()
                    .map(|r| format!(" ({})", r.0))
                    .unwrap_or_default();
                tracing::debug!(
                    target: "arr_emulator::request",
                    "{method} {shown} -> {status}{reason} {ms}ms ms-cv={ms_cv} route={}",
                    route.kind.name()
                );
            } else {
                tracing::info!(target: "arr_emulator::request", "{method} {path} {status} {ms}ms ms-cv={ms_cv}");
            }
            if tracing::enabled!(target: "arr_emulator::body", tracing::Level::TRACE) {
                let (parts, body) = resp.into_parts();
                let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
                tracing::trace!(
                    target: "arr_emulator::body",
                    "response body ms-cv={ms_cv}: {}",
                    logging::body(&bytes)
                );
                resp = Response::from_parts(parts, Body::from(bytes));
            }
            Some(resp)
        }
        None => {
            let record = record(None);
            tracing::info!(target: "arr_emulator::request", "{}", record.line());
            shared.log.push(record);
            None
        }
    }
}

/// None = drop the connection. The body is read first: once it is in, the request counts as accepted
/// and everything after (holds, delays, processing) happens even if the client has gone.
async fn process(shared: &Arc<Shared>, route: &Route, req: Request<Incoming>, ms_cv: &str) -> Option<Resp> {
    if route.kind == RouteKind::Unknown {
        return Some(empty(StatusCode::NOT_FOUND));
    }
    let (parts, body) = req.into_parts();
    let limit = shared.config.max_body_bytes;
    let body = match read_body(body, limit).await {
        BodyRead::Complete(bytes) => bytes,
        BodyRead::TooLarge => {
            let message = format!("The request body is larger than the limit of {limit} bytes.");
            return Some(match route.kind.family() {
                Family::V1 => error_v1(StatusCode::PAYLOAD_TOO_LARGE, &message),
                _ => error_2021(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge", &message),
            });
        }
        // The client went away (or broke the framing) before the body was complete: the request was never
        // accepted, so nothing is carried out.
        BodyRead::Broken(e) => {
            tracing::debug!(target: "arr_emulator::request", "request body incomplete: {e}");
            return None;
        }
    };
    tracing::trace!(
        target: "arr_emulator::body",
        "request body ms-cv={ms_cv}: {}",
        logging::body(&body)
    );
    let fault = shared.faults.next(route.kind.name());
    match fault {
        Some(FaultKind::Status { status, retry_after }) => return Some(status_fault(status, retry_after)),
        Some(FaultKind::DropBeforeProcessing) => return None,
        Some(FaultKind::Delay { millis } | FaultKind::HoldBeforeProcessing { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await
        }
        _ => {}
    }
    if let Some(rate) = &shared.rate {
        if !rate.try_acquire(&route.account) {
            return Some(status_fault(429, Some(1)));
        }
    }
    let startup_failure = match &fault {
        Some(FaultKind::SessionError { code, message }) if route.kind == RouteKind::ConversionCreate => Some((
            code.clone()
                .unwrap_or_else(|| conversion::CONVERSION_FAIL_CODE.to_string()),
            message
                .clone()
                .unwrap_or_else(|| conversion::CONVERSION_FAIL_MESSAGE.to_string()),
        )),
        Some(FaultKind::SessionError { code, message }) => Some((
            code.clone().unwrap_or_else(|| SESSION_ERROR_CODE.to_string()),
            message.clone().unwrap_or_else(|| SESSION_ERROR_MESSAGE.to_string()),
        )),
        _ if matches!(route.kind, RouteKind::Create | RouteKind::V1Create) && shared.faults.roll_session_error() => {
            Some((SESSION_ERROR_CODE.to_string(), SESSION_ERROR_MESSAGE.to_string()))
        }
        _ => None,
    };
    let mut resp = dispatch(shared, route, &parts, &body, startup_failure).await;
    if shared.config.legacy_nulls && route.kind.family() == Family::Api2021 && resp.status().is_client_error() {
        resp = legacy_error_nulls(resp).await;
    }
    match fault {
        Some(FaultKind::DropAfterProcessing) => None,
        Some(FaultKind::MalformedBody) => Some(truncate_body(resp).await),
        _ => Some(resp),
    }
}

/// `startup_failure` is for create routes: the new session (or conversion) is to fail with this
/// (code, message).
async fn dispatch(
    shared: &Arc<Shared>,
    route: &Route,
    parts: &Parts,
    body: &[u8],
    startup_failure: Option<(String, String)>,
) -> Resp {
    let (account, session) = (route.account.as_str(), route.session.as_str());
    match route.kind.family() {
        Family::Sts => return sts::token(shared, &parts.headers, account),
        Family::Unknown => return empty(StatusCode::NOT_FOUND),
        Family::Api2021 | Family::V1 => {
            if let Some(resp) = shared.auth_rejection(&parts.headers, account) {
                return resp;
            }
        }
    }
    if route.kind.family() == Family::Api2021 {
        if let Some(resp) = api_2021::api_version_error(parts.uri.query()) {
            return resp;
        }
    }
    match route.kind {
        RouteKind::Create => api_2021::create(shared, account, session, body, startup_failure),
        RouteKind::Get => api_2021::get(shared, account, session),
        RouteKind::Update => api_2021::update(shared, account, session, body),
        RouteKind::Stop => api_2021::stop(shared, account, session),
        RouteKind::List => api_2021::list(
            shared,
            account,
            parts.uri.path(),
            parts.uri.query(),
            &origin(shared, parts),
        ),
        RouteKind::V1Create => api_v1::create(shared, account, body, startup_failure),
        RouteKind::V1List => api_v1::list(shared, account),
        RouteKind::V1Update => api_v1::update(shared, account, session, body),
        RouteKind::V1Properties => api_v1::get_properties(shared, account, session),
        RouteKind::V1Stop => api_v1::delete(shared, account, session),
        RouteKind::ConversionCreate => conversion::create(shared, account, session, body, startup_failure).await,
        RouteKind::ConversionGet => conversion::get(shared, account, session),
        RouteKind::ConversionList => conversion::list(
            shared,
            account,
            parts.uri.path(),
            parts.uri.query(),
            &origin(shared, parts),
        ),
        RouteKind::StsToken | RouteKind::Unknown => empty(StatusCode::NOT_FOUND),
    }
}

/// `scheme://host[:port]` as the client addressed us (so next links work through port mappings), falling
/// back to the base URL when the Host header is absent or odd.
fn origin(shared: &Shared, parts: &Parts) -> String {
    let scheme = if shared.base_url.starts_with("https:") {
        "https"
    } else {
        "http"
    };
    parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .map(|h| format!("{scheme}://{h}"))
        .unwrap_or_else(|| shared.base_url.clone())
}

enum BodyRead {
    Complete(Vec<u8>),
    TooLarge,
    Broken(hyper::Error),
}

/// Reads the whole request body, stopping early when it grows past `limit`.
async fn read_body(mut body: Incoming, limit: usize) -> BodyRead {
    use hyper::body::Body as _;
    let mut bytes = Vec::new();
    loop {
        match std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
            None => return BodyRead::Complete(bytes),
            Some(Err(e)) => return BodyRead::Broken(e),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    if bytes.len() + data.len() > limit {
                        return BodyRead::TooLarge;
                    }
                    bytes.extend_from_slice(data);
                }
            }
        }
    }
}

/// `--legacy-nulls`: error bodies as the January 2021 service wrote them, with `details`, `target` and
/// `innerError` present as null (protocol.md §5.6).
async fn legacy_error_nulls(resp: Resp) -> Resp {
    let (parts, body) = resp.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => return Response::from_parts(parts, Body::from(bytes)),
    };
    let Some(error) = value.get_mut("error").and_then(serde_json::Value::as_object_mut) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    for key in ["details", "target", "innerError"] {
        error.entry(key).or_insert(serde_json::Value::Null);
    }
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(
        parts,
        Body::from(serde_json::to_vec(&value).expect("JSON values serialise")),
    )
}

/// The MalformedBody fault: a 200 whose JSON stops half-way (headers stay valid).
async fn truncate_body(resp: Resp) -> Resp {
    let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap_or_default();
    let cut = if bytes.len() >= 2 {
        bytes.slice(..bytes.len() / 2)
    } else {
        "{\"id\":\"".into()
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, JSON_CONTENT_TYPE)
        .body(Body::from(cut))
        .expect("valid response")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let k = |m: Method, p: &str| classify(&m, p).kind.name();
        assert_eq!(k(Method::GET, "/Accounts/ABC/token"), "sts.token");
        assert_eq!(k(Method::GET, "/accounts/abc/token"), "sts.token");
        assert_eq!(k(Method::PUT, "/accounts/a/sessions/s1"), "sessions.create");
        assert_eq!(k(Method::GET, "/accounts/a/sessions/s1"), "sessions.get");
        assert_eq!(k(Method::PATCH, "/accounts/a/sessions/s1"), "sessions.update");
        assert_eq!(k(Method::POST, "/accounts/a/sessions/s1/:stop"), "sessions.stop");
        assert_eq!(k(Method::POST, "/accounts/a/sessions/s1/%3Astop"), "sessions.stop");
        assert_eq!(k(Method::GET, "/accounts/a/sessions"), "sessions.list");
        assert_eq!(k(Method::POST, "/v1/accounts/a/sessions/create/"), "v1.sessions.create");
        assert_eq!(k(Method::GET, "/v1/accounts/a/sessions/"), "v1.sessions.list");
        assert_eq!(k(Method::PATCH, "/v1/accounts/a/sessions/x"), "v1.sessions.update");
        assert_eq!(
            k(Method::GET, "/v1/accounts/a/sessions/x/properties/"),
            "v1.sessions.properties"
        );
        assert_eq!(k(Method::DELETE, "/v1/accounts/a/sessions/x"), "v1.sessions.stop");
        assert_eq!(k(Method::DELETE, "/accounts/a/sessions/x"), "unknown");
        assert_eq!(k(Method::PUT, "/accounts/a/conversions/c1"), "conversions.create");
        assert_eq!(k(Method::GET, "/accounts/a/conversions/c1"), "conversions.get");
        assert_eq!(k(Method::GET, "/accounts/a/Conversions/"), "conversions.list");
        assert_eq!(k(Method::POST, "/accounts/a/conversions/c1"), "unknown");
        assert_eq!(k(Method::GET, "/accounts//sessions"), "unknown");
        assert_eq!(k(Method::GET, "/"), "unknown");
        assert_eq!(classify(&Method::GET, "/Accounts/ABC/token").account, "abc");
        assert_eq!(
            classify(&Method::GET, "/accounts/a/sessions/s%2D1_%41").session,
            "s-1_A"
        );
        assert_eq!(k(Method::GET, "/%61ccounts/a/sessions"), "sessions.list");
        assert_eq!(classify(&Method::GET, "/accounts/a/sessions/x%2Fy").session, "x/y");
    }
}
