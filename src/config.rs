//! Client configuration: one struct, also readable from the JSON the C ABI takes.
//!
//! JSON keys are camelCase. Unknown keys and invalid values are rejected with an error naming the field,
//! so a typo in a Unity inspector or a config file is found at start-up, not at the first request.

use std::time::Duration;

use reqwest::Url;
use serde_json::Value;

use crate::credentials::{checked_credential, Credential};
use crate::error::{Error, Result};
use crate::json_fields::Fields;
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// Which wire version of the session API to speak.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/accounts/{id}/sessions/{id}?api-version=2021-01-01` (PUT, GET, PATCH, POST `:stop`, list).
    #[default]
    V2021_01_01,
    /// The legacy `/v1/accounts/{id}/sessions/...` API (server-chosen ids, timespans, DELETE).
    V1,
}

impl ApiVersion {
    /// Parses `"2021-01-01"` or `"v1"` (the names used in config JSON and on the command line).
    pub fn parse(value: &str) -> Option<ApiVersion> {
        match value {
            "2021-01-01" => Some(ApiVersion::V2021_01_01),
            "v1" | "V1" => Some(ApiVersion::V1),
            _ => None,
        }
    }

    /// `"2021-01-01"` or `"v1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2021_01_01 => "2021-01-01",
            ApiVersion::V1 => "v1",
        }
    }
}

/// Where requests go through.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ProxySetting {
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` from the environment (and the OS setting on Windows/macOS).
    #[default]
    System,
    /// Always connect directly, whatever the environment says.
    None,
    /// This proxy for every request (`http://user:pass@host:port` accepted).
    Url(String),
}

/// Everything a [`crate::Client`] needs: [`ClientConfig::new`] then set fields, [`ClientConfig::builder`],
/// [`ClientConfig::from_json`] (the C ABI's and the bindings' form) or [`ClientConfig::from_lookup`]
/// (`ARR_*` environment variables).
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Rendering endpoint: a full URL (`https://remoterendering.westus2.mixedreality.azure.com`), a domain
    /// (`westus2.mixedreality.azure.com`), or a bare region (`westus2`).
    pub endpoint: String,
    /// The account GUID.
    pub account_id: String,
    /// The account domain (`westus2.mixedreality.azure.com`, or a bare region); the STS is
    /// `https://sts.<accountDomain>`. Needed for credentials that go through the STS unless `sts_endpoint` is set.
    pub account_domain: Option<String>,
    /// A full STS URL that overrides the one derived from `account_domain`.
    pub sts_endpoint: Option<String>,
    /// How the client proves who it is.
    pub credential: Credential,
    /// Which wire version to speak.
    pub api_version: ApiVersion,
    /// Time allowed to open a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time allowed for one attempt of one request, body included.
    pub request_timeout: Duration,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// Delay between polls while waiting; `None` means 2 s for Standard sessions and 10 s otherwise.
    pub poll_interval: Option<Duration>,
    /// Appended to the `User-Agent` header (e.g. your app's name and version).
    pub user_agent_suffix: Option<String>,
    /// Where requests go through.
    pub proxy: ProxySetting,
    /// Extra trusted root certificates (PEM, one or more), on top of the OS store and the bundled roots.
    pub extra_root_ca_pem: Option<String>,
    /// Allow plain `http://` to hosts other than loopback (loopback is always allowed).
    pub allow_insecure_http: bool,
    /// Stop the sessions this client owns when it is closed ([`crate::Client::close`], `arr_client_free`).
    pub stop_owned_sessions_on_close: bool,
    /// How long closing may spend stopping owned sessions.
    pub close_timeout: Duration,
}

