//! Client configuration: one struct with a builder. Reading it from JSON or `ARR_*` variables is in
//! `config_sources`, working out its URLs in `endpoints`, its proxy setting in `proxy`.

use std::time::Duration;

use crate::call_history::CallHistoryOptions;
use crate::credentials::{checked_credential, Credential};
use crate::error::Result;
use crate::proxy::ProxySetting;
use crate::retry::RetryPolicy;

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
    /// `https://sts.<accountDomain>`. A URL here is the STS itself (the emulator's base URL, say). Needed for
    /// credentials that go through the STS unless `sts_endpoint` is set.
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
    /// Write every HTTP attempt to this JSON-lines file (opt-in; see [`crate::CallHistoryOptions`]).
    pub call_history: Option<CallHistoryOptions>,
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
            call_history: None,
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
    /// Write every HTTP attempt to a JSON-lines history file.
    call_history: CallHistoryOptions => call_history = Some(call_history);
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
pub(crate) mod tests {
    use super::*;

    use crate::error::Result;

    /// A configuration for a region, with `extra` JSON members: the test configuration of this module's
    /// neighbours (config_sources, endpoints) too.
    pub(crate) fn config(extra: &str) -> Result<ClientConfig> {
        ClientConfig::from_json(&format!(
            r#"{{"endpoint":"westus2","accountId":"30ea64bd-100f-4bf0-adc9-29fa45d4880c","accountDomain":"westus2","accountKey":"k"{extra}}}"#
        ))
    }

    #[test]
    fn debug_output_hides_the_key() {
        let c = config("").unwrap();
        let text = format!("{c:?}");
        assert!(text.contains("<redacted>") && !text.contains("\"k\""));
    }
}
