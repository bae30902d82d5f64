//! The session model: one shape for both wire versions, with the 2021-01-01 field names.
//!
//! `status` and `size` are open strings: the service once answered `Tiny` for a Standard request, and a
//! client that failed to decode that would have stranded a billable session. Known values are
//! normalised to their canonical spelling (`ready` → `Ready`); anything else is kept as sent.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, ServiceError};
use crate::resource_id::validate_session_id;

/// The longest lease the service accepts, in minutes (24 hours).
pub const MAX_LEASE_MINUTES: u32 = 1440;

/// A session's state. Terminal states are `Error`, `Expired` and `Stopped`.
///
/// An open enum: a value this version does not know is kept in [`SessionStatus::Other`], so a new state
/// never makes a session unreadable. Known values are matched in any case.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum SessionStatus {
    /// The VM is being prepared.
    Starting,
    /// The session accepts connections.
    Ready,
    /// Stopped by a client.
    Stopped,
    /// The lease ran out.
    Expired,
    /// The session failed; its `error` says why.
    Error,
    /// A value this version does not know, as sent.
    Other(String),
}

impl SessionStatus {
    /// The value as the service spells it.
    pub fn as_str(&self) -> &str {
        match self {
            SessionStatus::Starting => "Starting",
            SessionStatus::Ready => "Ready",
            SessionStatus::Stopped => "Stopped",
            SessionStatus::Expired => "Expired",
            SessionStatus::Error => "Error",
            SessionStatus::Other(other) => other,
        }
    }

    /// Whether the session accepts connections.
    pub fn is_ready(&self) -> bool {
        *self == SessionStatus::Ready
    }

    /// Whether the session is still starting.
    pub fn is_starting(&self) -> bool {
        *self == SessionStatus::Starting
    }

    /// Error, Expired or Stopped: the session will never become Ready.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            SessionStatus::Error | SessionStatus::Expired | SessionStatus::Stopped
        )
    }
}

impl From<&str> for SessionStatus {
    fn from(value: &str) -> SessionStatus {
        [
            SessionStatus::Starting,
            SessionStatus::Ready,
            SessionStatus::Stopped,
            SessionStatus::Expired,
            SessionStatus::Error,
        ]
        .into_iter()
        .find(|known| known.as_str().eq_ignore_ascii_case(value))
        .unwrap_or_else(|| SessionStatus::Other(value.to_owned()))
    }
}

impl From<String> for SessionStatus {
    fn from(value: String) -> SessionStatus {
        SessionStatus::from(value.as_str())
    }
}