impl ClientConfig {
    /// A configuration with defaults for everything but the three things every client needs.
    pub fn new(endpoint: impl Into<String>, account_id: impl Into<String>, credential: Credential) -> ClientConfig {
        ClientConfig {
            endpoint: endpoint.into(),
            account_id: account_id.into(),
            account_domain: None,
            sts_endpoint: None,
            credential,
            api_version: ApiVersion::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            poll_interval: None,
            user_agent_suffix: None,
            proxy: ProxySetting::System,
            extra_root_ca_pem: None,
            allow_insecure_http: false,
            stop_owned_sessions_on_close: false,
            close_timeout: Duration::from_secs(10),
        }
    }

    /// A builder starting from [`ClientConfig::new`]; [`ClientConfigBuilder::build`] checks the result.
    pub fn builder(
        endpoint: impl Into<String>,
        account_id: impl Into<String>,
        credential: Credential,
    ) -> ClientConfigBuilder {
        ClientConfigBuilder(ClientConfig::new(endpoint, account_id, credential))
    }

    /// Reads the camelCase JSON form (the one the C ABI and the bindings pass). See the README for keys.
    pub fn from_json(text: &str) -> Result<ClientConfig> {
        ClientConfig::from_json_with(text, None)
    }

    /// Like [`ClientConfig::from_json`], with the credential supplied in code (a token provider) instead
    /// of `accountKey`/`accessToken` in the JSON, which must then be absent.
    pub fn from_json_with_credential(text: &str, credential: Credential) -> Result<ClientConfig> {
        ClientConfig::from_json_with(text, Some(credential))
    }

