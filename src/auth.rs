//! Access tokens: the STS exchange, the cache, and refresh.
//!
//! The Mixed Reality STS turns `Authorization: Bearer <accountId>:<accountKey>` (or an AAD token) into a
//! JWT access token valid for 24 hours. The response carries no expiry field, so the lifetime is read from
//! the JWT's claims. The cache refreshes a token when less than five minutes remain, and after the
//! rendering endpoint answered 401 to it.
//!
//! The JWT is read by hand (split, base64, two claims) rather than with `jsonwebtoken`: we must not verify
//! the signature (we do not have the key), only read `exp` and `iat`, which a crate made for verification
//! would make us opt out of while pulling in its crypto.
//!
//! Two properties matter at the edges:
//! - **One exchange for everyone.** Concurrent callers share one in-flight exchange and its outcome,
//!   success or failure: during an STS outage N callers cost one retry cycle, not N in a row.
//! - **A monotonic clock.** Expiry is anchored to [`Instant`] at receipt, from the token's own lifetime
//!   (`exp - iat`), so a device clock minutes off neither refreshes on every call nor keeps a dead token.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use reqwest::Url;
use tokio::sync::watch;

use crate::credentials::{checked_credential, Credential};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;
use crate::transport::{Bearer, Request, Transport};

/// Tokens are refreshed when less than this remains (the Azure SDKs' value).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The STS api-version the official clients send.
const STS_API_VERSION: &str = "2019-02-28-preview";

/// An access token with its `Authorization` header value, built once when the token arrives.
#[derive(Clone, Debug)]
pub(crate) struct AccessToken {
    pub secret: Secret,
    pub bearer: Bearer,
}

impl AccessToken {
    fn new(secret: Secret) -> Result<AccessToken> {
        let bearer = Bearer::new(&secret)?;
        Ok(AccessToken { secret, bearer })
    }
}

/// A token and the moment it stops being usable.
#[derive(Clone)]
struct CachedToken {
    token: AccessToken,
    /// On the monotonic clock; `None` for opaque tokens, which are kept until refused.
    expires_at: Option<Instant>,
}

impl CachedToken {
    /// `received` is when the token arrived, on both clocks.
    fn new(token: Secret, received: (Instant, SystemTime)) -> Result<CachedToken> {
        let expires_at = jwt_lifetime(token.expose(), received.1).map(|left| received.0 + left);
        Ok(CachedToken {
            token: AccessToken::new(token)?,
            expires_at,
        })
    }

    fn is_fresh(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|exp| {
            exp.checked_duration_since(now)
                .is_some_and(|left| left > REFRESH_MARGIN)
        })
    }
}

type Outcome = Option<Result<CachedToken>>;

#[derive(Default)]
struct State {
    cached: Option<CachedToken>,
    /// The exchange in flight, if any: its outcome is published here for every caller waiting on it.
    in_flight: Option<watch::Receiver<Outcome>>,
}

/// Hands out access tokens for the rendering endpoint.
pub(crate) struct TokenSource {
    credential: Credential,
    sts_url: Option<Url>,
    account_id: String,
    state: Mutex<State>,
}

enum Next {
    Ready(AccessToken),
    Join(watch::Receiver<Outcome>),
    Lead(watch::Sender<Outcome>),
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
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a refused token can be replaced by another one.
    pub fn can_refresh(&self) -> bool {
        !matches!(self.credential, Credential::AccessToken(_))
    }

    /// A token that is valid for at least [`REFRESH_MARGIN`] as far as we know.
    pub async fn token(&self, transport: &Transport) -> Result<AccessToken> {
        loop {
            let next = {
                let mut state = self.state();
                match (&state.cached, &state.in_flight) {
                    (Some(c), _) if c.is_fresh(Instant::now()) => Next::Ready(c.token.clone()),
                    (_, Some(receiver)) => Next::Join(receiver.clone()),
                    _ => {
                        let (sender, receiver) = watch::channel(None);
                        state.in_flight = Some(receiver);
                        Next::Lead(sender)
                    }
                }
            };
            match next {
                Next::Ready(token) => return Ok(token),
                Next::Join(mut receiver) => {
                    // The leader publishes one outcome. If it was dropped (its caller gave up) before
                    // publishing, the channel closes and we go round again, and someone else leads.
                    if let Ok(outcome) = receiver.wait_for(Option::is_some).await {
                        if let Some(outcome) = outcome.clone() {
                            return outcome.map(|c| c.token);
                        }
                    }
                    self.clear_in_flight_if_closed();
                }
                Next::Lead(sender) => {
                    let lead = Leader { source: self, sender };
                    let outcome = self.fetch(transport).await;
                    return lead.publish(outcome);
                }
            }
        }
    }

    fn clear_in_flight_if_closed(&self) {
        let mut state = self.state();
        if state.in_flight.as_ref().is_some_and(|r| r.has_changed().is_err()) {
            state.in_flight = None;
        }
    }

    /// Forgets `refused` (the token the service just answered 401 to), unless another caller already
    /// replaced it, so that many concurrent 401s cause a single refresh.
    pub fn invalidate(&self, refused: &AccessToken) {
        let mut state = self.state();
        if state.cached.as_ref().is_some_and(|c| c.token.secret == refused.secret) {
            state.cached = None;
        }
    }

