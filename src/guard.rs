//! The session guard: sessions this client created are "owned", and can be stopped together, e.g. when
//! the app exits, so that a crash-free exit never leaves a billable session running.
//!
//! Sessions created through the client are owned unless created with `owned: false` (with a
//! client-chosen id, from before the request is sent, so a create whose answer is lost stays covered);
//! `own_session`
//! adopts one (e.g. after reconnecting to a session from a previous run) and `disown_session` lets one
//! outlive the client. A successful stop disowns the session.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};

/// The ids of the sessions a client owns.
#[derive(Debug, Default)]
pub(crate) struct OwnedSessions(Mutex<BTreeSet<String>>);

impl OwnedSessions {
    fn set(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, id: &str) {
        self.set().insert(id.to_owned());
    }

    pub fn contains(&self, id: &str) -> bool {
        self.set().contains(id)
    }

    pub fn remove(&self, id: &str) {
        self.set().remove(id);
    }

    pub fn list(&self) -> Vec<String> {
        self.set().iter().cloned().collect()
    }
}

impl Client {
    /// The ids of the sessions this client owns (created here, or adopted with `own_session`).
    pub fn owned_sessions(&self) -> Vec<String> {
        self.owned().list()
    }

    /// Makes this client responsible for stopping `id` (see [`Client::stop_owned_sessions`]).
    pub fn own_session(&self, id: &str) -> Result<()> {
        crate::model::validate_session_id(id)?;
        self.owned().add(id);
        Ok(())
    }

    /// Lets `id` outlive the client: it will not be stopped by `stop_owned_sessions` or on close.
    pub fn disown_session(&self, id: &str) {
        self.owned().remove(id);
    }

    /// Stops every owned session, concurrently, within `timeout`. Returns one outcome per session; a
    /// session the service no longer knows counts as stopped. Sessions not stopped in time stay owned
    /// and are reported with [`ErrorKind::Timeout`].
    pub async fn stop_owned_sessions(&self, timeout: Duration) -> Vec<(String, Result<()>)> {
        let ids = self.owned_sessions();
        let mut stops = JoinSet::new();
        for id in ids.clone() {
            let client = self.clone();
            stops.spawn(async move {
                let outcome = match client.stop_session(&id).await {
                    Ok(_) => Ok(()),
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

    /// Ends the client's work: when `stop_owned_sessions_on_close` is configured, stops the owned
    /// sessions within `close_timeout` and returns their outcomes; otherwise does nothing.
    pub async fn close(&self) -> Vec<(String, Result<()>)> {
        if self.config().stop_owned_sessions_on_close {
            self.stop_owned_sessions(self.config().close_timeout).await
        } else {
            Vec::new()
        }
    }
}