impl From<SessionStatus> for String {
    fn from(status: SessionStatus) -> String {
        match status {
            SessionStatus::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The VM size. Requests accept only Standard and Premium (any case); answers may carry other values
/// (the service once answered `Tiny`), kept in [`SessionSize::Other`].
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum SessionSize {
    /// The standard VM (the service's default).
    #[default]
    Standard,
    /// The premium VM, for larger models.
    Premium,
    /// A value this version does not know, as sent.
    Other(String),
}

impl SessionSize {
    /// Validates a size for a request: Standard or Premium in any case.
    pub fn parse_requested(value: &str) -> Result<SessionSize> {
        match SessionSize::from(value.trim()) {
            SessionSize::Other(_) => Err(Error::invalid_argument(
                "size",
                format_args!("must be Standard or Premium, not {value:?}"),
            )),
            known => Ok(known),
        }
    }

    /// The value as the service spells it.
    pub fn as_str(&self) -> &str {
        match self {
            SessionSize::Standard => "Standard",
            SessionSize::Premium => "Premium",
            SessionSize::Other(other) => other,
        }
    }
}

impl From<&str> for SessionSize {
    fn from(value: &str) -> SessionSize {
        [SessionSize::Standard, SessionSize::Premium]
            .into_iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(value))
            .unwrap_or_else(|| SessionSize::Other(value.to_owned()))
    }
}

impl From<String> for SessionSize {
    fn from(value: String) -> SessionSize {
        SessionSize::from(value.as_str())
    }
}

impl From<SessionSize> for String {
    fn from(size: SessionSize) -> String {
        match size {
            SessionSize::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}

impl fmt::Display for SessionSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rendering session as the service last described it.
///
/// Serialises with the REST names of api-version 2021-01-01; fields the service did not send (or sent as
/// `null`/`0` in the early-2021 style) are `None` and left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The session id.
    pub id: String,
    /// Its state.
    pub status: SessionStatus,
    /// The VM size the service reports.
    pub size: SessionSize,
    /// The lease: minutes the session may run after becoming Ready (absolute, not what is left).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lease_time_minutes: Option<u32>,
    /// Minutes since the session became Ready, as the service counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_time_minutes: Option<u32>,
    /// Where a renderer connects, once Ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The port a renderer connects to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_port: Option<u16>,
    /// The port of the ArrInspector diagnostics page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arr_inspector_port: Option<u16>,
    /// The VM's compute power.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teraflops: Option<f64>,
    /// As sent: `...Z` or `...+00:00`, 0 to 7 fraction digits. See [`Session::creation_time`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
    /// Why the session failed, when it is in `Error` (or a message the service attached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ServiceError>,
}

impl Session {
    /// A session just created with these settings, before the service has said more.
    pub(crate) fn starting(id: String, size: SessionSize, max_lease_time_minutes: u32) -> Session {
        Session {
            id,
            status: SessionStatus::Starting,
            size,
            max_lease_time_minutes: Some(max_lease_time_minutes),
            elapsed_time_minutes: None,
            hostname: None,
            handshake_port: None,
            arr_inspector_port: None,
            teraflops: None,
            creation_time: None,
            error: None,
        }
    }

    /// `creation_time` as a point in time, when present and readable.
    pub fn creation_time(&self) -> Option<SystemTime> {
        self.creation_time
            .as_deref()
            .and_then(arr_wire_time::timestamp::parse_rfc3339)
    }

    /// The lease still left, when the service reported both lease and elapsed time.
    pub fn remaining_lease(&self) -> Option<Duration> {
        let lease = self.max_lease_time_minutes?;
        let elapsed = self.elapsed_time_minutes.unwrap_or(0);
        Some(Duration::from_secs(u64::from(lease.saturating_sub(elapsed)) * 60))
    }
}

/// What to create. `id: None` lets the library choose a random one (a GUID, as the native SDK does).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSessionOptions {
    /// The session id (2021-01-01 only); `None` for a new GUID.
    pub id: Option<String>,
    /// Standard or Premium.
    pub size: SessionSize,
    /// The lease, 0 to 1440 minutes after Ready. Signed because a negative lease is sent as it is: the
    /// service refuses it (400, "... cannot be negative."), which is the error Microsoft's SDKs give their
    /// callers, so a local check would change what a migrating caller catches.
    pub max_lease_time_minutes: i64,
    /// Whether the client owns the new session (see [`crate::Client::stop_owned_sessions`]). Default true.
    pub owned: bool,
}

impl CreateSessionOptions {
    /// A session of `size` with a lease of `max_lease_time_minutes`, owned by the client.
    pub fn new(size: SessionSize, max_lease_time_minutes: u32) -> CreateSessionOptions {
        CreateSessionOptions {
            id: None,
            size,
            max_lease_time_minutes: i64::from(max_lease_time_minutes),
            owned: true,
        }
    }

    /// Reads the JSON form the C ABI and the bindings pass:
    /// `{"id"?: "my-session", "size": "Standard", "maxLeaseTimeMinutes": 60, "owned"?: true}`. Unknown
    /// keys and bad values are refused with an error naming the key.
    pub fn from_json(text: &str) -> Result<CreateSessionOptions> {
        let mut map = crate::json_fields::object(text, "options")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "");
        let id = fields.optional_string("id")?;
        let owned = fields.optional_bool("owned")?.unwrap_or(true);
        let size = fields.required_string("size")?;
        let lease = fields
            .optional_i64("maxLeaseTimeMinutes", i64::from(i32::MIN), i64::from(u32::MAX))?
            .ok_or_else(|| Error::invalid_argument("maxLeaseTimeMinutes", "is required"))?;
        fields.reject_unknown()?;
        validate_lease(lease)?;
        let mut options = CreateSessionOptions::new(SessionSize::parse_requested(&size)?, 0);
        options.max_lease_time_minutes = lease;
        if let Some(id) = id {
            validate_session_id(&id)?;
            options.id = Some(id);
        }
        Ok(options.owned(owned))
    }

    /// With a session id of our choosing.
    pub fn with_id(mut self, id: impl Into<String>) -> CreateSessionOptions {
        self.id = Some(id.into());
        self
    }

    /// Whether the client owns the session (default true): owned sessions are stopped by
    /// [`crate::Client::stop_owned_sessions`] and, when configured, on close.
    pub fn owned(mut self, owned: bool) -> CreateSessionOptions {
        self.owned = owned;
        self
    }
}

/// Checks a lease before it is sent: at most 1440 minutes. A negative one is left to the service, whose
/// 400 is what Microsoft's SDKs report (see [`CreateSessionOptions::max_lease_time_minutes`]).
pub fn validate_lease(minutes: impl Into<i64>) -> Result<()> {
    let minutes = minutes.into();
    if minutes > i64::from(MAX_LEASE_MINUTES) {
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
        assert_eq!(SessionStatus::from("ready"), SessionStatus::Ready);
        assert_eq!(SessionStatus::from("Hibernating").as_str(), "Hibernating");
        assert_eq!(SessionSize::from("premium"), SessionSize::Premium);
        assert_eq!(SessionSize::from("Tiny"), SessionSize::Other("Tiny".into()));
        let json = serde_json::to_string(&SessionSize::Other("Tiny".into())).unwrap();
        assert_eq!(json, "\"Tiny\"");
        assert!(SessionSize::parse_requested("Tiny").is_err());
        assert_eq!(SessionSize::parse_requested("STANDARD").unwrap().as_str(), "Standard");
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
