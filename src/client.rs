//! The client: session operations over either wire version, with auth and retry underneath.

use std::sync::Arc;

use reqwest::{Method, Url};

use crate::auth::TokenSource;
use crate::config::{ApiVersion, ClientConfig, ResolvedEndpoints};
use crate::error::{Error, ErrorKind, Result};
use crate::guard::OwnedSessions;
use crate::model::{
    validate_lease, validate_session_id, CreateSessionOptions, Response, Session, SessionSize, SessionStatus,
    MAX_LEASE_MINUTES,
};
use crate::secret::Secret;
use crate::transport::{self, Request, Transport};
use crate::wire::{v1, v2021};
use tokio_util::sync::CancellationToken as CancelToken;

/// Reads one page of a list: its items and the link to the next page.
pub(crate) type PageDecoder<T> = fn(&[u8]) -> Result<(Vec<T>, Option<String>)>;

/// Pages followed at most when listing, so that a service bug that links pages in a circle cannot hang us.
const MAX_LIST_PAGES: usize = 10_000;

/// A thread-safe handle to one account on one rendering endpoint. Cheap to clone; clones share the
/// connection pool and the token cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    endpoints: ResolvedEndpoints,
    transport: Transport,
    /// Built once: the session URLs of api-version 2021-01-01.
    sessions: v2021::SessionUrls,
    tokens: TokenSource,
    owned: OwnedSessions,
    /// Cancelled by [`Client::close`]: calls in flight end with `Cancelled`, new ones fail with `Closed`.
    closing: CancelToken,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoints.rendering.as_str())
            .field("account_id", &self.inner.config.account_id)
            .field("api_version", &self.inner.config.api_version)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Checks the configuration and sets up the connection pool. Sends nothing.
    pub fn new(config: ClientConfig) -> Result<Client> {
        let config = config.normalized()?;
        let endpoints = config.resolve()?;
        let transport = Transport::new(&config, endpoints.may_need_tls(&config.proxy))?;
        let tokens = TokenSource::new(config.credential.clone(), endpoints.sts.clone(), &config.account_id);
        let sessions = v2021::SessionUrls::new(&endpoints.rendering, &config.account_id);
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                endpoints,
                transport,
                sessions,
                tokens,
                owned: OwnedSessions::default(),
                closing: CancelToken::new(),
            }),
        })
    }

    pub(crate) fn owned(&self) -> &OwnedSessions {
        &self.inner.owned
    }

    /// Whether [`Client::close`] was called (on this client or a clone).
    pub fn is_closed(&self) -> bool {
        self.inner.closing.is_cancelled()
    }

    pub(crate) fn closing(&self) -> &CancelToken {
        &self.inner.closing
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.is_closed() {
            Err(Error::new(ErrorKind::Closed, "the client was closed"))
        } else {
            Ok(())
        }
    }

    /// Runs `work` unless the client is closed first (then `Cancelled`).
    pub(crate) async fn until_closed<T>(&self, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        self.check_open()?;
        tokio::select! {
            biased;
            () = self.inner.closing.cancelled() => {
                Err(Error::new(ErrorKind::Cancelled, "the client was closed while the call was in flight"))
            }
            result = work => result,
        }
    }

    /// The configuration the client was made with (key and token trimmed).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The wire version the client speaks.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.config.api_version
    }

    /// The rendering endpoint after expansion (e.g. `westus2` → `https://remoterendering.westus2...`).
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoints.rendering
    }

    /// A currently valid access token (exchanged at the STS if needed, and cached). For handing to a
    /// renderer or a backend; never log it.
    pub async fn access_token(&self) -> Result<Secret> {
        let token = self
            .until_closed(self.inner.tokens.token(&self.inner.transport))
            .await?;
        Ok(token.secret)
    }

    /// Creates a session. With api-version 2021-01-01 the id is `options.id` or a new GUID, and a retried
    /// create with the same settings is answered 200 by the service (one session, never two). With v1 the
    /// service chooses the id, so `options.id` must be `None`; the answer carries only the id, and the
    /// session is reported as Starting with the requested settings.
    pub async fn create_session(&self, options: &CreateSessionOptions) -> Result<Response<Session>> {
        validate_lease(options.max_lease_time_minutes)?;
        let size = SessionSize::parse_requested(options.size.as_str())?;
        let account = &self.inner.config.account_id;
        let base = &self.inner.endpoints.rendering;
        match self.api_version() {
            ApiVersion::V2021_01_01 => {
                let id = match &options.id {
                    Some(id) => id.clone(),
                    None => uuid::Uuid::new_v4().to_string(),
                };
                validate_session_id(&id)?;
                self.check_open()?;
                // The request is carried out in a task of its own: a service carries out a create it has
                // accepted even if we stop listening, so cancelling the call (or closing the client) must
                // not lose track of the outcome. The session guard learns it either way.
                let task =
                    tokio::spawn(
                        self.clone()
                            .create_2021(id, size, options.max_lease_time_minutes, options.owned),
                    );
                self.until_closed(async {
                    match task.await {
                        Ok(result) => result,
                        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
                        Err(_) => Err(Error::new(ErrorKind::Cancelled, "the create was cancelled")),
                    }
                })
                .await
            }
            ApiVersion::V1 => {
                if options.id.is_some() {
                    return Err(Error::invalid_argument(
                        "sessionId",
                        "the v1 API chooses session ids itself; leave the id unset",
                    ));
                }
                let body = v1::create_body(&size, options.max_lease_time_minutes);
                let url = v1::create_url(base, account);
                // Not idempotent: a blind retry after an ambiguous failure could start a second billable session.
                let response = self
                    .execute_checked(|| {
                        Request::new("v1.sessions.create", Method::POST, url.clone())
                            .json(&body)
                            .not_idempotent()
                    })
                    .await?;
                let id = v1::decode_created(&response.body).map_err(|e| e.with_ms_cv(response.ms_cv.clone()))?;
                if options.owned {
                    self.owned().add(&id);
                }
                let session = Session {
                    id,
                    status: SessionStatus::Starting,
                    size,
                    max_lease_time_minutes: Some(options.max_lease_time_minutes),
                    elapsed_time_minutes: None,
                    hostname: None,
                    handshake_port: None,
                    arr_inspector_port: None,
                    teraflops: None,
                    creation_time: None,
                    error: None,
                };
                Ok(Response {
                    value: session,
                    ms_cv: response.ms_cv,
                    http_status: response.status,
                })
            }
        }
    }

    /// The 2021-01-01 create, from sending to knowing: the id is owned before the request leaves (if the
    /// answer is lost, the session may exist, and the guard must still be able to stop it) and stays owned
    /// while the outcome is unknown; the guard waits for it when closing.
    async fn create_2021(self, id: String, size: SessionSize, lease: u32, owned: bool) -> Result<Response<Session>> {
        let _in_flight = self.owned().begin_create(&id);
        let owned_before = self.owned().contains(&id);
        if owned {
            self.owned().add(&id);
        }
        let url = self.inner.sessions.session(&id);
        let body = v2021::create_body(&size, lease);
        let result = self
            .execute(|| {
                Request::new("sessions.create", Method::PUT, url.clone())
                    .json(&body)
                    .subject(&id)
            })
            .await
            .and_then(|response| session_response(&response, v2021::decode_session));
        let result = match result {
            // A retried create may meet the session its own first attempt made: 409 when the service
            // does not see "the same settings". Look before calling it a conflict.
            Err(e) if e.kind() == ErrorKind::Conflict => self.find_created(&id, &size, lease).await.ok_or(e),
            other => other,
        };
        if let Err(e) = &result {
            if owned && !owned_before && !may_have_created(e) {
                self.owned().remove(&id);
            }
        }
        result
    }

    /// The session `id` if it is live with exactly the settings we asked for, i.e. ours.
    async fn find_created(&self, id: &str, size: &SessionSize, lease: u32) -> Option<Response<Session>> {
        let url = self.inner.sessions.session(id);
        let response = self
            .execute(|| Request::get("sessions.get", url.clone()).subject(id))
            .await
            .ok()?;
        let found = session_response(&response, v2021::decode_session).ok()?;
        let same = found.value.size == *size
            && found.value.max_lease_time_minutes == Some(lease)
            && !found.value.status.is_terminal();
        same.then_some(found)
    }

    /// The session's current properties. A stopped session stays readable (the service keeps it 30 days).
    pub async fn get_session(&self, id: &str) -> Result<Response<Session>> {
        validate_session_id(id)?;
        let account = &self.inner.config.account_id;
        let base = &self.inner.endpoints.rendering;
        match self.api_version() {
            ApiVersion::V2021_01_01 => {
                let url = self.inner.sessions.session(id);
                let response = self
                    .execute_checked(|| Request::get("sessions.get", url.clone()).subject(id))
                    .await?;
                session_response(&response, v2021::decode_session)
            }
            ApiVersion::V1 => {
                let url = v1::properties_url(base, account, id);
                let response = self
                    .execute_checked(|| Request::get("v1.sessions.properties", url.clone()).subject(id))
                    .await?;
                session_response(&response, v1::decode_properties)
            }
        }
    }

    /// Sets the lease to `max_lease_time_minutes` in total since Ready (absolute, not an increment; see
    /// [`Client::extend_session`]). It must be larger than the current lease and at most 1440. Setting the
    /// lease it already has succeeds, which also makes a retried update safe.
    pub async fn update_session(&self, id: &str, max_lease_time_minutes: u32) -> Result<Response<Session>> {
        self.update_session_applied(id, max_lease_time_minutes)
            .await
            .map(|(response, _)| response)
    }

    /// [`Client::update_session`], also saying whether this call changed the lease (`false` when the
    /// session already had it: another keeper, or our own earlier attempt, got there first).
    pub(crate) async fn update_session_applied(
        &self,
        id: &str,
        max_lease_time_minutes: u32,
    ) -> Result<(Response<Session>, bool)> {
        validate_session_id(id)?;
        validate_lease(max_lease_time_minutes)?;
        let account = &self.inner.config.account_id;
        let base = &self.inner.endpoints.rendering;
        let result = match self.api_version() {
            ApiVersion::V2021_01_01 => {
                let url = self.inner.sessions.session(id);
                let body = v2021::update_body(max_lease_time_minutes);
                self.execute_checked(|| {
                    Request::new("sessions.update", Method::PATCH, url.clone())
                        .json(&body)
                        .subject(id)
                })
                .await
                .and_then(|r| session_response(&r, v2021::decode_session))
            }
            ApiVersion::V1 => {
                let url = v1::session_url(base, account, id);
                let body = v1::update_body(max_lease_time_minutes);
                // v1 answers 200 with an empty body; read the session back so both versions return the same.
                match self
                    .execute_checked(|| {
                        Request::new("v1.sessions.update", Method::PATCH, url.clone())
                            .json(&body)
                            .subject(id)
                    })
                    .await
                {
                    Ok(_) => self.get_session(id).await,
                    Err(e) => Err(e),
                }
            }
        };
        match result {
            // "Must be larger than the current value": if the current value is already the one asked
            // for (e.g. our first attempt was applied but its answer lost), the update has happened.
            Err(e) if matches!(e.http_status(), Some(400 | 422)) => {
                let current = self.get_session(id).await?;
                if current.value.max_lease_time_minutes == Some(max_lease_time_minutes) {
                    Ok((current, false))
                } else {
                    Err(e)
                }
            }
            other => other.map(|response| (response, true)),
        }
    }

    /// Adds `by_minutes` to the current lease (one GET, then an absolute update). This is the safe way
    /// to renew: the lease is absolute, and doubling it by mistake was a known bug of the Unity helper.
    pub async fn extend_session(&self, id: &str, by_minutes: u32) -> Result<Response<Session>> {
        let current = self.get_session(id).await?;
        let lease = current.value.max_lease_time_minutes.ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                format!("session {id} did not report its maxLeaseTimeMinutes"),
            )
        })?;
        let wanted = lease.saturating_add(by_minutes);
        if by_minutes == 0 || wanted > MAX_LEASE_MINUTES {
            return Err(Error::invalid_argument(
                "maxLeaseTimeMinutes",
                format_args!(
                    "extending {lease} by {by_minutes} minutes must give 1 to {MAX_LEASE_MINUTES} more, not {wanted}"
                ),
            ));
        }
        self.update_session(id, wanted).await
    }

    /// Stops the session (billing ends). Stopping a stopped session succeeds.
    pub async fn stop_session(&self, id: &str) -> Result<Response<()>> {
        validate_session_id(id)?;
        self.until_closed(self.stop_unchecked(id)).await
    }

    /// The stop itself, also while the client is closing (the session guard's stop-on-close).
    pub(crate) async fn stop_unchecked(&self, id: &str) -> Result<Response<()>> {
        let account = &self.inner.config.account_id;
        let base = &self.inner.endpoints.rendering;
        let response = match self.api_version() {
            ApiVersion::V2021_01_01 => {
                let url = self.inner.sessions.stop(id);
                self.execute(|| Request::new("sessions.stop", Method::POST, url.clone()).subject(id))
                    .await?
            }
            ApiVersion::V1 => {
                let url = v1::session_url(base, account, id);
                self.execute(|| Request::new("v1.sessions.stop", Method::DELETE, url.clone()).subject(id))
                    .await?
            }
        };
        self.owned().remove(id);
        Ok(Response {
            value: (),
            ms_cv: response.ms_cv,
            http_status: response.status,
        })
    }

    /// Every Starting or Ready session of the account, following `@nextLink` across pages.
    pub async fn list_sessions(&self) -> Result<Response<Vec<Session>>> {
        let account = &self.inner.config.account_id;
        let base = &self.inner.endpoints.rendering;
        match self.api_version() {
            ApiVersion::V2021_01_01 => {
                self.list_pages("sessions.list", self.inner.sessions.list(), v2021::decode_list)
                    .await
            }
            ApiVersion::V1 => {
                let url = v1::list_url(base, account);
                let response = self
                    .execute_checked(|| Request::get("v1.sessions.list", url.clone()))
                    .await?;
                let sessions = v1::decode_list(&response.body).map_err(|e| e.with_ms_cv(response.ms_cv.clone()))?;
                Ok(Response {
                    value: sessions,
                    ms_cv: response.ms_cv,
                    http_status: response.status,
                })
            }
        }
    }

    /// Every page of a 2021-01-01 list, following `@nextLink` from `first`.
    pub(crate) async fn list_pages<T>(
        &self,
        route: &'static str,
        first: Url,
        decode: PageDecoder<T>,
    ) -> Result<Response<Vec<T>>> {
        let mut url = first;
        let mut items = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let response = self.execute_checked(|| Request::get(route, url.clone())).await?;
            let (page, next) = decode(&response.body).map_err(|e| e.with_ms_cv(response.ms_cv.clone()))?;
            items.extend(page);
            match next {
                None => {
                    return Ok(Response {
                        value: items,
                        ms_cv: response.ms_cv,
                        http_status: response.status,
                    })
                }
                Some(link) => {
                    url = self
                        .checked_next_link(&link)
                        .map_err(|e| e.with_ms_cv(response.ms_cv))?
                }
            }
        }
        Err(Error::new(
            ErrorKind::Decode,
            format!("the list did not end after {MAX_LIST_PAGES} pages"),
        ))
    }

    /// `@nextLink` is followed verbatim, but only to the endpoint we were configured with: the link gets
    /// our bearer token, so a link to any other origin is refused rather than followed.
    fn checked_next_link(&self, link: &str) -> Result<Url> {
        let base = &self.inner.endpoints.rendering;
        let url = base
            .join(link)
            .map_err(|e| Error::new(ErrorKind::Decode, format!("the @nextLink is not a URL: {e}")))?;
        if url.origin() != base.origin() {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "the @nextLink points to another origin ({}); not sending credentials there",
                    url.origin().ascii_serialization()
                ),
            ));
        }
        Ok(url)
    }

    /// [`Client::execute`] for a caller's operation: refused once the client is closed, and ended by
    /// closing it.
    pub(crate) async fn execute_checked(&self, build: impl Fn() -> Request) -> Result<transport::Response> {
        self.until_closed(self.execute(build)).await
    }

    /// Sends a request built by `build` with a valid token; on a 401, refreshes the token once and resends.
    /// Not tied to the client's closing: the session guard uses it while closing.
    async fn execute(&self, build: impl Fn() -> Request) -> Result<transport::Response> {
        let inner = &self.inner;
        let token = inner.tokens.token(&inner.transport).await?;
        match inner.transport.send(build().bearer(token.bearer.clone())).await {
            Err(e) if e.http_status() == Some(401) && inner.tokens.can_refresh() => {
                tracing::debug!(target: "arr_session::auth", "access token refused; refreshing once");
                inner.tokens.invalidate(&token);
                let fresh = inner.tokens.token(&inner.transport).await?;
                inner.transport.send(build().bearer(fresh.bearer)).await
            }
            other => other,
        }
    }
}

/// Whether a failed create may nevertheless have created the session (the answer was lost or garbled,
/// or the service failed after acting). A 4xx, including 429, means it did not.
fn may_have_created(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Decode | ErrorKind::Cancelled => true,
        ErrorKind::Service => error.http_status().is_none_or(|s| s >= 500),
        _ => false,
    }
}

fn session_response(response: &transport::Response, decode: fn(&[u8]) -> Result<Session>) -> Result<Response<Session>> {
    let session =
        decode(&response.body).map_err(|e| e.with_http_status(response.status).with_ms_cv(response.ms_cv.clone()))?;
    Ok(Response {
        value: session,
        ms_cv: response.ms_cv.clone(),
        http_status: response.status,
    })
}
