//! The one error type of the library.
//!
//! Every failure, whether it was found before sending (bad argument), reported by the service (HTTP status
//! plus `error.code`/`error.message`), or met on the way (network, timeout), becomes an [`Error`] with an
//! [`ErrorKind`]. The service's correlation vector (`MS-CV`) is kept because it is what support asks for.
//! Neither `Display` nor `Debug` ever contains a secret: error texts are built only from the service's
//! error body, our own messages, and the request path, never from headers we sent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::session::Session;

/// What went wrong, in the terms a caller acts on.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Rejected before sending (bad id, lease out of range, malformed config), or a 400/422 from the service.
    InvalidArgument,
    /// 404: no session with that id.
    NotFound,
    /// 409: a session with that id exists with other settings.
    Conflict,
    /// 401 from the service or the STS: missing, wrong or expired credentials.
    Unauthorized,
    /// 403: the credentials are valid but not for this resource.
    Forbidden,
    /// 429 after the retry policy gave up.
    Throttled,
    /// 5xx (after retries) or any other unexpected status.
    Service,
    /// The request could not be sent or the connection broke.
    Network,
    /// A request or a wait ran past its configured time.
    Timeout,
    /// The caller cancelled the operation.
    Cancelled,
    /// The service answered something we cannot read.
    Decode,
    /// A wait ended because the session reached Error, Expired or Stopped instead of Ready.
    SessionEnded,
    /// The client was closed ([`crate::Client::close`]); it takes no new operations.
    Closed,
}

impl ErrorKind {
    /// The kind's name in every JSON the library writes (error objects, keeper events, the CLI's JSON) and
    /// in the C ABI's status constants: `ARR_STATUS_NOT_FOUND`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "ARR_STATUS_INVALID_ARGUMENT",
            ErrorKind::NotFound => "ARR_STATUS_NOT_FOUND",
            ErrorKind::Conflict => "ARR_STATUS_CONFLICT",
            ErrorKind::Unauthorized => "ARR_STATUS_UNAUTHORIZED",
            ErrorKind::Forbidden => "ARR_STATUS_FORBIDDEN",
            ErrorKind::Throttled => "ARR_STATUS_THROTTLED",
            ErrorKind::Service => "ARR_STATUS_SERVICE_ERROR",
            ErrorKind::Network => "ARR_STATUS_NETWORK",
            ErrorKind::Timeout => "ARR_STATUS_TIMEOUT",
            ErrorKind::Cancelled => "ARR_STATUS_CANCELLED",
            ErrorKind::Decode => "ARR_STATUS_DECODE",
            ErrorKind::SessionEnded => "ARR_STATUS_SESSION_ENDED",
            ErrorKind::Closed => "ARR_STATUS_CLOSED",
        }
    }

    /// The kind an HTTP error status maps to.
    pub fn from_http_status(status: u16) -> ErrorKind {
        match status {
            400 | 422 => ErrorKind::InvalidArgument,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            408 => ErrorKind::Timeout,
            429 => ErrorKind::Throttled,
            _ => ErrorKind::Service,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The service's `error` object (`error_response.error` on the wire), also used for a session's own `error`.
///
/// Both `innerError` (2021-01-01) and `innererror` (early preview) are read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceError {
    /// The service's error code, e.g. `BadRequest`.
    #[serde(default)]
    pub code: String,
    /// The service's message.
    #[serde(default)]
    pub message: String,
    /// What the error is about, when the service says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::wire::null_as_default"
    )]
    /// Further errors that together make this one.
    pub details: Vec<ServiceError>,
    /// A more specific error, when the service gives one.
    #[serde(default, alias = "innererror", skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<Box<ServiceError>>,
}

