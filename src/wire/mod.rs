//! The two wire versions of the session API: URLs, request bodies, and tolerant decoding into [`Session`].
//!
//! These modules are pure: they build and read bytes, and never send anything. [`crate::client`] chooses
//! one per configured API version.
//!
//! [`Session`]: crate::model::Session

pub(crate) mod conversions;
pub(crate) mod v1;
pub(crate) mod v2021;

use reqwest::Url;
use serde::{Deserialize, Deserializer};

use crate::error::{Error, ErrorKind, Result};

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