    fn from_json_with(text: &str, given: Option<Credential>) -> Result<ClientConfig> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid_argument("config", format_args!("not valid JSON: {e}")))?;
        let Value::Object(mut map) = value else {
            return Err(Error::invalid_argument("config", "must be a JSON object"));
        };
        let mut fields = Fields::new(&mut map, "");
        let endpoint = fields.required_string("endpoint")?;
        let account_id = fields.required_string("accountId")?;
        let account_key = fields.optional_string("accountKey")?;
        let access_token = fields.optional_string("accessToken")?;
        let credential = match (account_key, access_token, given) {
            (None, None, Some(given)) => given,
            (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
                return Err(Error::invalid_argument(
                    "accountKey/accessToken",
                    "must not be given together with a token provider",
                ))
            }
            (Some(key), None, None) => Credential::AccountKey(Secret::new(key)),
            (None, Some(token), None) => Credential::AccessToken(Secret::new(token)),
            _ => {
                return Err(Error::invalid_argument(
                    "accountKey/accessToken",
                    "exactly one of accountKey or accessToken must be given",
                ))
            }
        };
        let mut config = ClientConfig::new(endpoint, account_id, credential);
        config.account_domain = fields.optional_string("accountDomain")?;
        config.sts_endpoint = fields.optional_string("stsEndpoint")?;
        if let Some(v) = fields.optional_string("apiVersion")? {
            config.api_version = ApiVersion::parse(&v).ok_or_else(|| {
                Error::invalid_argument(
                    "apiVersion",
                    format_args!("must be \"2021-01-01\" or \"v1\", not {v:?}"),
                )
            })?;
        }
        if let Some(ms) = fields.optional_millis("connectTimeoutMs")? {
            config.connect_timeout = ms;
        }
        if let Some(ms) = fields.optional_millis("requestTimeoutMs")? {
            config.request_timeout = ms;
        }
        config.poll_interval = fields.optional_millis("pollIntervalMs")?;
        config.user_agent_suffix = fields.optional_string("userAgentSuffix")?;
        if let Some(proxy) = fields.optional_string("proxy")? {
            config.proxy = match proxy.as_str() {
                "system" => ProxySetting::System,
                "none" => ProxySetting::None,
                _ => ProxySetting::Url(proxy),
            };
        }
        config.extra_root_ca_pem = fields.optional_string("extraRootCaPem")?;
        config.allow_insecure_http = fields.optional_bool("allowInsecureHttp")?.unwrap_or(false);
        config.stop_owned_sessions_on_close = fields.optional_bool("stopOwnedSessionsOnClose")?.unwrap_or(false);
        if let Some(ms) = fields.optional_millis("closeTimeoutMs")? {
            config.close_timeout = ms;
        }
        if let Some(retry) = fields.take_raw("retry") {
            let Value::Object(mut retry_map) = retry else {
                return Err(Error::invalid_argument("retry", "must be an object"));
            };
            let mut retry_fields = Fields::new(&mut retry_map, "retry.");
            if let Some(n) = retry_fields.optional_u64("maxRetries", 0, 100)? {
                config.retry.max_retries = n as u32;
            }
            if let Some(ms) = retry_fields.optional_millis("baseDelayMs")? {
                config.retry.base_delay = ms;
            }
            if let Some(ms) = retry_fields.optional_millis("maxDelayMs")? {
                config.retry.max_delay = ms;
            }
            retry_fields.reject_unknown()?;
        }
        fields.reject_unknown()?;
        Ok(config)
    }

    /// Reads `ARR_ENDPOINT`, `ARR_ACCOUNT_ID`, `ARR_ACCOUNT_DOMAIN`, `ARR_STS_ENDPOINT`, `ARR_ACCOUNT_KEY` or
    /// `ARR_ACCESS_TOKEN`, and `ARR_API_VERSION` through `lookup` (e.g. `std::env::var`). Returns `Ok(None)`
    /// when none of them is set, so callers can fall back to the emulator.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<ClientConfig>> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let names = [
            "ARR_ENDPOINT",
            "ARR_ACCOUNT_ID",
            "ARR_ACCOUNT_DOMAIN",
            "ARR_ACCOUNT_KEY",
            "ARR_ACCESS_TOKEN",
        ];
        if names.iter().all(|n| get(n).is_none()) {
            return Ok(None);
        }
        let credential = match (get("ARR_ACCOUNT_KEY"), get("ARR_ACCESS_TOKEN")) {
            (Some(key), None) => Credential::AccountKey(Secret::new(key)),
            (None, Some(token)) => Credential::AccessToken(Secret::new(token)),
            _ => {
                return Err(Error::invalid_argument(
                    "ARR_ACCOUNT_KEY/ARR_ACCESS_TOKEN",
                    "set exactly one of them",
                ))
            }
        };
        let endpoint = get("ARR_ENDPOINT").ok_or_else(|| Error::invalid_argument("ARR_ENDPOINT", "is not set"))?;
        let account_id =
            get("ARR_ACCOUNT_ID").ok_or_else(|| Error::invalid_argument("ARR_ACCOUNT_ID", "is not set"))?;
        let mut config = ClientConfig::new(endpoint, account_id, credential);
        config.account_domain = get("ARR_ACCOUNT_DOMAIN");
        config.sts_endpoint = get("ARR_STS_ENDPOINT");
        if let Some(v) = get("ARR_API_VERSION") {
            config.api_version = ApiVersion::parse(&v)
                .ok_or_else(|| Error::invalid_argument("ARR_API_VERSION", "must be 2021-01-01 or v1"))?;
        }
        Ok(Some(config))
    }

    /// The configuration with its key or token trimmed (a key read from a file keeps its newline) and
    /// checked: a character that cannot go into an HTTP header is refused here, naming the key, before
    /// anything is sent. Called by [`crate::Client::new`].
    pub(crate) fn normalized(mut self) -> Result<ClientConfig> {
        self.credential = match self.credential {
            Credential::AccountKey(key) => Credential::AccountKey(checked_credential(key.expose(), "accountKey")?),
            Credential::AccessToken(token) => {
                Credential::AccessToken(checked_credential(token.expose(), "accessToken")?)
            }
            provider => provider,
        };
        Ok(self)
    }

    /// Checks every field and works out the URLs. Called by [`crate::Client::new`].
    pub(crate) fn resolve(&self) -> Result<ResolvedEndpoints> {
        if !is_guid(&self.account_id) {
            return Err(Error::invalid_argument(
                "accountId",
                "must be a GUID like 30ea64bd-100f-4bf0-adc9-29fa45d4880c",
            ));
        }
        let rendering = self.checked_url("endpoint", &expand_endpoint(&self.endpoint, "remoterendering"))?;
        let needs_sts = matches!(
            self.credential,
            Credential::AccountKey(_) | Credential::AadTokenProvider(_)
        );
        let sts = match (&self.sts_endpoint, &self.account_domain) {
            (Some(url), _) => Some(self.checked_url("stsEndpoint", url)?),
            (None, Some(domain)) => {
                let domain = expand_domain(domain)
                    .ok_or_else(|| Error::invalid_argument("accountDomain", "must be a domain or a region name"))?;
                Some(self.checked_url("accountDomain", &format!("https://sts.{domain}"))?)
            }
            (None, None) if needs_sts => {
                return Err(Error::invalid_argument(
                    "accountDomain",
                    "is required to exchange the account key at the STS (or set stsEndpoint)",
                ))
            }
            (None, None) => None,
        };
        if self.connect_timeout.is_zero() || self.request_timeout.is_zero() {
            return Err(Error::invalid_argument(
                "connectTimeoutMs/requestTimeoutMs",
                "must be greater than 0",
            ));
        }
        if let ProxySetting::Url(url) = &self.proxy {
            Url::parse(url).map_err(|e| Error::invalid_argument("proxy", format_args!("not a URL: {e}")))?;
        }
        if let Some(suffix) = &self.user_agent_suffix {
            if suffix.chars().any(|c| c.is_control()) {
                return Err(Error::invalid_argument(
                    "userAgentSuffix",
                    "must not contain control characters",
                ));
            }
        }
        Ok(ResolvedEndpoints { rendering, sts })
    }

    /// Parses a URL and applies the plain-http rule.
    pub(crate) fn checked_url(&self, field: &str, text: &str) -> Result<Url> {
        let mut url = Url::parse(text).map_err(|e| Error::invalid_argument(field, format_args!("not a URL: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure_http || is_loopback_host(&url) => {}
            "http" => {
                return Err(Error::invalid_argument(
                    field,
                    "plain http is only allowed for loopback hosts unless allowInsecureHttp is set",
                ))
            }
            other => {
                return Err(Error::invalid_argument(
                    field,
                    format_args!("unsupported scheme {other:?}"),
                ))
            }
        }
        if url.host().is_none() {
            return Err(Error::invalid_argument(field, "has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid_argument(field, "must not have a query or fragment"));
        }
        // Paths are appended to the endpoint, so keep exactly one trailing slash off.
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
        Ok(url)
    }
}

/// The URLs a client talks to, after expansion and checks.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedEndpoints {
    pub rendering: Url,
    pub sts: Option<Url>,
}

impl ResolvedEndpoints {
    /// Whether any request could need TLS: an `https` endpoint, or a proxy that may itself be `https`.
    /// When none can (the emulator on plain HTTP, the usual way to develop now), the OS trust store is
    /// not loaded: parsing it was 81 % of `Client::new` in the attribution run.
    pub fn may_need_tls(&self, proxy: &ProxySetting) -> bool {
        let https = |url: &Url| url.scheme() == "https";
        https(&self.rendering) || self.sts.as_ref().is_some_and(https) || proxy.may_need_tls()
    }
}

impl ProxySetting {
    /// Whether reaching the proxy may need TLS. For `System` that is an `https://` proxy in the
    /// environment, or, on Windows and macOS, always: the OS setting is not visible from here.
    pub(crate) fn may_need_tls(&self) -> bool {
        let https = |url: &str| url.trim().get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        match self {
            ProxySetting::None => false,
            ProxySetting::Url(url) => https(url),
            ProxySetting::System => {
                cfg!(any(windows, target_os = "macos"))
                    || ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
                        .iter()
                        .any(|name| std::env::var(name).is_ok_and(|v| https(&v)))
            }
        }
    }
}

/// `westus2` → `https://<service>.westus2.mixedreality.azure.com`; a domain → `https://<service>.<domain>`;
/// a URL stays as it is.
fn expand_endpoint(value: &str, service: &str) -> String {
    let value = value.trim();
    if value.contains("://") {
        return value.to_owned();
    }
    match expand_domain(value) {
        Some(domain) => format!("https://{service}.{domain}"),
        None => value.to_owned(),
    }
}

/// `westus2` → `westus2.mixedreality.azure.com`; a dotted domain stays as it is.
fn expand_domain(value: &str) -> Option<String> {
    let value = value.trim().trim_end_matches('/');
    if value.is_empty() || value.contains("://") || value.contains('/') {
        return None;
    }
    if value.contains('.') {
        return Some(value.to_ascii_lowercase());
    }
    if value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Some(format!("{}.mixedreality.azure.com", value.to_ascii_lowercase()));
    }
    None
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `8-4-4-4-12` hexadecimal digits.
pub(crate) fn is_guid(value: &str) -> bool {
    // The service's form only: 8-4-4-4-12 hex digits (uuid alone also takes braces, urn: and no hyphens).
    value.len() == 36 && uuid::Uuid::try_parse(value).is_ok()
}

/// Builds a [`ClientConfig`] field by field; see the fields of [`ClientConfig`] for what each means.
#[derive(Clone, Debug)]
pub struct ClientConfigBuilder(ClientConfig);

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty => $field:ident = $value:expr;)*) => {
        impl ClientConfigBuilder {
            $(
                $(#[$doc])*
                pub fn $name(mut self, $name: $ty) -> ClientConfigBuilder {
                    self.0.$field = $value;
                    self
                }
            )*
        }
    };
}

