//! The client: session operations over either wire version, with auth and retry underneath.

use std::sync::Arc;

use reqwest::Url;

use crate::auth::TokenSource;
use crate::config::{ApiVersion, ClientConfig};
use crate::endpoints::ResolvedEndpoints;
use crate::error::{Error, ErrorKind, Result};
use crate::owned_sessions::OwnedSessions;
use crate::response::Response;
use crate::secret::Secret;
use crate::transport::{self, Request, Transport};
use crate::wire::{self, SessionWire};
use tokio_util::sync::CancellationToken as CancelToken;

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
    /// The session API of the configured version.
    wire: Box<dyn SessionWire>,
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
        let wire = wire::for_version(config.api_version, &endpoints.rendering, &config.account_id);
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                endpoints,
                transport,
                wire,
                tokens,
                owned: OwnedSessions::default(),
                closing: CancelToken::new(),
            }),
        })
    }

    pub(crate) fn wire(&self) -> &dyn SessionWire {
        self.inner.wire.as_ref()
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

    /// Every page of a list, from the `first` page's request, following `@nextLink`.
    pub(crate) async fn list_pages<T>(
        &self,
        first: Request,
        decode: impl Fn(&[u8]) -> Result<(Vec<T>, Option<String>)>,
    ) -> Result<Response<Vec<T>>> {
        let mut request = first;
        let mut items = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let response = self.execute_checked(|| request.clone()).await?;
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
                    let url = self
                        .checked_next_link(&link)
                        .map_err(|e| e.with_ms_cv(response.ms_cv))?;
                    request = Request::get(request.route, url);
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
    pub(crate) async fn execute(&self, build: impl Fn() -> Request) -> Result<transport::Response> {
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
