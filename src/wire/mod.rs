//! The two wire versions of the session API: URLs, request bodies, and tolerant decoding into [`Session`].
//!
//! These modules are pure: they build requests and read bytes, and never send anything. The client holds
//! one [`SessionWire`], chosen by [`for_version`]: the one place that looks at the configured API version.

pub(crate) mod conversions;
pub(crate) mod v1;
pub(crate) mod v2021;

use reqwest::Url;
use serde::{Deserialize, Deserializer};

use crate::config::ApiVersion;
use crate::error::{Error, ErrorKind, Result};
use crate::session::{Session, SessionSize};
use crate::transport::Request;

/// One wire version of the session API: the requests it sends and how it reads the answers.
pub(crate) trait SessionWire: Send + Sync {
    /// Whether the client chooses session ids. Then a retried create finds the session its first attempt
    /// made; otherwise (the service chooses) a create is never retried after an ambiguous failure.
    fn client_chooses_ids(&self) -> bool;
    /// Whether this version has the asset conversion API.
    fn speaks_conversions(&self) -> bool;
    /// The create request; `id` is given exactly when [`SessionWire::client_chooses_ids`]. The lease is
    /// sent as asked, negative included (the service refuses that).
    fn create(&self, id: Option<&str>, size: &SessionSize, lease: i64) -> Request;
    /// The new session, from the create's answer and what was asked.
    fn created(&self, body: &[u8], size: &SessionSize, lease: i64) -> Result<Session>;
    fn get(&self, id: &str) -> Request;
    fn session(&self, body: &[u8]) -> Result<Session>;
    fn update(&self, id: &str, lease: u32) -> Request;
    /// The updated session from the update's answer, or `None` if the answer has none (read it back).
    fn updated(&self, body: &[u8]) -> Option<Result<Session>>;
    fn stop(&self, id: &str) -> Request;
    /// The first page of the list.
    fn list(&self) -> Request;
    /// One page of the list: its sessions and the link to the next page.
    fn list_page(&self, body: &[u8]) -> Result<(Vec<Session>, Option<String>)>;
}

/// The wire of `api` for `account_id` at the rendering endpoint `base`.
pub(crate) fn for_version(api: ApiVersion, base: &Url, account_id: &str) -> Box<dyn SessionWire> {
    match api {
        ApiVersion::V2021_01_01 => Box::new(v2021::Wire::new(base, account_id)),
        ApiVersion::V1 => Box::new(v1::Wire::new(base, account_id)),
    }
}

/// Reads `null` as the type's default (the service wrote `"details": null` in 2021).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `base` with `segments` appended as path segments (the base may carry a path prefix, e.g. behind a gateway).
pub(crate) fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    {
        let mut path = url.path_segments_mut().expect("http(s) URLs have a path");
        path.pop_if_empty();
        // The url crate leaves ':' unencoded in path segments, so `:stop` goes out literally as the SDKs send it.
        path.extend(segments);
    }
    url
}

/// A whole number in the `u32` range, or `None` (the service has sent floats, zeros and nulls).
pub(crate) fn whole_u32(value: Option<f64>) -> Option<u32> {
    value
        .filter(|v| v.is_finite() && *v >= 0.0 && *v <= f64::from(u32::MAX) && v.fract() == 0.0)
        .map(|v| v as u32)
}

/// A usable TCP port; `0` (early-2021 "unknown") and anything out of range become `None`.
pub(crate) fn port(value: Option<f64>) -> Option<u16> {
    whole_u32(value).filter(|p| (1..=65535).contains(p)).map(|p| p as u16)
}

/// Decodes `bytes` as `T`, naming `what` in the error.
pub(crate) fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::new(ErrorKind::Decode, format!("cannot read the {what}: {e}")).with_source(e))
}
