//! `arr_status`: the result of every fallible exported function.

use arr_session::ErrorKind;

/// What an `arr_` function did. The numbers are part of the ABI: they are never changed or reused, and
/// new ones are only added at the end.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrStatus {
    /// Success. Out-parameters have been written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// An argument was invalid: not UTF-8, malformed JSON, unknown config key, bad session id, lease out
    /// of range, wrong size; or the service answered 400/422.
    InvalidArgument = 2,
    /// HTTP 404: no such session.
    NotFound = 3,
    /// HTTP 409: a session with that id exists with other settings.
    Conflict = 4,
    /// HTTP 401: missing, wrong or expired credentials (at the STS or the rendering endpoint).
    Unauthorized = 5,
    /// HTTP 403: valid credentials, but not for this account.
    Forbidden = 6,
    /// HTTP 429 after the retry policy gave up; the last error has `retryAfterSeconds`.
    Throttled = 7,
    /// HTTP 5xx after retries, or another unexpected status.
    ServiceError = 8,
    /// The service could not be reached, or the connection broke.
    Network = 9,
    /// A request or a wait ran past its configured time.
    Timeout = 10,
    /// The operation was cancelled (`arr_client_cancel`, `arr_client_free`, `arr_shutdown`).
    Cancelled = 11,
    /// The service's answer could not be read.
    Decode = 12,
    /// A wait ended because the session reached Error, Expired or Stopped (the last error has the session);
    /// or, as a keeper's last call, every kept session has ended.
    SessionEnded = 13,
    /// A bug: the library panicked. The call was abandoned; the process and the library live on.
    Panic = 14,
    /// The client was created before `arr_shutdown`; create a new one.
    Shutdown = 15,
    /// A blocking function was called from inside a library callback, where it could deadlock.
    BlockingInCallback = 16,
    /// The client was closed (`arr_client_close`); only `arr_client_free` is left to call.
    Closed = 17,
    /// The client was created in the parent process before `fork()`; create a new client in this process.
    /// Freeing it is safe and touches nothing the parent uses.
    Forked = 18,
}

impl ArrStatus {
    /// The constant's name as it appears in the header, used in the last-error JSON.
    pub fn name(self) -> &'static str {
        match self {
            ArrStatus::Ok => "ARR_STATUS_OK",
            ArrStatus::NullArgument => "ARR_STATUS_NULL_ARGUMENT",
            ArrStatus::InvalidArgument => "ARR_STATUS_INVALID_ARGUMENT",
            ArrStatus::NotFound => "ARR_STATUS_NOT_FOUND",
            ArrStatus::Conflict => "ARR_STATUS_CONFLICT",
            ArrStatus::Unauthorized => "ARR_STATUS_UNAUTHORIZED",
            ArrStatus::Forbidden => "ARR_STATUS_FORBIDDEN",
            ArrStatus::Throttled => "ARR_STATUS_THROTTLED",
            ArrStatus::ServiceError => "ARR_STATUS_SERVICE_ERROR",
            ArrStatus::Network => "ARR_STATUS_NETWORK",
            ArrStatus::Timeout => "ARR_STATUS_TIMEOUT",
            ArrStatus::Cancelled => "ARR_STATUS_CANCELLED",
            ArrStatus::Decode => "ARR_STATUS_DECODE",
            ArrStatus::SessionEnded => "ARR_STATUS_SESSION_ENDED",
            ArrStatus::Panic => "ARR_STATUS_PANIC",
            ArrStatus::Shutdown => "ARR_STATUS_SHUTDOWN",
            ArrStatus::BlockingInCallback => "ARR_STATUS_BLOCKING_IN_CALLBACK",
            ArrStatus::Closed => "ARR_STATUS_CLOSED",
            ArrStatus::Forked => "ARR_STATUS_FORKED",
        }
    }
}

impl From<ErrorKind> for ArrStatus {
    fn from(kind: ErrorKind) -> ArrStatus {
        match kind {
            ErrorKind::InvalidArgument => ArrStatus::InvalidArgument,
            ErrorKind::NotFound => ArrStatus::NotFound,
            ErrorKind::Conflict => ArrStatus::Conflict,
            ErrorKind::Unauthorized => ArrStatus::Unauthorized,
            ErrorKind::Forbidden => ArrStatus::Forbidden,
            ErrorKind::Throttled => ArrStatus::Throttled,
            ErrorKind::Service => ArrStatus::ServiceError,
            ErrorKind::Network => ArrStatus::Network,
            ErrorKind::Timeout => ArrStatus::Timeout,
            ErrorKind::Cancelled => ArrStatus::Cancelled,
            ErrorKind::Decode => ArrStatus::Decode,
            ErrorKind::SessionEnded => ArrStatus::SessionEnded,
            ErrorKind::Closed => ArrStatus::Closed,
            // A kind added to the core before the ABI has a status for it: the most general failure.
            _ => ArrStatus::ServiceError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_kind_has_one_spelling_the_status_name() {
        let kinds = [
            ErrorKind::InvalidArgument,
            ErrorKind::NotFound,
            ErrorKind::Conflict,
            ErrorKind::Unauthorized,
            ErrorKind::Forbidden,
            ErrorKind::Throttled,
            ErrorKind::Service,
            ErrorKind::Network,
            ErrorKind::Timeout,
            ErrorKind::Cancelled,
            ErrorKind::Decode,
            ErrorKind::SessionEnded,
            ErrorKind::Closed,
        ];
        for kind in kinds {
            assert_eq!(ArrStatus::from(kind).name(), kind.as_str());
        }
    }
}
