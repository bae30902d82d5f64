//! api-version 2021-01-01: `PUT/GET/PATCH /accounts/{a}/sessions/{s}`, `POST .../{s}/:stop`, list with `@nextLink`.

use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::json;

use super::{decode, join, port, whole_u32, SessionWire};
use crate::error::{Error, ErrorKind, Result, ServiceError};
use crate::session::{Session, SessionSize, SessionStatus};
use crate::transport::Request;

pub(crate) const API_VERSION: &str = "2021-01-01";

/// The URLs of one account's sessions, each cut from a prefix built once per client (cheaper than
/// encoding every segment and the query on every call).
pub(crate) struct SessionUrls {
    /// `<base>/accounts/<account>/sessions?api-version=2021-01-01`, which is also the list URL.
    sessions: Url,
}

impl SessionUrls {
    pub fn new(base: &Url, account_id: &str) -> SessionUrls {
        SessionUrls {
            sessions: with_api_version(join(base, &["accounts", account_id, "sessions"])),
        }
    }

    pub fn session(&self, session_id: &str) -> Url {
        self.below(&[session_id])
    }

    pub fn stop(&self, session_id: &str) -> Url {
        self.below(&[session_id, ":stop"])
    }

    pub fn list(&self) -> Url {
        self.sessions.clone()
    }

    /// The prefix with `segments` appended; the query stays.
    fn below(&self, segments: &[&str]) -> Url {
        let mut url = self.sessions.clone();
        url.path_segments_mut()
            .expect("http(s) URLs have a path")
            .extend(segments);
        url
    }
}

fn with_api_version(mut url: Url) -> Url {
    url.set_query(Some(&format!("api-version={API_VERSION}")));
    url
}

/// The 2021-01-01 session API: the client chooses session ids (so creates are idempotent).
pub(crate) struct Wire {
    urls: SessionUrls,
}

impl Wire {
    pub fn new(base: &Url, account_id: &str) -> Wire {
        Wire {
            urls: SessionUrls::new(base, account_id),
        }
    }
}

impl SessionWire for Wire {
    fn client_chooses_ids(&self) -> bool {
        true
    }

    fn speaks_conversions(&self) -> bool {
        true
    }

    fn create(&self, id: Option<&str>, size: &SessionSize, lease: i64) -> Request {
        let id = id.expect("the client chooses 2021-01-01 session ids");
        Request::new("sessions.create", Method::PUT, self.urls.session(id))
            .json(&create_body(size, lease))
            .subject(id)
    }

    fn created(&self, body: &[u8], _: &SessionSize, _: i64) -> Result<Session> {
        decode_session(body)
    }

    fn get(&self, id: &str) -> Request {
        Request::get("sessions.get", self.urls.session(id)).subject(id)
    }

    fn session(&self, body: &[u8]) -> Result<Session> {
        decode_session(body)
    }

    fn update(&self, id: &str, lease: u32) -> Request {
        Request::new("sessions.update", Method::PATCH, self.urls.session(id))
            .json(&update_body(lease))
            .subject(id)
    }

    fn updated(&self, body: &[u8]) -> Option<Result<Session>> {
        Some(decode_session(body))
    }

    fn stop(&self, id: &str) -> Request {
        Request::new("sessions.stop", Method::POST, self.urls.stop(id)).subject(id)
    }

    fn list(&self) -> Request {
        Request::get("sessions.list", self.urls.list())
    }

    fn list_page(&self, body: &[u8]) -> Result<(Vec<Session>, Option<String>)> {
        decode_list(body)
    }
}

pub(crate) fn create_body(size: &SessionSize, max_lease_time_minutes: i64) -> serde_json::Value {
    json!({ "maxLeaseTimeMinutes": max_lease_time_minutes, "size": size.as_str() })
}

pub(crate) fn update_body(max_lease_time_minutes: u32) -> serde_json::Value {
    json!({ "maxLeaseTimeMinutes": max_lease_time_minutes })
}

/// `session_properties` as the service wrote it over the years: every field but `id`/`status` may be
/// absent, `null`, or `0`; numbers may be written as floats; unknown fields are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSession {
    id: Option<String>,
    status: Option<String>,
    size: Option<String>,
    max_lease_time_minutes: Option<f64>,
    elapsed_time_minutes: Option<f64>,
    hostname: Option<String>,
    handshake_port: Option<f64>,
    arr_inspector_port: Option<f64>,
    teraflops: Option<f64>,
    creation_time: Option<String>,
    error: Option<ServiceError>,
}

impl WireSession {
    fn into_session(self) -> Result<Session> {
        let id = self.id.filter(|s| !s.is_empty()).ok_or_else(|| missing("id"))?;
        let status = self.status.filter(|s| !s.is_empty()).ok_or_else(|| missing("status"))?;
        Ok(Session {
            id,
            status: SessionStatus::from(status.as_str()),
            size: SessionSize::from(self.size.as_deref().unwrap_or("Unknown")),
            max_lease_time_minutes: whole_u32(self.max_lease_time_minutes),
            elapsed_time_minutes: whole_u32(self.elapsed_time_minutes),
            hostname: self.hostname.filter(|h| !h.is_empty()),
            handshake_port: port(self.handshake_port),
            arr_inspector_port: port(self.arr_inspector_port),
            teraflops: self.teraflops.filter(|t| t.is_finite() && *t > 0.0),
            creation_time: self.creation_time.filter(|t| !t.is_empty()),
            error: self.error,
        })
    }
}

