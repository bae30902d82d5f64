//! Waiting for sessions to become Ready: one session by polling it, many sessions with one list per poll.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{validate_session_id, Response, Session, SessionSize};
use tokio_util::sync::CancellationToken;

/// Poll interval for Standard sessions when none is configured (the .NET and JS SDKs' value).
pub const STANDARD_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Poll interval for Premium (and unknown) sizes, which start more slowly.
pub const PREMIUM_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// Called with each session state seen while waiting (for progress displays).
pub type ProgressFn = Arc<dyn Fn(&Session) + Send + Sync>;

/// Called with each conversion state seen while waiting.
pub type ConversionProgressFn = Arc<dyn Fn(&crate::conversion::AssetConversion) + Send + Sync>;

/// How long and how often to wait.
#[non_exhaustive]
#[derive(Clone, Default)]
pub struct WaitOptions {
    /// Give up after this long with [`ErrorKind::Timeout`]. `None` waits until a terminal state.
    pub timeout: Option<Duration>,
    /// Overrides the client's poll interval.
    pub poll_interval: Option<Duration>,
    /// Cancelling it ends the wait with [`ErrorKind::Cancelled`] (the session keeps running).
    pub cancel: Option<CancellationToken>,
    /// Called with each state seen.
    pub on_progress: Option<ProgressFn>,
    /// Called with each conversion state seen while waiting for conversions.
    pub on_conversion_progress: Option<ConversionProgressFn>,
}

impl std::fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout", &self.timeout)
            .field("poll_interval", &self.poll_interval)
            .field("cancel", &self.cancel.is_some())
            .field("on_progress", &self.on_progress.is_some())
            .field("on_conversion_progress", &self.on_conversion_progress.is_some())
            .finish()
    }
}

impl WaitOptions {
    /// Waits at most `timeout`.
    pub fn with_timeout(timeout: Duration) -> WaitOptions {
        WaitOptions {
            timeout: Some(timeout),
            ..WaitOptions::default()
        }
    }

    /// Reads the JSON form the C ABI and the bindings pass: `{"timeoutMs"?: 600000, "pollIntervalMs"?:
    /// 2000}`. Unknown keys and bad values are refused with an error naming the key.
    pub fn from_json(text: &str) -> Result<WaitOptions> {
        let mut map = crate::json_fields::object(text, "waitOptions")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "");
        let options = WaitOptions {
            timeout: fields
                .optional_u64("timeoutMs", 1, 7 * 86_400_000)?
                .map(Duration::from_millis),
            poll_interval: fields
                .optional_u64("pollIntervalMs", 1, 3_600_000)?
                .map(Duration::from_millis),
            ..WaitOptions::default()
        };
        fields.reject_unknown()?;
        Ok(options)
    }

    /// Polls every `interval` instead of the client's interval.
    pub fn poll_interval(mut self, interval: Duration) -> WaitOptions {
        self.poll_interval = Some(interval);
        self
    }

    /// Ends the wait when `token` is cancelled.
    pub fn cancel(mut self, token: CancellationToken) -> WaitOptions {
        self.cancel = Some(token);
        self
    }

    /// Calls `progress` with each conversion state seen (conversion waits).
    pub fn on_conversion_progress(
        mut self,
        progress: impl Fn(&crate::conversion::AssetConversion) + Send + Sync + 'static,
    ) -> WaitOptions {
        self.on_conversion_progress = Some(Arc::new(progress));
        self
    }

    /// Calls `progress` with each state seen.
    pub fn on_progress(mut self, progress: impl Fn(&Session) + Send + Sync + 'static) -> WaitOptions {
        self.on_progress = Some(Arc::new(progress));
        self
    }
}