setters! {
    /// The account domain (or a bare region); the STS is `https://sts.<domain>`.
    account_domain: impl Into<String> => account_domain = Some(account_domain.into());
    /// A full STS URL (overrides the account domain).
    sts_endpoint: impl Into<String> => sts_endpoint = Some(sts_endpoint.into());
    /// The wire version.
    api_version: ApiVersion => api_version = api_version;
    /// Time allowed to open a connection.
    connect_timeout: Duration => connect_timeout = connect_timeout;
    /// Time allowed for one attempt of one request.
    request_timeout: Duration => request_timeout = request_timeout;
    /// The retry policy.
    retry: RetryPolicy => retry = retry;
    /// The delay between polls while waiting.
    poll_interval: Duration => poll_interval = Some(poll_interval);
    /// Appended to the `User-Agent` header.
    user_agent_suffix: impl Into<String> => user_agent_suffix = Some(user_agent_suffix.into());
    /// Where requests go through.
    proxy: ProxySetting => proxy = proxy;
    /// Extra trusted root certificates (PEM).
    extra_root_ca_pem: impl Into<String> => extra_root_ca_pem = Some(extra_root_ca_pem.into());
    /// Allow plain `http://` to hosts other than loopback.
    allow_insecure_http: bool => allow_insecure_http = allow_insecure_http;
    /// Stop owned sessions when the client is closed.
    stop_owned_sessions_on_close: bool => stop_owned_sessions_on_close = stop_owned_sessions_on_close;
    /// How long closing may take.
    close_timeout: Duration => close_timeout = close_timeout;
}