/// A failed operation. Small (one pointer), so `Result<T, Error>` stays cheap to return.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    http_status: Option<u16>,
    service_error: Option<ServiceError>,
    ms_cv: Option<String>,
    retry_after: Option<Duration>,
    session: Option<Box<Session>>,
    /// For bad arguments found before sending: the argument or config key at fault.
    argument: Option<String>,
    /// A `Timeout` that is a wait's own deadline (not a request that ran past `requestTimeoutMs`).
    wait_deadline: bool,
    /// The underlying I/O, TLS or decoding error, for [`std::error::Error::source`].
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    fn from_inner(inner: Inner) -> Error {
        Error { inner: Box::new(inner) }
    }

    /// An error of `kind` with our own message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::from_inner(Inner {
            kind,
            message: message.into(),
            http_status: None,
            service_error: None,
            ms_cv: None,
            retry_after: None,
            session: None,
            argument: None,
            wait_deadline: false,
            source: None,
        })
    }

    /// A bad argument found before anything was sent; `field` names it in the message.
    pub fn invalid_argument(field: &str, problem: impl fmt::Display) -> Error {
        let mut error = Error::new(ErrorKind::InvalidArgument, format!("{field}: {problem}"));
        error.inner.argument = Some(field.to_owned());
        error
    }

    /// The argument or configuration key that was refused before sending, if that is what happened.
    pub fn argument(&self) -> Option<&str> {
        self.inner.argument.as_deref()
    }

    /// An error answer from the service.
    pub(crate) fn from_response(
        status: u16,
        service_error: Option<ServiceError>,
        ms_cv: Option<String>,
        retry_after: Option<Duration>,
        what: &str,
    ) -> Error {
        let message = match &service_error {
            Some(e) if !e.message.is_empty() => e.message.clone(),
            _ => format!("{what} failed: HTTP {status} {}", reason_phrase(status))
                .trim_end()
                .to_owned(),
        };
        Error::from_inner(Inner {
            kind: ErrorKind::from_http_status(status),
            message,
            http_status: Some(status),
            service_error,
            ms_cv,
            retry_after,
            session: None,
            argument: None,
            wait_deadline: false,
            source: None,
        })
    }

    /// A wait that ended because the session reached a terminal state; carries the session's own error.
    pub(crate) fn session_ended(session: Session, ms_cv: Option<String>) -> Error {
        let mut message = format!(
            "session {} ended in state {} instead of becoming Ready",
            session.id, session.status
        );
        if let Some(e) = session.error.as_ref().filter(|e| !e.message.is_empty()) {
            message.push_str(": ");
            message.push_str(&e.message);
        }
        Error::from_inner(Inner {
            kind: ErrorKind::SessionEnded,
            message,
            http_status: None,
            service_error: session.error.clone(),
            ms_cv,
            retry_after: None,
            session: Some(Box::new(session)),
            argument: None,
            wait_deadline: false,
            source: None,
        })
    }

    pub(crate) fn with_ms_cv(mut self, ms_cv: Option<String>) -> Error {
        if self.inner.ms_cv.is_none() {
            self.inner.ms_cv = ms_cv;
        }
        self
    }

    pub(crate) fn with_http_status(mut self, status: u16) -> Error {
        self.inner.http_status = Some(status);
        self
    }

    pub(crate) fn with_session(mut self, session: Session) -> Error {
        self.inner.session = Some(Box::new(session));
        self
    }

    /// What went wrong, in the terms a caller acts on.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Our message, or the service's `error.message` when it sent one.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status of the failing response, if there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }

    /// The service's `error.code` (e.g. `BadRequest`, `Conflict`), if it sent one.
    pub fn code(&self) -> Option<&str> {
        self.inner
            .service_error
            .as_ref()
            .map(|e| e.code.as_str())
            .filter(|c| !c.is_empty())
    }

    /// The whole service error object, with `details`, `target` and `innerError`.
    pub fn service_error(&self) -> Option<&ServiceError> {
        self.inner.service_error.as_ref()
    }

    /// The `MS-CV` header of the failing response: quote it when reporting a problem.
    pub fn ms_cv(&self) -> Option<&str> {
        self.inner.ms_cv.as_deref()
    }

    /// The service's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// For [`ErrorKind::SessionEnded`] and wait timeouts: the session as last seen.
    pub fn session(&self) -> Option<&Session> {
        self.inner.session.as_deref()
    }

    /// Whether trying the same operation again later may succeed.
    /// Whether this is a wait's own timeout ([`crate::WaitOptions::timeout`]) rather than a request
    /// that ran past `requestTimeoutMs` (waits ride those out).
    pub fn is_wait_timeout(&self) -> bool {
        self.inner.wait_deadline
    }

    /// The same error, keeping `source` as its underlying cause.
    pub(crate) fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.inner.source = Some(Arc::new(source));
        self
    }

    /// A wait that ran out of time.
    pub(crate) fn wait_timeout(message: impl Into<String>) -> Error {
        let mut error = Error::new(ErrorKind::Timeout, message);
        error.inner.wait_deadline = true;
        error
    }

    /// Whether trying again later may succeed (throttling, 5xx, network failures, timeouts).
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Throttled | ErrorKind::Network | ErrorKind::Timeout => true,
            ErrorKind::Service => matches!(self.inner.http_status, Some(500 | 502 | 503 | 504) | None),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inner.message)?;
        match (self.inner.http_status, self.code()) {
            (Some(status), Some(code)) => write!(f, " (HTTP {status}, {code})")?,
            (Some(status), None) => write!(f, " (HTTP {status})")?,
            _ => {}
        }
        if let Some(ms_cv) = &self.inner.ms_cv {
            write!(f, " [MS-CV {ms_cv}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    // Written by hand so that it stays secret-free even if a field with a secret is ever added.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("http_status", &self.inner.http_status)
            .field("service_error", &self.inner.service_error)
            .field("ms_cv", &self.inner.ms_cv)
            .field("retry_after", &self.inner.retry_after)
            .field("session", &self.inner.session.as_ref().map(|s| &s.id))
            .finish()
    }
}

