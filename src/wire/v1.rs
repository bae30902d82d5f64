//! The legacy v1 API: `POST /v1/accounts/{a}/sessions/create`, `GET .../sessions`, `PATCH` and `DELETE
//! .../sessions/{s}`, `GET .../sessions/{s}/properties`.
//!
//! Mapping onto the 2021 model: `sessionId` → `id`, `sessionStatus` → `status`, `sessionSize` → `size`,
//! `sessionMaxLeaseTime` / `sessionElapsedTime` (TimeSpan strings) → `maxLeaseTimeMinutes` /
//! `elapsedTimeMinutes` (whole minutes, rounded down), `sessionHostname` → `hostname`, ports and
//! `teraflops` as they are, `message` (set when the session failed) → `error.message` with `error.code`
//! `"SessionMessage"`. v1 has no `creationTime`.

use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::json;

use super::{decode, join, port, SessionWire};
use crate::error::{Error, ErrorKind, Result, ServiceError};
use crate::session::{Session, SessionSize, SessionStatus};
use crate::transport::Request;
use arr_wire_time::timespan;

/// The legacy v1 session API: the service chooses session ids, so a create is not idempotent.
pub(crate) struct Wire {
    base: Url,
    account_id: String,
}

impl Wire {
    pub fn new(base: &Url, account_id: &str) -> Wire {
        Wire {
            base: base.clone(),
            account_id: account_id.to_owned(),
        }
    }
}

impl SessionWire for Wire {
    fn client_chooses_ids(&self) -> bool {
        false
    }

    fn speaks_conversions(&self) -> bool {
        // protocol.md §6.2 has the v1 conversion paths but no recording of a real answer to check a client against.
        false
    }

    fn create(&self, _: Option<&str>, size: &SessionSize, lease: i64) -> Request {
        // Not idempotent: a blind retry after an ambiguous failure could start a second billable session.
        Request::new(
            "v1.sessions.create",
            Method::POST,
            create_url(&self.base, &self.account_id),
        )
        .json(&create_body(size, lease))
        .not_idempotent()
    }

    /// v1 answers only the id: the session is reported Starting, with the settings asked for.
    fn created(&self, body: &[u8], size: &SessionSize, lease: i64) -> Result<Session> {
        // Only a lease the service accepted gets here; were a negative one accepted, it grants no minutes.
        let lease = u32::try_from(lease).unwrap_or(0);
        Ok(Session::starting(decode_created(body)?, size.clone(), lease))
    }

    fn get(&self, id: &str) -> Request {
        Request::get(
            "v1.sessions.properties",
            properties_url(&self.base, &self.account_id, id),
        )
        .subject(id)
    }

    fn session(&self, body: &[u8]) -> Result<Session> {
        decode_properties(body)
    }

    fn update(&self, id: &str, lease: u32) -> Request {
        Request::new(
            "v1.sessions.update",
            Method::PATCH,
            session_url(&self.base, &self.account_id, id),
        )
        .json(&update_body(lease))
        .subject(id)
    }

    /// v1 answers an update with an empty 200.
    fn updated(&self, _: &[u8]) -> Option<Result<Session>> {
        None
    }

    fn stop(&self, id: &str) -> Request {
        Request::new(
            "v1.sessions.stop",
            Method::DELETE,
            session_url(&self.base, &self.account_id, id),
        )
        .subject(id)
    }

    fn list(&self) -> Request {
        Request::get("v1.sessions.list", list_url(&self.base, &self.account_id))
    }

    /// v1 lists in one page.
    fn list_page(&self, body: &[u8]) -> Result<(Vec<Session>, Option<String>)> {
        Ok((decode_list(body)?, None))
    }
}

pub(crate) fn create_url(base: &Url, account_id: &str) -> Url {
    join(base, &["v1", "accounts", account_id, "sessions", "create"])
}

pub(crate) fn session_url(base: &Url, account_id: &str, session_id: &str) -> Url {
    join(base, &["v1", "accounts", account_id, "sessions", session_id])
}

pub(crate) fn properties_url(base: &Url, account_id: &str, session_id: &str) -> Url {
    join(
        base,
        &["v1", "accounts", account_id, "sessions", session_id, "properties"],
    )
}

pub(crate) fn list_url(base: &Url, account_id: &str) -> Url {
    join(base, &["v1", "accounts", account_id, "sessions"])
}

/// The documented create body; `models` was always sent empty.
pub(crate) fn create_body(size: &SessionSize, max_lease_time_minutes: i64) -> serde_json::Value {
    // A negative lease goes out as a negative TimeSpan ("-00:04:00"), for the service to refuse.
    let minutes = u32::try_from(max_lease_time_minutes.unsigned_abs()).unwrap_or(u32::MAX);
    let sign = if max_lease_time_minutes < 0 { "-" } else { "" };
    json!({
        "maxLeaseTime": format!("{sign}{}", timespan::format_minutes(minutes)),
        "models": [],
        "size": size.as_str(),
    })
}

pub(crate) fn update_body(max_lease_time_minutes: u32) -> serde_json::Value {
    json!({ "maxLeaseTime": timespan::format_minutes(max_lease_time_minutes) })
}