    async fn fetch(&self, transport: &Transport) -> Result<CachedToken> {
        let token = match &self.credential {
            Credential::AccessToken(token) => token.clone(),
            Credential::AccessTokenProvider(provider) => checked_provider_token(provider.token().await?)?,
            Credential::AccountKey(key) => {
                let bearer = Secret::new(format!("{}:{}", self.account_id, key.expose()));
                self.exchange(transport, &bearer).await?
            }
            Credential::AadTokenProvider(provider) => {
                let aad = checked_provider_token(provider.token().await?)?;
                self.exchange(transport, &aad).await?
            }
        };
        CachedToken::new(token, (Instant::now(), SystemTime::now()))
    }

    /// `GET <sts>/Accounts/<id>/token` with `Bearer <bearer>` → `{"AccessToken": "..."}`.
    async fn exchange(&self, transport: &Transport, bearer: &Secret) -> Result<Secret> {
        let url = self
            .sts_url
            .clone()
            .ok_or_else(|| Error::invalid_argument("accountDomain", "no STS endpoint configured"))?;
        let request = Request::get("sts.token", url)
            .bearer(Bearer::new(bearer)?)
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

/// A token from a provider (the host's code) is checked like a configured one: surrounding whitespace
/// is trimmed, and characters that cannot go into an `Authorization` header are refused before sending.
fn checked_provider_token(token: Secret) -> Result<Secret> {
    checked_credential(token.expose(), "token")
}

/// The readable claims of a JWT (without checking its signature), or `None` if it is not a readable JWT.
fn jwt_claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(claims) => Some(claims),
        _ => None,
    }
}

fn seconds_claim(claims: &serde_json::Map<String, serde_json::Value>, name: &str) -> Option<f64> {
    claims
        .get(name)?
        .as_f64()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| v.min(1e12))
}

/// How long a token received at `now` (our wall clock) stays valid: `exp - iat` (or `exp - nbf`) when
/// the token says when it was issued, both on the issuer's clock, so our clock's error does not matter;
/// otherwise `exp - now`. `None` if the token has no readable `exp`.
pub(crate) fn jwt_lifetime(token: &str, now: SystemTime) -> Option<Duration> {
    let claims = jwt_claims(token)?;
    let exp = seconds_claim(&claims, "exp")?;
    let issued = seconds_claim(&claims, "iat").or_else(|| seconds_claim(&claims, "nbf"));
    let left = match issued {
        Some(issued) => exp - issued,
        None => exp - now.duration_since(UNIX_EPOCH).ok()?.as_secs_f64(),
    };
    Some(Duration::from_secs_f64(left.max(0.0)))
}

/// Publishes the exchange's outcome to everyone waiting on it, also if the leader's caller gives up
/// (the future is dropped): then the waiters see the channel close and one of them leads anew.
struct Leader<'a> {
    source: &'a TokenSource,
    sender: watch::Sender<Outcome>,
}

impl Leader<'_> {
    fn publish(self, outcome: Result<CachedToken>) -> Result<AccessToken> {
        {
            let mut state = self.source.state();
            if let Ok(fresh) = &outcome {
                state.cached = Some(fresh.clone());
            }
            state.in_flight = None;
        }
        self.sender.send_replace(Some(outcome.clone()));
        outcome.map(|c| c.token)
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if self.sender.borrow().is_none() {
            self.source.state().in_flight = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exp_from_the_sanitised_recording_token() {
        // The token the official SDKs' recordings use: payload {"exp":2147483647}.
        let at = UNIX_EPOCH + Duration::from_secs(2_147_483_000);
        assert_eq!(
            jwt_lifetime("fake.eyJleHAiOjIxNDc0ODM2NDd9.fake", at),
            Some(Duration::from_secs(647))
        );
    }

    #[test]
    fn opaque_tokens_have_no_expiry() {
        let now = SystemTime::now();
        assert!(jwt_lifetime("opaque", now).is_none());
        assert!(jwt_lifetime("a.!!!.c", now).is_none());
        assert!(jwt_lifetime("a.eyJmb28iOjF9.c", now).is_none()); // {"foo":1}
    }

    #[test]
    fn tokens_within_the_margin_are_stale() {
        let now = Instant::now();
        let token = AccessToken::new(Secret::new("t")).unwrap();
        let fresh = CachedToken {
            token: token.clone(),
            expires_at: Some(now + Duration::from_secs(301)),
        };
        let stale = CachedToken {
            token,
            expires_at: Some(now + Duration::from_secs(299)),
        };
        assert!(fresh.is_fresh(now));
        assert!(!stale.is_fresh(now));
    }

    #[test]
    fn the_lifetime_comes_from_the_issuers_clock_when_the_token_has_iat() {
        // {"iat":1000,"exp":1480}: 8 minutes, whatever our clock says.
        let token = "h.eyJpYXQiOjEwMDAsImV4cCI6MTQ4MH0.s";
        let far_off = UNIX_EPOCH + Duration::from_secs(5_000_000);
        assert_eq!(jwt_lifetime(token, far_off), Some(Duration::from_secs(480)));
        // {"exp":2000} alone: measured against our clock.
        let token = "h.eyJleHAiOjIwMDB9.s";
        assert_eq!(
            jwt_lifetime(token, UNIX_EPOCH + Duration::from_secs(1400)),
            Some(Duration::from_secs(600))
        );
    }
}