/// Two errors are equal when they say the same: kind, message, HTTP status, service error, MS-CV,
/// `Retry-After` and argument (not the underlying cause).
impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        let (a, b) = (&self.inner, &other.inner);
        (
            a.kind,
            &a.message,
            a.http_status,
            &a.service_error,
            &a.ms_cv,
            a.retry_after,
            &a.argument,
        ) == (
            b.kind,
            &b.message,
            b.http_status,
            &b.service_error,
            &b.ms_cv,
            b.retry_after,
            &b.argument,
        )
    }
}

/// The error object every JSON the library writes uses (the C ABI's `arr_last_error`, async callbacks,
/// keeper events, the CLI): `{"status":"ARR_STATUS_NOT_FOUND","httpStatus":404,"code":null,"message":"...",
/// "argument":null,"msCv":"...","retryAfterSeconds":null,"details":[]}`, plus `target`, `innerError` and
/// `session` when known.
impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let inner = &self.inner;
        let service = inner.service_error.as_ref();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("status", inner.kind.as_str())?;
        map.serialize_entry("httpStatus", &inner.http_status)?;
        map.serialize_entry("code", &self.code())?;
        map.serialize_entry("message", &inner.message)?;
        map.serialize_entry("argument", &inner.argument)?;
        map.serialize_entry("msCv", &inner.ms_cv)?;
        map.serialize_entry("retryAfterSeconds", &inner.retry_after.map(|d| d.as_secs_f64()))?;
        map.serialize_entry("details", service.map_or(&[][..], |s| &s.details))?;
        if let Some(target) = service.and_then(|s| s.target.as_ref()) {
            map.serialize_entry("target", target)?;
        }
        if let Some(inner_error) = service.and_then(|s| s.inner_error.as_ref()) {
            map.serialize_entry("innerError", inner_error)?;
        }
        if let Some(session) = &inner.session {
            map.serialize_entry("session", session)?;
        }
        map.end()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Results of this library.
pub type Result<T> = std::result::Result<T, Error>;

fn reason_phrase(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}
