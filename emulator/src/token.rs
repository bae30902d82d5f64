//! Mixed Reality access tokens: HS256 JWTs signed with a per-emulator secret.
//!
//! Clients only ever read `exp` from the real tokens, so the claim set is ours to choose. Revocation is a
//! generation counter carried in every token: bumping it invalidates everything issued before.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use serde::{Deserialize, Serialize};

const ISSUER: &str = "arr-emulator";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claims {
    iss: String,
    aud: String,
    account_id: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    jti: String,
    /// Revocation generation the token was issued in.
    gen: u64,
}

/// Why a bearer token was rejected (only used for the request log; the wire answer is always 401).
#[derive(Debug, PartialEq)]
pub(crate) enum TokenError {
    Malformed,
    BadSignature,
    Expired,
    Revoked,
}

pub(crate) struct TokenService {
    key: hmac::Key,
    secret: Vec<u8>,
    generation: AtomicU64,
}

impl TokenService {
    pub(crate) fn new(secret: Vec<u8>, generation: u64) -> Self {
        TokenService {
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
            secret,
            generation: AtomicU64::new(generation),
        }
    }

    /// A fresh random 256-bit signing secret.
    pub(crate) fn random_secret() -> Vec<u8> {
        let mut secret = vec![0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
            .expect("system random source unavailable");
        secret
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Makes every token issued so far invalid.
    pub(crate) fn revoke_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn issue(&self, account_id: &str, lifetime: Duration, now_secs: u64) -> String {
        let claims = Claims {
            iss: ISSUER.into(),
            aud: ISSUER.into(),
            account_id: account_id.into(),
            iat: now_secs,
            nbf: now_secs,
            exp: now_secs.saturating_add(lifetime.as_secs()),
            jti: uuid::Uuid::new_v4().to_string(),
            gen: self.generation(),
        };
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialise"));
        let signing_input = format!("{header}.{payload}");
        let sig = hmac::sign(&self.key, signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }

    /// Returns the account the token was issued for.
    pub(crate) fn verify(&self, token: &str, now_secs: u64) -> Result<String, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| TokenError::Malformed)?;
        let signed = &token[..header.len() + 1 + payload.len()];
        hmac::verify(&self.key, signed.as_bytes(), &sig).map_err(|_| TokenError::BadSignature)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or(TokenError::Malformed)?;
        if claims.iss != ISSUER || claims.aud != ISSUER {
            return Err(TokenError::Malformed);
        }
        // Claims are whole seconds and `iat` is rounded down, so `now >= exp` would cut up to a second
        // off the lifetime (a 1 s token issued at x.999 would die at once). Valid through the second
        // `exp` itself, a token lives at least its configured lifetime and less than a second more.
        // One minute of skew for nbf: a token used right after issue must never be "not yet valid".
        if now_secs > claims.exp || claims.nbf > now_secs + 60 {
            return Err(TokenError::Expired);
        }
        if claims.gen != self.generation() {
            return Err(TokenError::Revoked);
        }
        Ok(claims.account_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_verify_revoke() {
        let svc = TokenService::new(TokenService::random_secret(), 0);
        let t = svc.issue("acc", Duration::from_secs(100), 1000);
        assert_eq!(svc.verify(&t, 1001), Ok("acc".to_string()));
        assert_eq!(
            svc.verify(&t, 1100),
            Ok("acc".to_string()),
            "valid through the second of exp"
        );
        assert_eq!(svc.verify(&t, 1101), Err(TokenError::Expired));
        let other = TokenService::new(TokenService::random_secret(), 0);
        assert_eq!(other.verify(&t, 1001), Err(TokenError::BadSignature));
        assert_eq!(svc.verify("a.b", 1001), Err(TokenError::Malformed));
        svc.revoke_all();
        assert_eq!(svc.verify(&t, 1001), Err(TokenError::Revoked));
    }

    #[test]
    fn exp_is_readable_like_sdks_do() {
        let svc = TokenService::new(TokenService::random_secret(), 0);
        let t = svc.issue("acc", Duration::from_secs(86_400), 5);
        let payload = t.split('.').nth(1).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(v["exp"], 86_405);
        assert_eq!(v["accountId"], "acc");
    }
}
