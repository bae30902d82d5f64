//! The client's session calls: create, get, update, extend, stop, list, and the waits until Ready, spoken
//! over the client's [`crate::wire::SessionWire`].

use std::future::Future;
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::resource_id::validate_session_id;
use crate::response::Response;
use crate::session::{validate_lease, CreateSessionOptions, Session, SessionSize, MAX_LEASE_MINUTES};
use crate::wait::{Awaited, WaitOptions, PREMIUM_POLL_INTERVAL, STANDARD_POLL_INTERVAL};

impl Client {
    /// Creates a session. With api-version 2021-01-01 the id is `options.id` or a new GUID, and a retried
    /// create with the same settings is answered 200 by the service (one session, never two). With v1 the
    /// service chooses the id, so `options.id` must be `None`; the answer carries only the id, and the
    /// session is reported as Starting with the requested settings.
    pub async fn create_session(&self, options: &CreateSessionOptions) -> Result<Response<Session>> {
        validate_lease(options.max_lease_time_minutes)?;
        let size = SessionSize::parse_requested(options.size.as_str())?;
        let lease = options.max_lease_time_minutes;
        if !self.wire().client_chooses_ids() {
            if options.id.is_some() {
                return Err(Error::invalid_argument(
                    "sessionId",
                    "the v1 API chooses session ids itself; leave the id unset",
                ));
            }
            let request = self.wire().create(None, &size, lease);
            let response = self.execute_checked(|| request.clone()).await?;
            let created = Response::decoded(&response, self.wire().created(&response.body, &size, lease))?;
            if options.owned {
                self.owned().add(&created.value.id);
            }
            return Ok(created);
        }
        let id = match &options.id {
            Some(id) => id.clone(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        validate_session_id(&id)?;
        self.check_open()?;
        // The request is carried out in a task of its own: a service carries out a create it has accepted
        // even if we stop listening, so cancelling the call (or closing the client) must not lose track of
        // the outcome. The session guard learns it either way.
        let task = tokio::spawn(self.clone().create_tracked(id, size, lease, options.owned));
        self.until_closed(async {
            match task.await {
                Ok(result) => result,
                Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
                Err(_) => Err(Error::new(ErrorKind::Cancelled, "the create was cancelled")),
            }
        })
        .await
    }

    /// A create with a client-chosen id, from sending to knowing: the id is owned before the request leaves
    /// (if the answer is lost, the session may exist, and the guard must still be able to stop it) and
    /// stays owned while the outcome is unknown; the guard waits for it when closing.
    async fn create_tracked(self, id: String, size: SessionSize, lease: i64, owned: bool) -> Result<Response<Session>> {
        let _in_flight = self.owned().begin_create(&id);
        let owned_before = self.owned().contains(&id);
        if owned {
            self.owned().add(&id);
        }
        let request = self.wire().create(Some(&id), &size, lease);
        let result = self
            .execute(|| request.clone())
            .await
            .and_then(|response| Response::decoded(&response, self.wire().created(&response.body, &size, lease)));
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
    async fn find_created(&self, id: &str, size: &SessionSize, lease: i64) -> Option<Response<Session>> {
        let request = self.wire().get(id);
        let response = self.execute(|| request.clone()).await.ok()?;
        let found = Response::decoded(&response, self.wire().session(&response.body)).ok()?;
        let same = found.value.size == *size
            && found.value.max_lease_time_minutes.map(i64::from) == Some(lease)
            && !found.value.status.is_terminal();
        same.then_some(found)
    }

    /// The session's current properties. A stopped session stays readable (the service keeps it 30 days).
    pub async fn get_session(&self, id: &str) -> Result<Response<Session>> {
        validate_session_id(id)?;
        let request = self.wire().get(id);
        let response = self.execute_checked(|| request.clone()).await?;
        Response::decoded(&response, self.wire().session(&response.body))
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
        let request = self.wire().update(id, max_lease_time_minutes);
        let result = match self.execute_checked(|| request.clone()).await {
            Ok(response) => match self.wire().updated(&response.body) {
                Some(updated) => Response::decoded(&response, updated),
                None => self.get_session(id).await,
            },
            Err(e) => Err(e),
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
        let request = self.wire().stop(id);
        let response = self.execute(|| request.clone()).await?;
        self.owned().remove(id);
        Ok(Response {
            value: (),
            ms_cv: response.ms_cv,
            http_status: response.status,
        })
    }

    /// Every Starting or Ready session of the account, following `@nextLink` across pages.
    pub async fn list_sessions(&self) -> Result<Response<Vec<Session>>> {
        self.list_pages(self.wire().list(), |body| self.wire().list_page(body))
            .await
    }

    /// Polls the session until it is Ready. Fails with [`ErrorKind::SessionEnded`] (carrying the session and
    /// its `error`) when it reaches Error, Expired or Stopped; with `Timeout` or `Cancelled` per `options`.
    /// Throttling and transient failures do not end the wait: it backs off (honouring `Retry-After`) and
    /// polls again. Cancelling or timing out stops waiting only; the session keeps running.
    pub async fn wait_until_ready(&self, id: &str, options: &WaitOptions) -> Result<Response<Session>> {
        self.wait_one(id, options).await
    }

    /// Waits for many sessions at once. Each poll costs one listing of the account plus one GET for each
    /// awaited session that is no longer listed (the list shows only Starting and Ready sessions), so
    /// waiting for hundreds of sessions does not multiply requests.
    ///
    /// Returns one result per id, in the order given: the Ready session, or why it will not be Ready
    /// (`SessionEnded`, `NotFound`, `InvalidArgument`, or `Timeout` for those still starting when the
    /// timeout ran out). Cancellation fails the whole call with `Cancelled`.
    pub async fn wait_for_sessions<I>(&self, ids: I, options: &WaitOptions) -> Result<Vec<Result<Session>>>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let ids: Vec<String> = ids.into_iter().map(|id| id.as_ref().to_owned()).collect();
        self.wait_many(&ids, options).await
    }
}

/// A session wait ends at Ready, or with `SessionEnded` at Error, Expired or Stopped.
impl Awaited for Session {
    const NOUN: &'static str = "session";
    const GOAL: &'static str = "become Ready";

    fn validate_id(id: &str) -> Result<()> {
        validate_session_id(id)
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn outcome(&self, ms_cv: Option<String>) -> Option<Result<Session>> {
        if self.status.is_ready() {
            Some(Ok(self.clone()))
        } else if self.status.is_terminal() {
            Some(Err(Error::session_ended(self.clone(), ms_cv)))
        } else {
            None
        }
    }

    /// Premium (and unknown) sizes start more slowly than Standard.
    fn default_interval(seen: Option<&Session>) -> Duration {
        match seen.map(|s| &s.size) {
            None | Some(SessionSize::Standard) => STANDARD_POLL_INTERVAL,
            Some(_) => PREMIUM_POLL_INTERVAL,
        }
    }

    fn timed_out(error: Error, last_seen: Option<Session>) -> Error {
        match last_seen {
            Some(session) => error.with_session(session),
            None => error,
        }
    }

    fn get(client: &Client, id: &str) -> impl Future<Output = Result<Response<Session>>> + Send {
        client.get_session(id)
    }

    async fn list(client: &Client) -> Result<Vec<Session>> {
        Ok(client.list_sessions().await?.into_value())
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
