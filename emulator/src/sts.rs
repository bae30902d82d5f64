//! The Mixed Reality STS: exchanges `Bearer <accountId>:<accountKey>` for an access token.

use axum::http::{HeaderMap, StatusCode};

use crate::respond::{bearer, empty, json, no_store, Resp};
use crate::shared::Shared;

/// `GET /Accounts/{id}/token`. `api-version` is optional and not checked (PowerShell sends none; the SDKs
/// send 2019-02-28-preview).
pub(crate) fn token(shared: &Shared, headers: &HeaderMap, account: &str) -> Resp {
    let authorized = bearer(headers).is_some_and(|cred| shared.check_account_key(account, cred));
    if !authorized {
        // The real STS answers a bad key with an empty 401: no body, no Content-Type, no WWW-Authenticate.
        return empty(StatusCode::UNAUTHORIZED);
    }
    let token = shared
        .tokens
        .issue(account, shared.config.token_lifetime, Shared::now_secs());
    no_store(json(StatusCode::OK, &serde_json::json!({ "AccessToken": token })))
}
