//! Capacity fallback for create-and-wait (opt-in): when a new session ends in `Error` because the region
//! had no VM for it, create one of the next size, then on the next endpoint, instead of failing. The
//! service's documentation suggests falling back to Premium when Standard runs out.
//!
//! Every session that failed is stopped before the next is created (a failed session bills nothing more,
//! but a stop is cheap, idempotent, and makes "never left running" true whatever state it was in).

use std::sync::Arc;

use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::response::Response;
use crate::session::{CreateSessionOptions, Session, SessionSize};
use crate::wait::WaitOptions;

/// Session error codes that mean "no capacity": the emulator's `CapacityExceeded` (inferred; protocol.md
/// records no real code for it). Callers add the codes they meet with [`CapacityFallback::codes`].
pub const CAPACITY_ERROR_CODES: &[&str] = &["CapacityExceeded"];

/// Called with each fallback step, on the task that runs the create.
pub type FallbackFn = Arc<dyn Fn(&FallbackEvent) + Send + Sync>;

/// Where to go when a session fails for lack of capacity.
#[derive(Clone)]
#[non_exhaustive]
pub struct CapacityFallback {
    /// Sizes tried after the requested one, in order, on each endpoint (e.g. `[Premium]`).
    pub sizes: Vec<SessionSize>,
    /// Further endpoints (clients of the same account elsewhere), tried in order after every size failed
    /// on the one before.
    pub endpoints: Vec<Client>,
    /// Session error codes that count as lack of capacity (default [`CAPACITY_ERROR_CODES`]).
    pub codes: Vec<String>,
    /// Called with each step.
    pub on_event: Option<FallbackFn>,
}

impl Default for CapacityFallback {
    fn default() -> CapacityFallback {
        CapacityFallback {
            sizes: Vec::new(),
            endpoints: Vec::new(),
            codes: CAPACITY_ERROR_CODES.iter().map(|c| (*c).to_owned()).collect(),
            on_event: None,
        }
    }
}

impl std::fmt::Debug for CapacityFallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapacityFallback")
            .field("sizes", &self.sizes)
            .field(
                "endpoints",
                &self.endpoints.iter().map(|c| c.endpoint().as_str()).collect::<Vec<_>>(),
            )
            .field("codes", &self.codes)
            .field("on_event", &self.on_event.is_some())
            .finish()
    }
}

impl CapacityFallback {
    /// Fall back to these sizes, in order.
    pub fn sizes(sizes: impl IntoIterator<Item = SessionSize>) -> CapacityFallback {
        CapacityFallback {
            sizes: sizes.into_iter().collect(),
            ..CapacityFallback::default()
        }
    }

    /// Then to these endpoints.
    pub fn endpoints(mut self, clients: impl IntoIterator<Item = Client>) -> CapacityFallback {
        self.endpoints = clients.into_iter().collect();
        self
    }

    /// Also treat `code` as lack of capacity.
    pub fn code(mut self, code: impl Into<String>) -> CapacityFallback {
        self.codes.push(code.into());
        self
    }

    /// Calls `f` with each step.
    pub fn on_event(mut self, f: impl Fn(&FallbackEvent) + Send + Sync + 'static) -> CapacityFallback {
        self.on_event = Some(Arc::new(f));
        self
    }

    /// Reads `{"sizes"?: ["Premium"], "endpoints"?: ["https://..."], "codes"?: ["..."]}` (the C ABI's and the
    /// bindings' form): each endpoint is served by a client made like `client` but for that endpoint.
    pub fn from_json(text: &str, client: &Client) -> Result<CapacityFallback> {
        let mut map = crate::json_fields::object(text, "fallback")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "fallback.");
        let mut fallback = CapacityFallback::default();
        if let Some(sizes) = fields.take_raw("sizes") {
            let sizes: Vec<String> = serde_json::from_value(sizes)
                .map_err(|_| Error::invalid_argument("fallback.sizes", "must be an array of sizes"))?;
            for size in sizes {
                fallback.sizes.push(
                    SessionSize::parse_requested(&size).map_err(|_| {
                        Error::invalid_argument("fallback.sizes", format_args!("{size:?} is not a size"))
                    })?,
                );
            }
        }
        if let Some(endpoints) = fields.take_raw("endpoints") {
            let endpoints: Vec<String> = serde_json::from_value(endpoints)
                .map_err(|_| Error::invalid_argument("fallback.endpoints", "must be an array of URLs"))?;
            for endpoint in endpoints {
                let other = client
                    .for_endpoint(&endpoint)
                    .map_err(|e| Error::invalid_argument("fallback.endpoints", e.message()))?;
                fallback.endpoints.push(other);
            }
        }
        if let Some(codes) = fields.take_raw("codes") {
            let codes: Vec<String> = serde_json::from_value(codes)
                .map_err(|_| Error::invalid_argument("fallback.codes", "must be an array of strings"))?;
            fallback.codes.extend(codes);
        }
        fields.reject_unknown()?;
        Ok(fallback)
    }

    fn is_capacity(&self, error: &Error) -> bool {
        error.kind() == ErrorKind::SessionEnded
            && error
                .session()
                .and_then(|s| s.error.as_ref())
                .is_some_and(|e| self.codes.iter().any(|code| code.eq_ignore_ascii_case(&e.code)))
    }
}

