//! State shared by every connection of one emulator instance.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue, StatusCode};

use crate::config::EmulatorConfig;
use crate::faults::FaultEngine;
use crate::ratelimit::RateLimiter;
use crate::request_log::RequestLog;
use crate::respond::{bearer, deny, Resp};
use crate::store::Store;
use crate::token::{TokenError, TokenService};
use crate::SessionSnapshot;

pub(crate) struct Shared {
    pub config: EmulatorConfig,
    /// Configured accounts with lower-cased ids (account ids are GUIDs, compared case-insensitively).
    pub accounts: Vec<(String, String)>,
    pub store: Store,
    /// Where sessions' hosts run (the same object the store places new sessions with).
    pub hosts: Arc<crate::hosts::Hosts>,
    pub tokens: Arc<TokenService>,
    pub faults: FaultEngine,
    pub rate: Option<RateLimiter>,
    pub counts: Mutex<BTreeMap<String, u64>>,
    pub log: RequestLog,
    /// `http(s)://host:port`, no trailing slash.
    pub base_url: String,
    /// The linked storage account (`--storage`); None = simulated storage.
    pub storage: Option<crate::blob::StorageAccount>,
    /// Where requests for `<account>.blob.<suffix>` go (the linked account's and `--storage-route`'s).
    pub storage_routes: crate::storage_routes::StorageRoutes,
    /// HTTP client for blob storage.
    pub http: reqwest::Client,
    /// The conversion worker pool: one permit per pipeline conversion running at once.
    pub conversion_slots: tokio::sync::Semaphore,
}

impl Shared {
    pub(crate) fn count(&self, route: &str) {
        *self.counts.lock().unwrap().entry(route.to_string()).or_insert(0) += 1;
    }

    pub(crate) fn now_secs() -> u64 {
        crate::timefmt::unix_nanos_now() / 1_000_000_000
    }

    /// All sessions of all accounts, with their current status.
    pub(crate) fn snapshots(&self) -> Vec<SessionSnapshot> {
        self.store
            .list(None)
            .into_iter()
            .map(|v| SessionSnapshot {
                account_id: v.session.account_id.clone(),
                id: v.session.id.clone(),
                status: v.status.as_str().to_string(),
                size: v.session.size.clone(),
                max_lease_time_minutes: v.session.max_lease_minutes,
                elapsed_time_minutes: v.elapsed_minutes(),
                error_code: v.failure().map(|f| f.code.clone()),
                error_message: v.failure().map(|f| f.message.clone()),
            })
            .collect()
    }

    pub(crate) fn revoke_tokens(&self) {
        self.tokens.revoke_all();
        // The generation lives in the state file so revoked tokens stay revoked across restarts.
        self.store.persist();
    }

    /// Is `account:key` a configured account, and is it the account named in the path?
    pub(crate) fn check_account_key(&self, path_account: &str, credential: &str) -> bool {
        let Some((id, key)) = credential.split_once(':') else {
            return false;
        };
        let id = id.to_ascii_lowercase();
        id == path_account && self.accounts.iter().any(|(a, k)| *a == id && constant_time_eq(k, key))
    }

    /// Rendering-API authorisation: the rejection when the request lacks a valid token of this emulator
    /// (401) or the token belongs to another account than the path's (403); None when authorised.
    pub(crate) fn auth_rejection(&self, headers: &HeaderMap, path_account: &str) -> Option<Resp> {
        let unauthorized = |reason: &str| {
            let mut resp = deny(StatusCode::UNAUTHORIZED, reason);
            resp.headers_mut().insert(
                "www-authenticate",
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            Some(resp)
        };
        let Some(token) = bearer(headers) else {
            return unauthorized("no Bearer token");
        };
        match self.tokens.verify(token, Self::now_secs()) {
            Err(e) => unauthorized(match e {
                TokenError::Malformed => "the token is not an access token of this emulator",
                TokenError::BadSignature => "the token's signature does not match (another emulator instance?)",
                TokenError::Expired => "the token has expired",
                TokenError::Revoked => "the token was revoked (POST /_emulator/revoke-tokens)",
            }),
            Ok(account) if account != path_account => Some(deny(
                StatusCode::FORBIDDEN,
                &format!("the token is for account {account}, the path names account {path_account}"),
            )),
            Ok(_) => None,
        }
    }
}

/// Key comparison whose time does not depend on where the strings differ.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