impl ClientConfigBuilder {
    /// The configuration, checked as [`crate::Client::new`] checks it (the error names the field).
    pub fn build(self) -> Result<ClientConfig> {
        let config = self.0.normalized()?;
        config.resolve()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "30ea64bd-100f-4bf0-adc9-29fa45d4880c";

    fn config(extra: &str) -> Result<ClientConfig> {
        ClientConfig::from_json(&format!(
            r#"{{"endpoint":"westus2","accountId":"{ID}","accountDomain":"westus2","accountKey":"k"{extra}}}"#
        ))
    }

    #[test]
    fn bare_regions_expand_to_service_urls() {
        let resolved = config("").unwrap().resolve().unwrap();
        assert_eq!(
            resolved.rendering.as_str(),
            "https://remoterendering.westus2.mixedreality.azure.com/"
        );
        assert_eq!(
            resolved.sts.unwrap().as_str(),
            "https://sts.westus2.mixedreality.azure.com/"
        );
    }

    #[test]
    fn the_trust_store_is_needed_only_where_tls_may_be() {
        let mut c = config("").unwrap();
        assert!(
            c.resolve().unwrap().may_need_tls(&ProxySetting::None),
            "a region is https"
        );
        c.endpoint = "http://127.0.0.1:8080".into();
        c.sts_endpoint = Some("http://127.0.0.1:8080".into());
        let local = c.resolve().unwrap();
        assert!(!local.may_need_tls(&ProxySetting::None));
        assert!(!local.may_need_tls(&ProxySetting::Url("http://127.0.0.1:3128".into())));
        assert!(local.may_need_tls(&ProxySetting::Url("HTTPS://proxy.example".into())));
        c.sts_endpoint = Some("https://sts.example".into());
        assert!(c.resolve().unwrap().may_need_tls(&ProxySetting::None), "an https STS");
    }

    #[test]
    fn domains_and_urls_are_kept() {
        let mut c = config("").unwrap();
        c.endpoint = "eastus.mixedreality.azure.com".into();
        c.account_domain = Some("mixedreality.azure.com".into());
        let r = c.resolve().unwrap();
        assert_eq!(
            r.rendering.host_str(),
            Some("remoterendering.eastus.mixedreality.azure.com")
        );
        assert_eq!(r.sts.unwrap().host_str(), Some("sts.mixedreality.azure.com"));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_field() {
        let cases = [
            (r#","colour":1"#, "colour"),
            (r#","requestTimeoutMs":"5""#, "requestTimeoutMs"),
            (r#","requestTimeoutMs":0"#, "requestTimeoutMs"),
            (r#","apiVersion":"2020""#, "apiVersion"),
            (r#","retry":{"maxRetries":-1}"#, "retry.maxRetries"),
            (r#","retry":{"tries":1}"#, "retry.tries"),
            (r#","accessToken":"t""#, "accountKey/accessToken"),
        ];
        for (extra, field) in cases {
            let err = config(extra).unwrap_err();
            assert!(err.message().starts_with(field), "{extra}: {}", err.message());
        }
    }

    #[test]
    fn account_id_must_be_a_guid() {
        let mut c = config("").unwrap();
        c.account_id = "not-a-guid".into();
        assert!(c.resolve().unwrap_err().message().starts_with("accountId"));
    }

    #[test]
    fn plain_http_only_for_loopback_unless_allowed() {
        let mut c = config("").unwrap();
        c.endpoint = "http://127.0.0.1:8080".into();
        c.sts_endpoint = Some("http://localhost:8080".into());
        assert!(c.resolve().is_ok());
        c.endpoint = "http://example.com".into();
        assert!(c.resolve().unwrap_err().message().starts_with("endpoint"));
        c.allow_insecure_http = true;
        assert!(c.resolve().is_ok());
    }

    #[test]
    fn key_credential_needs_a_domain_or_sts_endpoint() {
        let mut c = config("").unwrap();
        c.account_domain = None;
        assert!(c.resolve().unwrap_err().message().starts_with("accountDomain"));
        c.credential = Credential::AccessToken(Secret::new("t"));
        assert!(c.resolve().is_ok());
    }

    #[test]
    fn debug_output_hides_the_key() {
        let c = config("").unwrap();
        let text = format!("{c:?}");
        assert!(text.contains("<redacted>") && !text.contains("\"k\""));
    }
}