impl Client {
    /// Polls the session until it is Ready. Fails with [`ErrorKind::SessionEnded`] (carrying the session and
    /// its `error`) when it reaches Error, Expired or Stopped; with `Timeout` or `Cancelled` per `options`.
    /// Throttling and transient failures do not end the wait: it backs off (honouring `Retry-After`) and
    /// polls again. Cancelling or timing out stops waiting only; the session keeps running.
    pub async fn wait_until_ready(&self, id: &str, options: &WaitOptions) -> Result<Response<Session>> {
        validate_session_id(id)?;
        let last_seen: Mutex<Option<Session>> = Mutex::new(None);
        let polling = async {
            loop {
                let delay = match self.get_session(id).await {
                    Ok(response) => {
                        if let Some(progress) = &options.on_progress {
                            progress(&response.value);
                        }
                        if response.value.status.is_ready() {
                            return Ok(response);
                        }
                        if response.value.status.is_terminal() {
                            return Err(Error::session_ended(response.value, response.ms_cv));
                        }
                        let delay = self.poll_interval(options, &response.value.size);
                        *last_seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(response.value);
                        delay
                    }
                    Err(e) if is_transient(&e) => self.backoff(options, &e),
                    Err(e) => return Err(e),
                };
                tokio::time::sleep(delay).await;
            }
        };
        self.until_closed(bounded(
            polling,
            options,
            || last_seen.lock().unwrap_or_else(|p| p.into_inner()).take(),
            id,
            "become Ready",
        ))
        .await
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
        let ids = ids.as_slice();
        let results: Mutex<Vec<Option<Result<Session>>>> = Mutex::new(vec![None; ids.len()]);
        let finish = |index: usize, outcome: Result<Session>| {
            results.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(outcome);
        };
        // Several entries may name the same id; they share one outcome.
        let mut pending: BTreeMap<&str, (Vec<usize>, SessionSize)> = BTreeMap::new();
        for (index, id) in ids.iter().enumerate() {
            match validate_session_id(id) {
                Ok(()) => pending
                    .entry(id.as_str())
                    .or_insert_with(|| (Vec::new(), SessionSize::Standard))
                    .0
                    .push(index),
                Err(e) => finish(index, Err(e)),
            }
        }
        let polling = async {
            while !pending.is_empty() {
                let listed = match self.list_sessions().await {
                    Ok(list) => list.value,
                    Err(e) if is_transient(&e) => {
                        tokio::time::sleep(self.backoff(options, &e)).await;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let listed: HashMap<&str, &Session> = listed.iter().map(|s| (s.id.as_str(), s)).collect();
                let mut settled = Vec::new();
                let mut unlisted = Vec::new();
                for (id, (_, size)) in pending.iter_mut() {
                    match listed.get(id) {
                        Some(session) => {
                            *size = session.size.clone();
                            if let Some(outcome) = self.settle(session, options) {
                                settled.push((*id, outcome));
                            }
                        }
                        None => unlisted.push(*id),
                    }
                }
                for id in unlisted {
                    match self.get_session(id).await {
                        Ok(response) => {
                            if let Some(outcome) = self.settle(&response.value, options) {
                                settled.push((id, outcome));
                            }
                        }
                        Err(e) if is_transient(&e) => {}
                        Err(e) => settled.push((id, Err(e))),
                    }
                }
                for (id, outcome) in settled {
                    if let Some((indexes, _)) = pending.remove(id) {
                        for index in indexes {
                            finish(index, outcome.clone());
                        }
                    }
                }
                if pending.is_empty() {
                    break;
                }
                let interval = pending
                    .values()
                    .map(|(_, size)| self.poll_interval(options, size))
                    .min()
                    .unwrap_or(STANDARD_POLL_INTERVAL);
                tokio::time::sleep(interval).await;
            }
            Ok(())
        };
        let timed_out = match self
            .until_closed(bounded(polling, options, || None, "sessions", "become Ready"))
            .await
        {
            Ok(()) => false,
            Err(e) if e.is_wait_timeout() => true,
            Err(e) => return Err(e),
        };
        let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(results
            .into_iter()
            .zip(ids)
            .map(|(outcome, id)| {
                outcome.unwrap_or_else(|| {
                    debug_assert!(timed_out);
                    Err(Error::wait_timeout(format!(
                        "session {id} was not Ready before the timeout"
                    )))
                })
            })
            .collect())
    }

    /// `Some(outcome)` if `session` is Ready or terminal; `None` while it is still starting.
    fn settle(&self, session: &Session, options: &WaitOptions) -> Option<Result<Session>> {
        if let Some(progress) = &options.on_progress {
            progress(session);
        }
        if session.status.is_ready() {
            Some(Ok(session.clone()))
        } else if session.status.is_terminal() {
            Some(Err(Error::session_ended(session.clone(), None)))
        } else {
            None
        }
    }

    fn poll_interval(&self, options: &WaitOptions, size: &SessionSize) -> Duration {
        options
            .poll_interval
            .or(self.config().poll_interval)
            .unwrap_or(if *size == SessionSize::Standard {
                STANDARD_POLL_INTERVAL
            } else {
                PREMIUM_POLL_INTERVAL
            })
    }

    /// After a transient failure: the service's `Retry-After` if it gave one, else the poll interval.
    fn backoff(&self, options: &WaitOptions, error: &Error) -> Duration {
        let interval = self.poll_interval(options, &SessionSize::Standard);
        error.retry_after().map_or(interval, |after| after.max(interval))
    }
}

/// Failures that should not end a wait: the retry policy already tried, but the next poll may succeed.
/// A request that ran past `requestTimeoutMs` is one of them: only the wait's own timeout ends a wait
/// with `Timeout`.
pub(crate) fn is_transient(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Throttled | ErrorKind::Network | ErrorKind::Timeout
    ) || (error.kind() == ErrorKind::Service && error.is_retryable())
}

/// Runs `work` until it finishes, the timeout passes, or the token is cancelled.
pub(crate) async fn bounded<T>(
    work: impl Future<Output = Result<T>>,
    options: &WaitOptions,
    last_seen: impl FnOnce() -> Option<Session>,
    what: &str,
    goal: &str,
) -> Result<T> {
    let cancelled = async {
        match &options.cancel {
            Some(token) => token.cancelled().await,
            None => std::future::pending().await,
        }
    };
    let deadline = async {
        match options.timeout {
            Some(timeout) => tokio::time::sleep(timeout).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        result = work => result,
        () = cancelled => Err(Error::new(ErrorKind::Cancelled, format!("waiting for {what} was cancelled"))),
        () = deadline => {
            let error = Error::wait_timeout(format!(
                "{what} did not {goal} within the wait's timeout of {:?}",
                options.timeout.unwrap_or_default()
            ));
            Err(match last_seen() {
                Some(session) => error.with_session(session),
                None => error,
            })
        }
    }
}
