//! Where a client sends its requests: the rendering endpoint and the STS, expanded from regions and
//! domains and checked (schemes, plain http only to loopback, no query or fragment).

use reqwest::Url;

use crate::config::ClientConfig;
use crate::credentials::Credential;
use crate::error::{Error, Result};
use crate::proxy::ProxySetting;

impl ClientConfig {
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
            // A URL is the STS itself (our extension: Microsoft's SDKs would build `https://sts.<URL>`, which
            // cannot work, so nothing that worked there changes meaning). It lets one value point every
            // surface at the emulator, whose STS is at its base URL.
            (None, Some(url)) if url.contains("://") => Some(self.checked_url("accountDomain", url)?),
            (None, Some(domain)) => {
                let domain = expand_domain(domain).ok_or_else(|| {
                    Error::invalid_argument(
                        "accountDomain",
                        "must be a domain (westus2.mixedreality.azure.com), a region (westus2) or the STS's URL",
                    )
                })?;
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
    /// not loaded (parsing it is most of what `Client::new` costs; README, Performance).
    pub fn may_need_tls(&self, proxy: &ProxySetting) -> bool {
        let https = |url: &Url| url.scheme() == "https";
        https(&self.rendering) || self.sts.as_ref().is_some_and(https) || proxy.may_need_tls()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    use crate::config::tests::config;

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
    fn an_account_domain_given_as_a_url_is_the_sts() {
        let mut c = config("").unwrap();
        c.account_domain = Some("http://127.0.0.1:8440".into());
        assert_eq!(c.resolve().unwrap().sts.unwrap().as_str(), "http://127.0.0.1:8440/");
        c.account_domain = Some("http://sts.example.com".into());
        let error = c.resolve().unwrap_err();
        assert!(error.message().starts_with("accountDomain: plain http"), "{error}");
        c.account_domain = Some("not a domain".into());
        assert!(c.resolve().unwrap_err().message().contains("or the STS's URL"));
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
}
