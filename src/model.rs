//! The session model: one shape for both wire versions, with the 2021-01-01 field names.
//!
//! `status` and `size` are open strings: the service once answered `Tiny` for a Standard request, and a
//! client that failed to decode that would have stranded a billable session. Known values are
//! normalised to their canonical spelling (`ready` → `Ready`); anything else is kept as sent.

use std::fmt;
use std::ops::Deref;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, ServiceError};

/// The longest lease the service accepts, in minutes (24 hours).
pub const MAX_LEASE_MINUTES: u32 = 1440;

/// A session's state. Terminal states are `Error`, `Expired` and `Stopped`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionStatus(String);

impl SessionStatus {
    pub const STARTING: &'static str = "Starting";
    pub const READY: &'static str = "Ready";
    pub const STOPPED: &'static str = "Stopped";
    pub const EXPIRED: &'static str = "Expired";
    pub const ERROR: &'static str = "Error";
    const KNOWN: [&'static str; 5] = [Self::STARTING, Self::READY, Self::STOPPED, Self::EXPIRED, Self::ERROR];

    /// Canonical spelling for known values; anything else as given.
    pub fn new(value: &str) -> SessionStatus {
        SessionStatus(canonical(value, &Self::KNOWN))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_ready(&self) -> bool {
        self.0 == Self::READY
    }

    pub fn is_starting(&self) -> bool {
        self.0 == Self::STARTING
    }

    /// Error, Expired or Stopped: the session will never become Ready.
    pub fn is_terminal(&self) -> bool {
        matches!(self.0.as_str(), Self::ERROR | Self::EXPIRED | Self::STOPPED)
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The VM size. Requests accept only Standard and Premium (any case); answers may carry other values.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionSize(String);

impl SessionSize {
    pub const STANDARD: &'static str = "Standard";
    pub const PREMIUM: &'static str = "Premium";

    /// Canonical spelling for known values; anything else as given (decoding answers).
    pub fn new(value: &str) -> SessionSize {
        SessionSize(canonical(value, &[Self::STANDARD, Self::PREMIUM]))
    }

    pub fn standard() -> SessionSize {
        SessionSize(Self::STANDARD.to_owned())
    }

    pub fn premium() -> SessionSize {
        SessionSize(Self::PREMIUM.to_owned())
    }

    /// Validates a size for a request: Standard or Premium in any case, canonical out.
    pub fn parse_requested(value: &str) -> Result<SessionSize> {
        let size = SessionSize::new(value.trim());
        if size.0 == Self::STANDARD || size.0 == Self::PREMIUM {
            Ok(size)
        } else {
            Err(Error::invalid_argument(
                "size",
                format_args!("must be Standard or Premium, not {value:?}"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SessionSize {
    fn default() -> SessionSize {
        SessionSize::standard()
    }
}

impl fmt::Display for SessionSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn canonical(value: &str, known: &[&str]) -> String {
    known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(value))
        .map_or_else(|| value.to_owned(), |k| (*k).to_owned())
}

/// A rendering session as the service last described it.
///
/// Serialises with the REST names of api-version 2021-01-01; fields the service did not send (or sent as
/// `null`/`0` in the early-2021 style) are `None` and left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub status: SessionStatus,
    pub size: SessionSize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lease_time_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_time_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arr_inspector_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teraflops: Option<f64>,
    /// As sent: `...Z` or `...+00:00`, 0 to 7 fraction digits. See [`Session::creation_time`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ServiceError>,
}

impl Session {
    /// `creation_time` as a point in time, when present and readable.
    pub fn creation_time(&self) -> Option<SystemTime> {
        self.creation_time.as_deref().and_then(crate::timefmt::parse_rfc3339)
    }

    /// The lease still left, when the service reported both lease and elapsed time.
    pub fn remaining_lease(&self) -> Option<Duration> {
        let lease = self.max_lease_time_minutes?;
        let elapsed = self.elapsed_time_minutes.unwrap_or(0);
        Some(Duration::from_secs(u64::from(lease.saturating_sub(elapsed)) * 60))
    }
}

/// What to create. `id: None` lets the library choose a random one (a GUID, as the native SDK does).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSessionOptions {
    pub id: Option<String>,
    pub size: SessionSize,
    pub max_lease_time_minutes: u32,
    /// Whether the client owns the new session (see [`crate::Client::stop_owned_sessions`]). Default true.
    pub owned: bool,
}

impl CreateSessionOptions {
    pub fn new(size: SessionSize, max_lease_time_minutes: u32) -> CreateSessionOptions {
        CreateSessionOptions {
            id: None,
            size,
            max_lease_time_minutes,
            owned: true,
        }
    }

    pub fn with_id(mut self, id: impl Into<String>) -> CreateSessionOptions {
        self.id = Some(id.into());
        self
    }
}

/// A value together with what the service said about the answer that carried it.
///
/// Derefs to the value, so `client.get_session(id).await?.status` reads naturally.
#[derive(Clone, Debug, PartialEq)]
pub struct Response<T> {
    pub value: T,
    /// The `MS-CV` of the (last) response: quote it when reporting a problem.
    pub ms_cv: Option<String>,
    /// The HTTP status of the (last) response.
    pub http_status: u16,
}

impl<T> Response<T> {
    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T> Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Checks a session id the way the service does: 1 to 256 of `A-Z a-z 0-9 - _`.
pub fn validate_session_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 256 {
        return Err(Error::invalid_argument("sessionId", "must be 1 to 256 characters long"));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(Error::invalid_argument(
            "sessionId",
            format_args!("may contain only letters, digits, '-' and '_' (found {bad:?})"),
        ));
    }
    Ok(())
}

/// Checks a lease for create: 0 to 1440 minutes.
pub fn validate_lease(minutes: u32) -> Result<()> {
    if minutes > MAX_LEASE_MINUTES {
        return Err(Error::invalid_argument(
            "maxLeaseTimeMinutes",
            format_args!("must be at most {MAX_LEASE_MINUTES} (24 hours), not {minutes}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_are_canonicalised_and_unknown_kept() {
        assert_eq!(SessionStatus::new("ready").as_str(), "Ready");
        assert_eq!(SessionStatus::new("Hibernating").as_str(), "Hibernating");
        assert_eq!(SessionSize::new("premium").as_str(), "Premium");
        assert_eq!(SessionSize::new("Tiny").as_str(), "Tiny");
        assert!(SessionSize::parse_requested("Tiny").is_err());
        assert_eq!(SessionSize::parse_requested("STANDARD").unwrap().as_str(), "Standard");
    }

    #[test]
    fn session_ids_follow_the_service_rule() {
        assert!(validate_session_id("contoso-session_1").is_ok());
        assert!(validate_session_id(&"a".repeat(256)).is_ok());
        assert!(validate_session_id(&"a".repeat(257)).is_err());
        assert!(validate_session_id("").is_err());
        assert!(validate_session_id("a/b")
            .unwrap_err()
            .message()
            .starts_with("sessionId"));
        assert!(validate_session_id("é").is_err());
    }

    #[test]
    fn leases_above_a_day_are_rejected() {
        assert!(validate_lease(0).is_ok());
        assert!(validate_lease(1440).is_ok());
        assert!(validate_lease(1441)
            .unwrap_err()
            .message()
            .starts_with("maxLeaseTimeMinutes"));
    }
}