/// One step of a fallback: a session failed for lack of capacity and was stopped; what comes next.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackEvent {
    /// The session that failed.
    pub failed_session_id: String,
    /// Its size.
    pub failed_size: SessionSize,
    /// The endpoint it was on.
    pub failed_endpoint: String,
    /// The session's error code.
    pub code: String,
    /// The session's error message.
    pub message: String,
    /// Whether the failed session was stopped (a failed stop is logged and the fallback goes on).
    pub stopped: bool,
    /// The size tried next; `None` when nothing is left to try.
    pub next_size: Option<SessionSize>,
    /// The endpoint tried next.
    pub next_endpoint: Option<String>,
}

impl Client {
    /// A client like this one (account, credential, settings) for another rendering endpoint, for
    /// [`CapacityFallback::endpoints`]. The account's STS stays the same (it serves every region), except an
    /// STS at this client's own endpoint URL, as the emulator serves it, which moves with the endpoint
    /// (inferred: only the emulator serves both on one URL).
    pub fn for_endpoint(&self, endpoint: &str) -> Result<Client> {
        let mut config = self.config().clone();
        let sts_here = config
            .sts_endpoint
            .as_deref()
            .is_some_and(|sts| reqwest::Url::parse(sts).is_ok_and(|sts| sts.origin() == self.endpoint().origin()));
        config.endpoint = endpoint.to_owned();
        if sts_here {
            config.sts_endpoint = Some(endpoint.to_owned());
        }
        Client::new(config)
    }

    /// Creates a session and waits until it is Ready, like [`Client::create_session`] then
    /// [`Client::wait_until_ready`]; when it ends in `Error` for lack of capacity (`fallback.codes`), stops
    /// it and tries the next of `fallback.sizes` on this endpoint, then every size again on each of
    /// `fallback.endpoints`, reporting each step to `fallback.on_event`. A session id in `options` is
    /// used for the first try; later tries get `<id>-2`, `<id>-3`, ... Any other failure ends the call
    /// as it would have ended the wait; when every try ran out of capacity, the last capacity error is
    /// returned. `options.timeout` applies to each wait.
    pub async fn create_and_wait_with_fallback(
        &self,
        options: &CreateSessionOptions,
        wait: &WaitOptions,
        fallback: &CapacityFallback,
    ) -> Result<Response<Session>> {
        let mut sizes = vec![options.size.clone()];
        for size in &fallback.sizes {
            if !sizes.contains(size) {
                sizes.push(size.clone());
            }
        }
        let clients: Vec<&Client> = std::iter::once(self).chain(fallback.endpoints.iter()).collect();
        let tries: Vec<(&Client, &SessionSize)> = clients
            .iter()
            .flat_map(|client| sizes.iter().map(move |size| (*client, size)))
            .collect();
        let mut last_error = None;
        for (index, (client, size)) in tries.iter().enumerate() {
            let mut attempt = options.clone();
            attempt.size = (*size).clone();
            attempt.id = options.id.as_ref().map(|id| match index {
                0 => id.clone(),
                n => format!("{id}-{}", n + 1),
            });
            let created = client.create_session(&attempt).await?;
            let id = created.value().id.clone();
            let error = match client.wait_until_ready(&id, wait).await {
                Err(e) if fallback.is_capacity(&e) => e,
                other => return other,
            };
            let stopped = match client.stop_session(&id).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(target: "arr_session::fallback", "could not stop failed session {id}: {e}");
                    false
                }
            };
            if let Some(on_event) = &fallback.on_event {
                let next = tries.get(index + 1);
                let session_error = error.session().and_then(|s| s.error.clone()).unwrap_or_default();
                on_event(&FallbackEvent {
                    failed_session_id: id,
                    failed_size: (*size).clone(),
                    failed_endpoint: client.endpoint().to_string(),
                    code: session_error.code,
                    message: session_error.message,
                    stopped,
                    next_size: next.map(|(_, size)| (*size).clone()),
                    next_endpoint: next.map(|(client, _)| client.endpoint().to_string()),
                });
            }
            last_error = Some(error);
        }
        Err(last_error.unwrap_or_else(|| Error::new(ErrorKind::InvalidArgument, "nothing to try")))
    }
}
