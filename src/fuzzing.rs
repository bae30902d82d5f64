//! Entry points for property tests and fuzz targets (`fuzz/`): each reads untrusted input the way the
//! client does and must never panic, whatever the input. Not part of the supported API.

use crate::error::{Result, ServiceError};
use crate::session::Session;

/// The config parser and the checks `Client::new` runs.
pub fn config(text: &str) -> Result<()> {
    crate::config::ClientConfig::from_json(text)?.resolve().map(|_| ())
}

/// A 2021-01-01 session body.
pub fn session_2021(body: &[u8]) -> Result<Session> {
    crate::wire::v2021::decode_session(body)
}

/// A 2021-01-01 list page: sessions and the next link.
pub fn session_list_2021(body: &[u8]) -> Result<(Vec<Session>, Option<String>)> {
    crate::wire::v2021::decode_list(body)
}

/// A legacy v1 `/properties` body.
pub fn session_v1(body: &[u8]) -> Result<Session> {
    crate::wire::v1::decode_properties(body)
}

/// A legacy v1 list.
pub fn session_list_v1(body: &[u8]) -> Result<Vec<Session>> {
    crate::wire::v1::decode_list(body)
}

/// A legacy v1 create answer.
pub fn created_v1(body: &[u8]) -> Result<String> {
    crate::wire::v1::decode_created(body)
}

/// An error body of either version.
pub fn service_error(body: &[u8]) -> Option<ServiceError> {
    crate::transport::decode_service_error(body)
}

/// Every decoder above on the same bytes (for a single fuzz target over all of them).
pub fn all_decoders(body: &[u8]) {
    let _ = session_2021(body);
    let _ = session_list_2021(body);
    let _ = session_v1(body);
    let _ = session_list_v1(body);
    let _ = created_v1(body);
    let _ = service_error(body);
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = arr_wire_time::timespan::parse(text);
        let _ = arr_wire_time::timestamp::parse_rfc3339(text);
        let _ = crate::auth::jwt_lifetime(text, std::time::SystemTime::now());
    }
}
