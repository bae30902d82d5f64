//! Access tokens: the STS exchange, the cache, and refresh.
//!
//! The Mixed Reality STS turns `Authorization: Bearer <accountId>:<accountKey>` (or an AAD token) into a
//! JWT access token valid for 24 hours. The response carries no expiry field, so the expiry is read from the
//! JWT's `exp` claim, as every official SDK does. The cache refreshes a token when less than five minutes
//! remain, and after the rendering endpoint answered 401 to it. Concurrent callers share one in-flight STS
//! request: the refresh happens under an async mutex, and whoever waited on it finds the fresh token.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use reqwest::Url;
use tokio::sync::Mutex;

use crate::config::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;
use crate::transport::{Request, Transport};

/// Tokens are refreshed when less than this remains (the Azure SDKs' value).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The STS api-version the official clients send.
const STS_API_VERSION: &str = "2019-02-28-preview";

/// Supplies tokens on demand, for credentials the library cannot mint itself.
pub trait TokenProvider: Send + Sync {
    /// Returns a fresh token. Called when the cached one is missing, near expiry, or was refused.
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<Secret>> + Send + '_>>;
}

/// A token and the moment it stops being usable.
#[derive(Clone)]
struct CachedToken {
    token: Secret,
    /// From the JWT `exp` claim; `None` for opaque tokens, which are kept until refused.
    expires_at: Option<SystemTime>,
}

impl CachedToken {
    fn is_fresh(&self, now: SystemTime) -> bool {
        match self.expires_at {
            Some(exp) => exp
                .duration_since(now)
                .map(|left| left > REFRESH_MARGIN)
                .unwrap_or(false),
            None => true,
        }
    }
}

/// Hands out access tokens for the rendering endpoint.
pub(crate) struct TokenSource {
    credential: Credential,
    sts_url: Option<Url>,
    account_id: String,
    cached: Mutex<Option<CachedToken>>,
}

impl TokenSource {
    pub fn new(credential: Credential, sts_base: Option<Url>, account_id: &str) -> TokenSource {
        let sts_url = sts_base.map(|base| {
            let mut url = base;
            let path = format!("{}/Accounts/{account_id}/token", url.path().trim_end_matches('/'));
            url.set_path(&path);
            url.set_query(Some(&format!("api-version={STS_API_VERSION}")));
            url
        });
        TokenSource {
            credential,
            sts_url,
            account_id: account_id.to_owned(),
            cached: Mutex::new(None),
        }
    }

    /// Whether a refused token can be replaced by another one.
    pub fn can_refresh(&self) -> bool {
        !matches!(self.credential, Credential::AccessToken(_))
    }

    /// A token that is valid for at least [`REFRESH_MARGIN`] as far as we know.
    pub async fn token(&self, transport: &Transport) -> Result<Secret> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| c.is_fresh(SystemTime::now())) {
            return Ok(c.token.clone());
        }
        let fresh = self.fetch(transport).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Forgets `refused` (the token the service just answered 401 to), unless another caller already
    /// replaced it, so that many concurrent 401s cause a single refresh.
    pub async fn invalidate(&self, refused: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| &c.token == refused) {
            *cached = None;
        }
    }

    async fn fetch(&self, transport: &Transport) -> Result<CachedToken> {
        let token = match &self.credential {
            Credential::AccessToken(token) => token.clone(),
            Credential::AccessTokenProvider(provider) => provider.token().await?,
            Credential::AccountKey(key) => {
                let bearer = Secret::new(format!("{}:{}", self.account_id, key.expose()));
                self.exchange(transport, &bearer).await?
            }
            Credential::AadTokenProvider(provider) => {
                let aad = provider.token().await?;
                self.exchange(transport, &aad).await?
            }
        };
        let expires_at = jwt_expiry(token.expose());
        Ok(CachedToken { token, expires_at })
    }

    /// `GET <sts>/Accounts/<id>/token` with `Bearer <bearer>` → `{"AccessToken": "..."}`.
    async fn exchange(&self, transport: &Transport, bearer: &Secret) -> Result<Secret> {
        let url = self
            .sts_url
            .clone()
            .ok_or_else(|| Error::invalid_argument("accountDomain", "no STS endpoint configured"))?;
        let request = Request::get("sts.token", url)
            .bearer(bearer.clone())
            .with_correlation_vector();
        let response = transport.send(request).await?;
        #[derive(serde::Deserialize)]
        struct StsResponse {
            #[serde(rename = "AccessToken")]
            access_token: Option<String>,
        }
        let body: StsResponse = response.json("STS token response")?;
        match body.access_token {
            Some(t) if !t.is_empty() => Ok(Secret::new(t)),
            _ => Err(Error::new(ErrorKind::Decode, "the STS response has no AccessToken").with_ms_cv(response.ms_cv)),
        }
    }
}

/// The `exp` claim of a JWT (without checking its signature), or `None` if the token is not a readable JWT.
pub fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_f64()?;
    if !exp.is_finite() || exp < 0.0 {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::from_secs_f64(exp.min(1e12)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exp_from_the_sanitised_recording_token() {
        // The token the official SDKs' recordings use: payload {"exp":2147483647}.
        let exp = jwt_expiry("fake.eyJleHAiOjIxNDc0ODM2NDd9.fake").unwrap();
        assert_eq!(exp.duration_since(UNIX_EPOCH).unwrap().as_secs(), 2_147_483_647);
    }

    #[test]
    fn opaque_tokens_have_no_expiry() {
        assert!(jwt_expiry("opaque").is_none());
        assert!(jwt_expiry("a.!!!.c").is_none());
        assert!(jwt_expiry("a.eyJmb28iOjF9.c").is_none()); // {"foo":1}
    }

    #[test]
    fn tokens_within_the_margin_are_stale() {
        let now = SystemTime::now();
        let fresh = CachedToken {
            token: Secret::new("t"),
            expires_at: Some(now + Duration::from_secs(301)),
        };
        let stale = CachedToken {
            token: Secret::new("t"),
            expires_at: Some(now + Duration::from_secs(299)),
        };
        assert!(fresh.is_fresh(now));
        assert!(!stale.is_fresh(now));
    }
}
