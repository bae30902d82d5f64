//! HTTP: one connection pool per client, the retry loop, per-request logging, and error decoding.
//!
//! Nothing above this module sees reqwest. Every request is logged once per attempt with method, path,
//! status, MS-CV and duration; headers and query strings are never logged, so neither is a credential.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use crate::call_history::{Attempt, CallHistory};
use crate::config::ClientConfig;
use crate::error::{Error, ErrorKind, Result, ServiceError};
use crate::proxy::ProxySetting;
use crate::retry::{Idempotency, RetryPolicy};
use crate::secret::Secret;

/// One logical request; the retry loop may send it several times.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    /// A short name for logs and errors, e.g. `sessions.get`.
    pub route: &'static str,
    pub method: Method,
    pub url: Url,
    pub bearer: Option<Bearer>,
    /// Shared, not copied, by each attempt.
    pub json_body: Option<Bytes>,
    pub idempotency: Idempotency,
    /// Send an `X-MRC-CV` correlation vector (the STS reads it; the official clients send one).
    pub correlation_vector: bool,
    /// What the request is about (a session id), for error messages.
    pub subject: Option<String>,
    /// Further headers, none of them secret (e.g. `x-ms-version`, `x-ms-range` for Blob Storage).
    pub headers: Vec<(&'static str, String)>,
    /// A SAS query string, added to the URL only as the request leaves: `url` (what logs, errors and
    /// `Debug` show) never holds it.
    pub sas: Option<Secret>,
}

impl Request {
    pub fn new(route: &'static str, method: Method, url: Url) -> Request {
        Request {
            route,
            method,
            url,
            bearer: None,
            json_body: None,
            idempotency: Idempotency::Idempotent,
            correlation_vector: false,
            subject: None,
            headers: Vec::new(),
            sas: None,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }

    /// Authorises with a SAS (`?sv=...` or `sv=...`) instead of a bearer token.
    pub fn sas(mut self, sas: Option<&Secret>) -> Request {
        self.sas = sas.cloned();
        self
    }

    pub fn get(route: &'static str, url: Url) -> Request {
        Request::new(route, Method::GET, url)
    }

    pub fn bearer(mut self, bearer: Bearer) -> Request {
        self.bearer = Some(bearer);
        self
    }

    pub fn json(mut self, body: &serde_json::Value) -> Request {
        self.json_body = Some(Bytes::from(body.to_string()));
        self
    }

    pub fn not_idempotent(mut self) -> Request {
        self.idempotency = Idempotency::NotIdempotent;
        self
    }

    pub fn subject(mut self, subject: &str) -> Request {
        self.subject = Some(subject.to_owned());
        self
    }

    /// "get session 'abc'": what failed, in words, for error messages.
    fn describe(&self) -> String {
        let action = match self.route {
            "sts.token" => "the access-token request to the STS",
            "sessions.create" | "v1.sessions.create" => "create session",
            "sessions.get" | "v1.sessions.properties" => "get session",
            "sessions.update" | "v1.sessions.update" => "update session",
            "sessions.stop" | "v1.sessions.stop" => "stop session",
            "sessions.list" | "v1.sessions.list" => "list sessions",
            "storage.list" => "list blobs",
            "storage.get" => "read blob",
            other => other,
        };
        match &self.subject {
            Some(subject) => format!("{action} '{subject}'"),
            None => action.to_owned(),
        }
    }

    pub fn with_correlation_vector(mut self) -> Request {
        self.correlation_vector = true;
        self
    }
}

/// The value of an `Authorization: Bearer …` header, built once per credential or token rather than on
/// every request (README, Performance). Marked sensitive:
/// its `Debug` prints `Sensitive`, never the value.
#[derive(Clone, Debug)]
pub(crate) struct Bearer(HeaderValue);

impl Bearer {
    pub fn new(credential: &Secret) -> Result<Bearer> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", credential.expose()))
            .map_err(|_| Error::invalid_argument("credential", "contains characters not allowed in an HTTP header"))?;
        value.set_sensitive(true);
        Ok(Bearer(value))
    }
}