fn missing(field: &str) -> Error {
    Error::new(ErrorKind::Decode, format!("the session in the response has no {field}"))
}

pub(crate) fn decode_session(body: &[u8]) -> Result<Session> {
    decode::<WireSession>(body, "session")?.into_session()
}

/// One page of the list: the sessions and the absolute URL of the next page, if any.
pub(crate) fn decode_list(body: &[u8]) -> Result<(Vec<Session>, Option<String>)> {
    #[derive(Deserialize)]
    struct WireList {
        #[serde(default, deserialize_with = "super::null_as_default")]
        sessions: Vec<WireSession>,
        #[serde(rename = "@nextLink", alias = "@nextlink")]
        next_link: Option<String>,
    }
    let list: WireList = decode(body, "session list")?;
    let sessions = list
        .sessions
        .into_iter()
        .map(WireSession::into_session)
        .collect::<Result<Vec<_>>>()?;
    Ok((sessions, list.next_link.filter(|l| !l.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_url_keeps_the_colon_literal() {
        let base = Url::parse("https://remoterendering.eastus.mixedreality.azure.com").unwrap();
        let url = SessionUrls::new(&base, "a").stop("s-1");
        assert_eq!(url.as_str(), "https://remoterendering.eastus.mixedreality.azure.com/accounts/a/sessions/s-1/:stop?api-version=2021-01-01");
    }

    #[test]
    fn base_paths_are_kept() {
        let urls = SessionUrls::new(&Url::parse("https://gateway.example/arr/").unwrap(), "a");
        assert_eq!(
            urls.list().as_str(),
            "https://gateway.example/arr/accounts/a/sessions?api-version=2021-01-01"
        );
        assert_eq!(
            urls.session("s-1").as_str(),
            "https://gateway.example/arr/accounts/a/sessions/s-1?api-version=2021-01-01"
        );
    }

    #[test]
    fn decodes_the_spec_example() {
        let s = decode_session(
            br#"{"id":"contoso","creationTime":"2020-11-11T11:11:11.111Z","arrInspectorPort":50052,
            "handshakePort":50051,"elapsedTimeMinutes":10,"hostname":"h.example","maxLeaseTimeMinutes":60,
            "size":"Standard","status":"Ready","error":null,"teraflops":10.6}"#,
        )
        .unwrap();
        assert_eq!(
            (s.status.as_str(), s.handshake_port, s.arr_inspector_port),
            ("Ready", Some(50051), Some(50052))
        );
        assert_eq!(
            (s.elapsed_time_minutes, s.max_lease_time_minutes, s.teraflops),
            (Some(10), Some(60), Some(10.6))
        );
        assert!(s.creation_time().is_some());
    }

    #[test]
    fn decodes_the_early_2021_zeros_and_nulls_as_absent() {
        let s = decode_session(
            br#"{"id":"s","arrInspectorPort":0,"handshakePort":0,"hostname":null,"teraflops":0.0,
            "error":null,"elapsedTimeMinutes":0,"maxLeaseTimeMinutes":4,"size":"Standard","status":"Starting",
            "creationTime":"2021-01-29T16:04:29.1569219+00:00"}"#,
        )
        .unwrap();
        assert_eq!(
            (s.handshake_port, s.hostname.as_deref(), s.teraflops, s.error.as_ref()),
            (None, None, None, None)
        );
        assert!(s.creation_time().is_some());
    }

    #[test]
    fn decodes_unknown_sizes_statuses_and_fields() {
        let s = decode_session(br#"{"id":"s","size":"Tiny","status":"Hibernating","futureField":{"x":1}}"#).unwrap();
        assert_eq!((s.size.as_str(), s.status.as_str()), ("Tiny", "Hibernating"));
    }

    #[test]
    fn decodes_a_session_error() {
        let s = decode_session(
            br#"{"id":"s","status":"Error","size":"Premium","error":{"code":"X","message":"boom","details":null}}"#,
        )
        .unwrap();
        assert_eq!(s.error.unwrap().message, "boom");
    }

    #[test]
    fn a_session_without_id_is_a_decode_error() {
        assert_eq!(
            decode_session(br#"{"status":"Ready"}"#).unwrap_err().kind(),
            ErrorKind::Decode
        );
        assert_eq!(decode_session(b"{").unwrap_err().kind(), ErrorKind::Decode);
    }

    #[test]
    fn list_pages_carry_next_links_in_either_spelling() {
        let (s, next) = decode_list(
            br#"{"sessions":[{"id":"a","status":"Ready","size":"Standard"}],"@nextLink":"https://x/y?skiptoken=1"}"#,
        )
        .unwrap();
        assert_eq!((s.len(), next.as_deref()), (1, Some("https://x/y?skiptoken=1")));
        let (_, next) = decode_list(br#"{"sessions":[],"@nextlink":"https://x/z"}"#).unwrap();
        assert_eq!(next.as_deref(), Some("https://x/z"));
        let (_, next) = decode_list(br#"{"sessions":[],"@nextLink":null}"#).unwrap();
        assert_eq!(next, None);
    }
}
