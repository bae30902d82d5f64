//! An attribution row between the floor and the core: a bare reqwest client configured like the core's
//! transport (`src/transport.rs`, `Transport::new`: rustls with the OS store and the bundled roots, the
//! system proxy setting, no redirects, the same pool idle timeout, connect and request timeouts, default
//! `Accept` header and a user agent of the same shape), sending `GET session` with a fixed bearer token
//! on a kept-alive connection. No retry loop, no token cache, no MS-CV or logging, no JSON decoding: the
//! gap floor -> bare is what reqwest itself costs, bare -> core what the core adds on top of reqwest.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION};

/// The core's defaults (`ClientConfig::new`): connect timeout 10 s, request timeout 30 s.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// `Transport::new` sets this on the pool.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

pub struct Bare {
    http: reqwest::Client,
    url: reqwest::Url,
    authorization: HeaderValue,
}

/// Builds the reqwest client alone (what `Client::new` spends most of its time on; see `startup.*`).
pub fn build_client() -> Result<reqwest::Client, String> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    reqwest::Client::builder()
        .default_headers(headers)
        .user_agent(format!(
            "arr-bench-bare/{} ({}; {})",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH
        ))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        // As the core's: the endpoint is plain http, so no trust store is read (reading the OS store was
        // most of this figure).
        .tls_built_in_root_certs(false)
        .build()
        .map_err(|e| format!("reqwest client: {e}"))
}

impl Bare {
    /// `base` is the emulator's base URL, `path` the session path with its query, `bearer` the whole
    /// `Authorization` value (`Bearer <token>`).
    pub fn new(base: &str, path: &str, bearer: &str) -> Result<Bare, String> {
        let url = reqwest::Url::parse(&format!("{}{path}", base.trim_end_matches('/'))).map_err(|e| e.to_string())?;
        let mut authorization = HeaderValue::from_str(bearer).map_err(|e| e.to_string())?;
        authorization.set_sensitive(true);
        Ok(Bare {
            http: build_client()?,
            url,
            authorization,
        })
    }

    /// One `GET`; the body's length (the body is read in full, not decoded).
    pub async fn get(&self) -> Result<usize, String> {
        let response = self
            .http
            .get(self.url.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await
            .map_err(|e| format!("GET {}: {e}", self.url.path()))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| format!("body: {e}"))?;
        if status != 200 {
            return Err(format!("GET {}: HTTP {status}", self.url.path()));
        }
        Ok(body.len())
    }
}