/// A successful (2xx) answer.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub ms_cv: Option<String>,
    /// The body as hyper read it (no copy).
    pub body: Bytes,
}

impl Response {
    /// Decodes the body; a body we cannot read is a `Decode` error that keeps the MS-CV.
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(ErrorKind::Decode, format!("cannot read the {what}: {e}"))
                .with_source(e)
                .with_http_status(self.status)
                .with_ms_cv(self.ms_cv.clone())
        })
    }
}

/// Sends requests with the client's pool, timeouts, proxy, roots and retry policy.
pub(crate) struct Transport {
    http: reqwest::Client,
    retry: RetryPolicy,
    /// The opt-in call history each attempt is also written to.
    history: Option<CallHistory>,
}

impl Transport {
    /// `load_trust_store`: whether any request may need TLS (see `ResolvedEndpoints::may_need_tls`).
    pub fn new(config: &ClientConfig, load_trust_store: bool) -> Result<Transport> {
        let mut user_agent = format!(
            "arr-session/{} ({}; {})",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        if let Some(suffix) = &config.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(user_agent)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            // Never follow redirects: a redirect could carry the bearer token to another host.
            .redirect(reqwest::redirect::Policy::none())
            // Trust comes only from our own TLS configuration (below), built when a request may need TLS:
            // reqwest's own roots (the OS store, read at every build when a workspace crate turns the
            // feature on, as the benchmark does) would cost milliseconds for an endpoint that is plain http.
            .tls_built_in_root_certs(false);
        match &config.proxy {
            ProxySetting::System => {}
            ProxySetting::None => builder = builder.no_proxy(),
            ProxySetting::Url(url) => {
                let proxy = reqwest::Proxy::all(url.as_str())
                    .map_err(|e| Error::invalid_argument("proxy", format_args!("not usable: {e}")))?;
                builder = builder.proxy(proxy);
            }
        }
        if load_trust_store {
            builder = builder.use_preconfigured_tls(crate::tls::client_config(config.extra_root_ca_pem.as_deref())?);
        } else if let Some(pem) = &config.extra_root_ca_pem {
            // No request can need TLS, but a bad PEM is still a bad configuration.
            crate::tls::extra_roots(pem)?;
        }
        let http = builder
            .build()
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("cannot set up HTTP: {e}")))?;
        let history = config.call_history.clone().map(CallHistory::new).transpose()?;
        Ok(Transport {
            http,
            retry: config.retry.clone(),
            history,
        })
    }

    /// Sends `request`, retrying per the policy. Returns the 2xx response or the last error.
    pub async fn send(&self, request: Request) -> Result<Response> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let retries_left = attempt <= self.retry.max_retries;
            let outcome = self.send_once(&request, attempt).await;
            let (error, retry_after) = match outcome {
                Ok(response) => return Ok(response),
                Err(Failure::Status(error)) => {
                    let retryable = error
                        .http_status()
                        .is_some_and(|s| RetryPolicy::is_retryable_status(s, request.idempotency));
                    if !(retryable && retries_left) {
                        return Err(error);
                    }
                    let after = error.retry_after();
                    (error, after)
                }
                Err(Failure::Transport { error, request_sent }) => {
                    // A connection that was never made cannot have changed anything on the service.
                    let safe = !request_sent || request.idempotency == Idempotency::Idempotent;
                    if !(safe && retries_left) {
                        return Err(error);
                    }
                    (error, None)
                }
            };
            let delay = self.retry.delay(attempt, retry_after);
            tracing::debug!(
                target: "arr_session::http",
                route = request.route,
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying after: {error}"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One GET of `url` with no retry, no credentials and no history, for the doctor: the status and the
    /// `Date` header of whatever answers (any status counts as an answer).
    pub async fn probe(&self, url: Url) -> Result<(u16, Option<String>)> {
        let request = Request::get("doctor.probe", url);
        let response = self
            .http
            .get(request.url.clone())
            .send()
            .await
            .map_err(|e| transport_error(e, &request))?;
        Ok((response.status().as_u16(), header_string(response.headers(), "date")))
    }

    async fn send_once(&self, request: &Request, attempt: u32) -> std::result::Result<Response, Failure> {
        let url = match &request.sas {
            Some(sas) => with_sas(&request.url, sas),
            None => request.url.clone(),
        };
        let mut builder = self.http.request(request.method.clone(), url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(bearer) = &request.bearer {
            builder = builder.header(AUTHORIZATION, bearer.0.clone());
        }
        if request.correlation_vector {
            builder = builder.header("X-MRC-CV", new_correlation_vector());
        }
        builder = match &request.json_body {
            Some(body) => builder.header(CONTENT_TYPE, "application/json").body(body.clone()),
            // POST `:stop` has no body; say so explicitly as the Python SDK does.
            None if request.method == Method::POST => builder.header(reqwest::header::CONTENT_LENGTH, "0"),
            None => builder,
        };
        let started = Instant::now();
        let response = builder.send().await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                let request_sent = !e.is_connect();
                let error = transport_error(e, request);
                self.log_request(request, attempt, None, None, started);
                return Err(Failure::Transport { error, request_sent });
            }
        };
        let status = response.status().as_u16();
        let success = (200..300).contains(&status);
        let ms_cv = header_string(response.headers(), "MS-CV");
        // Read only when it can matter: a successful answer is never retried.
        let retry_after = if success { None } else { retry_after(response.headers()) };
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => {
                self.log_request(request, attempt, Some(status), ms_cv.as_deref(), started);
                let error = transport_error(e, request).with_ms_cv(ms_cv);
                return Err(Failure::Transport {
                    error,
                    request_sent: true,
                });
            }
        };
        self.log_request(request, attempt, Some(status), ms_cv.as_deref(), started);
        if success {
            return Ok(Response { status, ms_cv, body });
        }
        let service_error = decode_service_error(&body).or_else(|| decode_storage_error(&body));
        Err(Failure::Status(Error::from_response(
            status,
            service_error,
            ms_cv,
            retry_after,
            &request.describe(),
        )))
    }
}