/// The 202 answer to create: `{"sessionId": "<guid>"}` (read case-insensitively, as PowerShell did).
pub(crate) fn decode_created(body: &[u8]) -> Result<String> {
    #[derive(Deserialize)]
    struct Created {
        #[serde(alias = "SessionId", alias = "sessionid")]
        #[serde(rename = "sessionId")]
        session_id: Option<String>,
    }
    let created: Created = decode(body, "create-session response")?;
    created
        .session_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Error::new(ErrorKind::Decode, "the create-session response has no sessionId"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireProperties {
    session_id: Option<String>,
    session_status: Option<String>,
    session_size: Option<String>,
    session_max_lease_time: Option<String>,
    session_elapsed_time: Option<String>,
    session_hostname: Option<String>,
    message: Option<String>,
    teraflops: Option<f64>,
    handshake_port: Option<f64>,
    arr_inspector_port: Option<f64>,
}

impl WireProperties {
    fn into_session(self) -> Result<Session> {
        let id = self
            .session_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::new(ErrorKind::Decode, "the v1 session properties have no sessionId"))?;
        let status = self
            .session_status
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::new(ErrorKind::Decode, "the v1 session properties have no sessionStatus"))?;
        let minutes = |field: &str, value: Option<String>| -> Result<Option<u32>> {
            match value.filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => timespan::parse(&v)
                    .filter(|t| !t.negative)
                    .map(|t| Some(timespan::whole_minutes(t.duration)))
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::Decode,
                            format!("the v1 field {field} is not a TimeSpan: {v:?}"),
                        )
                    }),
            }
        };
        Ok(Session {
            id,
            status: SessionStatus::from(status.as_str()),
            size: SessionSize::from(self.session_size.as_deref().unwrap_or("Unknown")),
            max_lease_time_minutes: minutes("sessionMaxLeaseTime", self.session_max_lease_time)?,
            elapsed_time_minutes: minutes("sessionElapsedTime", self.session_elapsed_time)?,
            hostname: self.session_hostname.filter(|h| !h.is_empty()),
            handshake_port: port(self.handshake_port),
            arr_inspector_port: port(self.arr_inspector_port),
            teraflops: self.teraflops.filter(|t| t.is_finite() && *t > 0.0),
            creation_time: None,
            error: self.message.filter(|m| !m.is_empty()).map(|message| ServiceError {
                code: "SessionMessage".to_owned(),
                message,
                ..ServiceError::default()
            }),
        })
    }
}

pub(crate) fn decode_properties(body: &[u8]) -> Result<Session> {
    decode::<WireProperties>(body, "v1 session properties")?.into_session()
}

/// The list; a 204 or empty body is an empty list.
pub(crate) fn decode_list(body: &[u8]) -> Result<Vec<Session>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    #[derive(Deserialize)]
    struct WireList {
        #[serde(default, deserialize_with = "super::null_as_default")]
        sessions: Vec<WireProperties>,
    }
    decode::<WireList>(body, "v1 session list")?
        .sessions
        .into_iter()
        .map(WireProperties::into_session)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body_uses_timespans() {
        let body = create_body(&SessionSize::Standard, 240);
        assert_eq!(
            body,
            json!({"maxLeaseTime": "04:00:00", "models": [], "size": "Standard"})
        );
        assert_eq!(update_body(1440), json!({"maxLeaseTime": "1.00:00:00"}));
        // A negative lease goes out as a negative TimeSpan, for the service to refuse.
        assert_eq!(create_body(&SessionSize::Standard, -4)["maxLeaseTime"], "-00:04:00");
    }

    #[test]
    fn decodes_the_documented_properties_capture() {
        let s = decode_properties(br#"{"message":null,"sessionElapsedTime":"00:00:01","sessionHostname":"5018fee8.remoterenderingvm.westeurope.mixedreality.azure.com","sessionId":"e13d2c44-63e0-4591-991e-f9e05e599a93","sessionMaxLeaseTime":"04:00:00","sessionStatus":"Ready"}"#).unwrap();
        assert_eq!(
            (s.status.as_str(), s.max_lease_time_minutes, s.elapsed_time_minutes),
            ("Ready", Some(240), Some(0))
        );
        assert_eq!(s.size.as_str(), "Unknown");
        assert!(s.error.is_none());
    }

    #[test]
    fn a_failure_message_becomes_the_session_error() {
        let s = decode_properties(br#"{"sessionId":"x","sessionStatus":"Error","message":"VM failed"}"#).unwrap();
        assert_eq!(s.error.unwrap().message, "VM failed");
    }

    #[test]
    fn decodes_created_and_lists() {
        assert_eq!(
            decode_created(br#"{"sessionId":"d31bddca-dab7-498e-9bc9-7594bc12862f"}"#).unwrap(),
            "d31bddca-dab7-498e-9bc9-7594bc12862f"
        );
        assert!(decode_created(b"{}").is_err());
        assert!(decode_list(b"").unwrap().is_empty());
        assert!(decode_list(br#"{"sessions":[]}"#).unwrap().is_empty());
        assert_eq!(
            decode_list(
                br#"{"sessions":[{"sessionId":"a","sessionStatus":"Starting","sessionMaxLeaseTime":"4:0:0"}]}"#
            )
            .unwrap()[0]
                .max_lease_time_minutes,
            Some(240)
        );
    }

    #[test]
    fn a_malformed_timespan_is_a_decode_error() {
        let e = decode_properties(br#"{"sessionId":"x","sessionStatus":"Ready","sessionMaxLeaseTime":"four hours"}"#)
            .unwrap_err();
        assert!(e.message().contains("sessionMaxLeaseTime"));
    }
}
