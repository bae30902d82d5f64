//! The Mixed Reality STS: exchanges `Bearer <accountId>:<accountKey>` or `Bearer <AAD access token>`
//! (protocol.md §2.6) for an access token of the emulator.
//!
//! An AAD token is a JWT; the emulator reads its claims but does **not** verify its signature (it has no
//! access to Entra ID's keys, and tests mint their own tokens). It checks what the real STS would reject
//! a token for, as far as it can be judged without the signature (inferred: the real STS's checks are not
//! documented):
//!
//! * `aud` is the Mixed Reality STS resource: `https://sts.mixedreality.azure.com` or a regional
//!   `https://sts.<region>.mixedreality.azure.com`, with or without a trailing `/` (the .NET SDK's scope
//!   `https://sts.mixedreality.azure.com//.default` yields the slash form), or one of
//!   [`EmulatorConfig::aad_audiences`](crate::EmulatorConfig::aad_audiences);
//! * `exp` is in the future and `nbf`, when present, is not (five minutes of clock skew allowed);
//! * `tid` is present, and is one of [`EmulatorConfig::aad_tenants`](crate::EmulatorConfig::aad_tenants)
//!   when that list is not empty (empty: any tenant, as if the account had granted access to everyone).
//!
//! The account in the path must be a configured one. Refusals are an empty 401 like a bad key; the reason
//! goes to the debug log.

use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use crate::respond::{bearer, deny, json, no_store, Resp};
use crate::shared::Shared;

/// Clock skew tolerated for `nbf`.
const SKEW_SECS: u64 = 300;

/// `GET /Accounts/{id}/token`. `api-version` is optional and not checked (PowerShell sends none; the SDKs
/// send 2019-02-28-preview).
pub(crate) fn token(shared: &Shared, headers: &HeaderMap, account: &str) -> Resp {
    let Some(credential) = bearer(headers) else {
        // The real STS answers a bad key with an empty 401: no body, no Content-Type, no WWW-Authenticate.
        return deny(StatusCode::UNAUTHORIZED, "STS: no Bearer credential");
    };
    if let Some(claims) = jwt_claims(credential) {
        if let Err(reason) = check_aad(shared, &claims, account, Shared::now_secs()) {
            return deny(StatusCode::UNAUTHORIZED, &format!("STS: AAD token refused: {reason}"));
        }
    } else if !shared.check_account_key(account, credential) {
        let reason = if credential.contains(':') {
            "STS: unknown account id or wrong account key"
        } else {
            "STS: the credential is neither accountId:accountKey nor a JWT"
        };
        return deny(StatusCode::UNAUTHORIZED, reason);
    }
    let token = shared
        .tokens
        .issue(account, shared.config.token_lifetime, Shared::now_secs());
    no_store(json(StatusCode::OK, &serde_json::json!({ "AccessToken": token })))
}

/// The payload of a three-part JWT whose header and payload are base64url JSON objects; None otherwise.
fn jwt_claims(credential: &str) -> Option<Value> {
    let mut parts = credential.split('.');
    let (Some(header), Some(payload), Some(_sig), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let decode = |part: &str| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        serde_json::from_slice::<Value>(&bytes).ok().filter(Value::is_object)
    };
    decode(header)?;
    decode(payload)
}

/// The claim checks listed in the module documentation.
fn check_aad(shared: &Shared, claims: &Value, account: &str, now: u64) -> Result<(), String> {
    if !shared.accounts.iter().any(|(a, _)| a == account) {
        return Err(format!("unknown account '{account}'"));
    }
    let audiences: Vec<&str> = match &claims["aud"] {
        Value::String(a) => vec![a.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if audiences.is_empty() {
        return Err("no aud claim".into());
    }
    if !audiences.iter().any(|a| audience_ok(shared, a)) {
        return Err(format!(
            "aud {audiences:?} is not the Mixed Reality STS (https://sts.mixedreality.azure.com)"
        ));
    }
    let exp = claims["exp"].as_u64().ok_or("no numeric exp claim")?;
    if exp <= now {
        return Err(format!("expired (exp {exp} <= now {now})"));
    }
    if let Some(nbf) = claims["nbf"].as_u64() {
        if nbf > now + SKEW_SECS {
            return Err(format!("not valid yet (nbf {nbf})"));
        }
    }
    let tid = claims["tid"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or("no tid (tenant) claim")?;
    let tenants = &shared.config.aad_tenants;
    if !tenants.is_empty() && !tenants.iter().any(|t| t.eq_ignore_ascii_case(tid)) {
        return Err(format!("tenant {tid} is not an accepted tenant"));
    }
    Ok(())
}

fn audience_ok(shared: &Shared, aud: &str) -> bool {
    if shared
        .config
        .aad_audiences
        .iter()
        .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(aud.trim_end_matches('/')))
    {
        return true;
    }
    let Some(host) = aud
        .trim_end_matches('/')
        .strip_prefix("https://")
        .map(str::to_ascii_lowercase)
    else {
        return false;
    };
    host == "sts.mixedreality.azure.com"
        || host
            .strip_prefix("sts.")
            .and_then(|h| h.strip_suffix(".mixedreality.azure.com"))
            .is_some_and(|region| !region.is_empty() && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}
