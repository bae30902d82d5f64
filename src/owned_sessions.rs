//! The session guard: sessions this client created are "owned", and can be stopped together, e.g. when
//! the app exits, so that a crash-free exit never leaves a billable session running.
//!
//! Sessions created through the client are owned unless created with `owned: false` (with a
//! client-chosen id, from before the request is sent, so a create whose answer is lost stays covered);
//! `own_session`
//! adopts one (e.g. after reconnecting to a session from a previous run) and `disown_session` lets one
//! outlive the client. A successful stop disowns the session.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};

/// The ids of the sessions a client owns, and the creates whose outcome is not known yet.
#[derive(Debug, Default)]
pub(crate) struct OwnedSessions {
    state: Mutex<State>,
    /// Woken whenever a create in flight learns its outcome.
    create_settled: Notify,
}

#[derive(Debug, Default)]
struct State {
    owned: BTreeSet<String>,
    /// Creates in flight per id (a retried create may overlap its first attempt).
    creating: BTreeMap<String, usize>,
}

/// A create in flight; dropping it (outcome known, or the task gone) settles it.
pub(crate) struct CreateInFlight<'a> {
    sessions: &'a OwnedSessions,
    id: String,
}

impl Drop for CreateInFlight<'_> {
    fn drop(&mut self) {
        {
            let mut state = self.sessions.state();
            if let Some(count) = state.creating.get_mut(&self.id) {
                *count -= 1;
                if *count == 0 {
                    state.creating.remove(&self.id);
                }
            }
        }
        self.sessions.create_settled.notify_waiters();
    }
}

impl OwnedSessions {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, id: &str) {
        self.state().owned.insert(id.to_owned());
    }

    pub fn contains(&self, id: &str) -> bool {
        self.state().owned.contains(id)
    }

    pub fn remove(&self, id: &str) {
        self.state().owned.remove(id);
    }

    pub fn list(&self) -> Vec<String> {
        self.state().owned.iter().cloned().collect()
    }

    pub fn begin_create(&self, id: &str) -> CreateInFlight<'_> {
        *self.state().creating.entry(id.to_owned()).or_default() += 1;
        CreateInFlight {
            sessions: self,
            id: id.to_owned(),
        }
    }

    fn is_creating(&self, id: &str) -> bool {
        self.state().creating.contains_key(id)
    }

    /// Completes when no create is in flight.
    async fn creates_settled(&self) {
        loop {
            let notified = self.create_settled.notified();
            tokio::pin!(notified);
            // Register before looking, so a create settling in between is not missed.
            notified.as_mut().enable();
            if self.state().creating.is_empty() {
                return;
            }
            notified.await;
        }
    }
}

impl Client {
    /// The ids of the sessions this client owns (created here, or adopted with `own_session`).
    pub fn owned_sessions(&self) -> Vec<String> {
        self.owned().list()
    }

    /// Makes this client responsible for stopping `id` (see [`Client::stop_owned_sessions`]).
    pub fn own_session(&self, id: &str) -> Result<()> {
        crate::resource_id::validate_session_id(id)?;
        self.owned().add(id);
        Ok(())
    }

    /// Lets `id` outlive the client: it will not be stopped by `stop_owned_sessions` or on close.
    pub fn disown_session(&self, id: &str) {
        self.owned().remove(id);
    }

    /// Stops every owned session, concurrently, within `timeout`. Returns one outcome per session; a
    /// session the service no longer knows counts as stopped (unless its create is still in flight: then
    /// it may yet appear, and stays owned). Sessions not stopped in time stay owned and are reported with
    /// [`ErrorKind::Timeout`].
    pub async fn stop_owned_sessions(&self, timeout: Duration) -> Vec<(String, Result<()>)> {
        if let Err(e) = self.check_open() {
            return self
                .owned_sessions()
                .into_iter()
                .map(|id| (id, Err(e.clone())))
                .collect();
        }
        self.stop_owned_within(timeout).await
    }

    async fn stop_owned_within(&self, timeout: Duration) -> Vec<(String, Result<()>)> {
        let ids = self.owned_sessions();
        let mut stops = JoinSet::new();
        for id in ids.clone() {
            let client = self.clone();
            stops.spawn(async move {
                let outcome = match client.stop_unchecked(&id).await {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == ErrorKind::NotFound && client.owned().is_creating(&id) => Err(e),
                    Err(e) if e.kind() == ErrorKind::NotFound => {
                        client.disown_session(&id);
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
                (id, outcome)
            });
        }
        let mut outcomes = Vec::new();
        let collect = async {
            while let Some(joined) = stops.join_next().await {
                if let Ok(outcome) = joined {
                    outcomes.push(outcome);
                }
            }
        };
        // On timeout the remaining stops are aborted when `stops` is dropped.
        let _ = tokio::time::timeout(timeout, collect).await;
        for id in ids {
            if !outcomes.iter().any(|(done, _)| *done == id) {
                let error = Error::new(
                    ErrorKind::Timeout,
                    format!("stopping session {id} did not finish within {timeout:?}"),
                );
                outcomes.push((id, Err(error)));
            }
        }
        outcomes
    }

    /// Ends the client's work. Calls in flight on this client (and its clones) end with
    /// [`ErrorKind::Cancelled`], later ones fail with [`ErrorKind::Closed`]. With
    /// `stop_owned_sessions_on_close`, it then waits for creates still at the service (a service carries
    /// out a request it accepted, so their outcome decides whether there is a session to stop) and stops
    /// every owned session, all within `close_timeout`; it returns their outcomes. Closing again returns
    /// at once with nothing.
    pub async fn close(&self) -> Vec<(String, Result<()>)> {
        if self.is_closed() {
            return Vec::new();
        }
        self.closing().cancel();
        if !self.config().stop_owned_sessions_on_close {
            return Vec::new();
        }
        let budget = self.config().close_timeout;
        let started = tokio::time::Instant::now();
        if tokio::time::timeout(budget, self.owned().creates_settled())
            .await
            .is_err()
        {
            tracing::warn!(
                target: "arr_session::guard",
                "a create was still in flight when the close timeout ran out; its session may be running"
            );
        }
        let outcomes = self.stop_owned_within(budget.saturating_sub(started.elapsed())).await;
        for (id, outcome) in &outcomes {
            match outcome {
                Ok(()) => tracing::info!(target: "arr_session::guard", "stopped owned session {id} on close"),
                Err(e) => {
                    tracing::warn!(target: "arr_session::guard", "could not stop owned session {id} on close: {e}")
                }
            }
        }
        outcomes
    }
}