/// Why one attempt failed.
enum Failure {
    /// The service answered with a non-2xx status.
    Status(Error),
    /// No (complete) answer. `request_sent` is false only when the connection was never established.
    Transport { error: Error, request_sent: bool },
}

/// The URL as sent: `url` with the SAS query appended (`&` after an existing query).
fn with_sas(url: &Url, sas: &Secret) -> Url {
    let mut url = url.clone();
    let sas = sas.expose().trim_start_matches('?');
    let query = match url.query() {
        Some(existing) if !existing.is_empty() => format!("{existing}&{sas}"),
        _ => sas.to_owned(),
    };
    url.set_query(Some(&query));
    url
}

fn transport_error(e: reqwest::Error, request: &Request) -> Error {
    let route = request.route;
    // reqwest's Display may include the URL: ours holds no secret except a SAS, which goes with the URL.
    let e = if request.sas.is_some() { e.without_url() } else { e };
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Network
    };
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the response was cut off"
    } else {
        "the connection failed"
    };
    let mut source = std::error::Error::source(&e);
    let mut cause = String::new();
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let error = if cause.is_empty() {
        Error::new(kind, format!("{route}: {what}"))
    } else {
        Error::new(kind, format!("{route}: {what} ({cause})"))
    };
    // reqwest's error (and through it the I/O or TLS error) stays reachable by `source()`. Its Display
    // names the URL, which holds no secret (tokens go in headers only).
    error.with_source(e)
}

/// Reads `{"error": {...}}` (2021-01-01) or `{"error": "text"}` (legacy v1); `None` for empty or other bodies.
pub(crate) fn decode_service_error(body: &[u8]) -> Option<ServiceError> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match value.get("error")? {
        serde_json::Value::String(message) => Some(ServiceError {
            message: message.clone(),
            ..Default::default()
        }),
        object @ serde_json::Value::Object(_) => serde_json::from_value(object.clone()).ok(),
        _ => None,
    }
}

