//! Where requests go through: the environment's proxy, none, or one URL (whose credentials never show).

use reqwest::Url;

/// Where requests go through. Its `Debug` output hides a proxy URL's user name and password.
#[non_exhaustive]
#[derive(Clone, Default, PartialEq, Eq)]
pub enum ProxySetting {
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` from the environment (and the OS setting on Windows/macOS).
    #[default]
    System,
    /// Always connect directly, whatever the environment says.
    None,
    /// This proxy for every request (`http://user:pass@host:port` accepted).
    Url(String),
}

impl std::fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxySetting::System => f.write_str("System"),
            ProxySetting::None => f.write_str("None"),
            ProxySetting::Url(url) => f.debug_tuple("Url").field(&without_credentials(url)).finish(),
        }
    }
}

/// A proxy URL without its `user:password@` (a URL that does not parse is not shown at all).
fn without_credentials(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut url) => {
            if !url.username().is_empty() || url.password().is_some() {
                let _ = url.set_username("***");
                let _ = url.set_password(None);
            }
            url.to_string()
        }
        Err(_) => "<not a URL>".to_owned(),
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