/// Reads Azure Storage's XML error body, `<Error><Code>..</Code><Message>..</Message></Error>`.
fn decode_storage_error(body: &[u8]) -> Option<ServiceError> {
    let text = std::str::from_utf8(body).ok()?;
    let element = |name: &str| crate::preflight::xml_element(text, name).map(|value| value.trim().to_owned());
    let code = element("Code")?;
    let message = element("Message").unwrap_or_default();
    // The service's message ends with request id and time on further lines; the first line says it.
    let message = message.lines().next().unwrap_or_default().to_owned();
    Some(ServiceError {
        code,
        message,
        ..Default::default()
    })
}

fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `Retry-After` in whole seconds (what ARR sends), or the millisecond variants Azure services use.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = header_string(headers, name).and_then(|v| v.trim().parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    let secs = header_string(headers, "retry-after")?.trim().parse::<f64>().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// 22 characters of the base64 alphabet, the form the official clients send as `X-MRC-CV` (a random id:
/// no crate generates Microsoft's correlation-vector format, and a fresh root needs no more than this).
fn new_correlation_vector() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..22)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

impl Transport {
    fn log_request(&self, request: &Request, attempt: u32, status: Option<u16>, ms_cv: Option<&str>, started: Instant) {
        if let Some(history) = &self.history {
            let duration = started.elapsed();
            history.record(&Attempt {
                route: request.route,
                method: request.method.as_str(),
                path: request.url.path(),
                attempt,
                status,
                ms_cv,
                started: SystemTime::now() - duration,
                duration,
            });
        }
        log_request(request, attempt, status, ms_cv, started);
    }
}

fn log_request(request: &Request, attempt: u32, status: Option<u16>, ms_cv: Option<&str>, started: Instant) {
    tracing::info!(
        target: "arr_session::http",
        ms_cv = ms_cv.unwrap_or("-"),
        duration_ms = started.elapsed().as_millis() as u64,
        attempt,
        "{} {} -> {}",
        request.method,
        request.url.path(),
        status.map_or_else(|| "no response".to_owned(), |s| s.to_string()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_error_body_shapes() {
        let e = decode_service_error(
            br#"{"error":{"code":"BadRequest","message":"m","innererror":{"code":"x","message":"y"},"details":null}}"#,
        )
        .unwrap();
        assert_eq!((e.code.as_str(), e.message.as_str()), ("BadRequest", "m"));
        assert_eq!(e.inner_error.unwrap().code, "x");
        let v1 = decode_service_error(br#"{"error":"Unable to start"}"#).unwrap();
        assert_eq!(v1.message, "Unable to start");
        assert!(decode_service_error(b"").is_none());
        assert!(decode_service_error(b"<html>").is_none());
    }

    #[test]
    fn reads_storage_error_bodies_and_keeps_the_sas_out_of_the_url() {
        let e = decode_storage_error(
            b"\xEF\xBB\xBF<?xml version=\"1.0\"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.\nRequestId:1\nTime:2024</Message></Error>",
        )
        .unwrap();
        assert_eq!(e.code, "AuthorizationPermissionMismatch");
        assert!(e.message.ends_with("permission."), "{}", e.message);
        let url = Url::parse("http://127.0.0.1:10000/acct/in?restype=container").unwrap();
        let request = Request::get("storage.list", url.clone()).sas(Some(&Secret::new("?sv=1&sig=SECRET")));
        assert_eq!(
            with_sas(&url, request.sas.as_ref().unwrap()).query(),
            Some("restype=container&sv=1&sig=SECRET")
        );
        assert!(!format!("{request:?}").contains("SECRET"));
        assert_eq!(request.url, url);
    }

    #[test]
    fn reads_retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("Retry-After", HeaderValue::from_static("15"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(15)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn correlation_vectors_have_the_official_shape() {
        let cv = new_correlation_vector();
        assert_eq!(cv.len(), 22);
        assert!(cv.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/'));
    }
}
