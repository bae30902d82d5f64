//! Waiting: one engine for sessions (until Ready) and conversions (until they finish), for one resource by
//! polling it and for many with one list per poll. What "done" means is the [`Awaited`] resource's to say.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::response::Response;
use crate::session::Session;
use tokio_util::sync::CancellationToken;

/// Poll interval for Standard sessions when none is configured (the .NET and JS SDKs' value).
pub const STANDARD_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Poll interval for Premium (and unknown) sizes, which start more slowly.
pub const PREMIUM_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// Called with each state seen while waiting (for progress displays): a [`Session`] or an
/// [`crate::AssetConversion`].
pub type ProgressFn<T = Session> = Arc<dyn Fn(&T) + Send + Sync>;

/// How long and how often to wait, for a session (`WaitOptions`) or a conversion
/// (`WaitOptions<AssetConversion>`).
#[non_exhaustive]
pub struct WaitOptions<T = Session> {
    /// Give up after this long with [`ErrorKind::Timeout`]. `None` waits until the end.
    pub timeout: Option<Duration>,
    /// Overrides the client's poll interval.
    pub poll_interval: Option<Duration>,
    /// Cancelling it ends the wait with [`ErrorKind::Cancelled`] (what is waited for carries on).
    pub cancel: Option<CancellationToken>,
    /// Called with each state seen.
    pub on_progress: Option<ProgressFn<T>>,
}

impl<T> Default for WaitOptions<T> {
    fn default() -> WaitOptions<T> {
        WaitOptions {
            timeout: None,
            poll_interval: None,
            cancel: None,
            on_progress: None,
        }
    }
}

impl<T> Clone for WaitOptions<T> {
    fn clone(&self) -> WaitOptions<T> {
        WaitOptions {
            timeout: self.timeout,
            poll_interval: self.poll_interval,
            cancel: self.cancel.clone(),
            on_progress: self.on_progress.clone(),
        }
    }
}

impl<T> std::fmt::Debug for WaitOptions<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout", &self.timeout)
            .field("poll_interval", &self.poll_interval)
            .field("cancel", &self.cancel.is_some())
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

impl<T> WaitOptions<T> {
    /// Waits at most `timeout`.
    pub fn with_timeout(timeout: Duration) -> WaitOptions<T> {
        WaitOptions {
            timeout: Some(timeout),
            ..WaitOptions::default()
        }
    }

    /// Reads the JSON form the C ABI and the bindings pass: `{"timeoutMs"?: 600000, "pollIntervalMs"?:
    /// 2000}`. Unknown keys and bad values are refused with an error naming the key.
    pub fn from_json(text: &str) -> Result<WaitOptions<T>> {
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
    pub fn poll_interval(mut self, interval: Duration) -> WaitOptions<T> {
        self.poll_interval = Some(interval);
        self
    }

    /// Ends the wait when `token` is cancelled.
    pub fn cancel(mut self, token: CancellationToken) -> WaitOptions<T> {
        self.cancel = Some(token);
        self
    }

    /// Calls `progress` with each state seen.
    pub fn on_progress(mut self, progress: impl Fn(&T) + Send + Sync + 'static) -> WaitOptions<T> {
        self.on_progress = Some(Arc::new(progress));
        self
    }
}

/// What a wait waits for: a resource of the service, read by id (one) or listed (many), whose state says
/// when waiting is over.
pub(crate) trait Awaited: Clone + Send + Sync + 'static {
    /// What it is called in messages: `"session"`.
    const NOUN: &'static str;
    /// What the wait is for: `"become Ready"`.
    const GOAL: &'static str;

    fn validate_id(id: &str) -> Result<()>;
    fn id(&self) -> &str;
    /// How the wait ends in this state (`ms_cv`: the answer's, for the error), or `None` to go on.
    fn outcome(&self, ms_cv: Option<String>) -> Option<Result<Self>>;
    /// The poll interval when neither the wait nor the client sets one (`None`: nothing seen yet).
    fn default_interval(seen: Option<&Self>) -> Duration;
    /// A wait-timeout error, with what was last seen where the error can carry it.
    fn timed_out(error: Error, last_seen: Option<Self>) -> Error;
    fn get(client: &Client, id: &str) -> impl Future<Output = Result<Response<Self>>> + Send;
    fn list(client: &Client) -> impl Future<Output = Result<Vec<Self>>> + Send;
}

impl Client {
    fn interval<T: Awaited>(&self, options: &WaitOptions<T>, seen: Option<&T>) -> Duration {
        options
            .poll_interval
            .or(self.config().poll_interval)
            .unwrap_or_else(|| T::default_interval(seen))
    }

    /// After a transient failure: the service's `Retry-After` if it asked for longer, else the interval.
    fn backoff<T: Awaited>(&self, options: &WaitOptions<T>, error: &Error) -> Duration {
        let interval = self.interval(options, None);
        error.retry_after().map_or(interval, |after| after.max(interval))
    }

    /// Polls `id` until its state ends the wait (see [`Awaited::outcome`]). Throttling and transient
    /// failures do not end it: it backs off (honouring `Retry-After`) and polls again. The timeout and
    /// cancellation of `options` end it (never what is waited for), as does closing the client.
    pub(crate) async fn wait_one<T: Awaited>(&self, id: &str, options: &WaitOptions<T>) -> Result<Response<T>> {
        T::validate_id(id)?;
        let last_seen: Mutex<Option<T>> = Mutex::new(None);
        let polling = async {
            loop {
                let delay = match T::get(self, id).await {
                    Ok(response) => {
                        if let Some(progress) = &options.on_progress {
                            progress(&response.value);
                        }
                        match response.value.outcome(response.ms_cv.clone()) {
                            Some(Ok(_)) => return Ok(response),
                            Some(Err(e)) => return Err(e),
                            None => {}
                        }
                        let delay = self.interval(options, Some(&response.value));
                        *last_seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(response.value);
                        delay
                    }
                    Err(e) if is_transient(&e) => self.backoff(options, &e),
                    Err(e) => return Err(e),
                };
                tokio::time::sleep(delay).await;
            }
        };
        let what = format!("{} {id}", T::NOUN);
        let last_seen = || last_seen.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.until_closed(bounded(polling, options, &what, T::GOAL, last_seen))
            .await
    }

    /// What the service shows of `ids` now: one list, plus a GET for each id the list does not show (a
    /// session list shows only Starting and Ready sessions). A failed list fails the whole look; a failed
    /// GET is that id's outcome. The many-id waits and the keeper of many sessions look this way.
    pub(crate) async fn look_at_many<'a, T: Awaited>(&self, ids: &[&'a str]) -> Result<Vec<(&'a str, Result<T>)>> {
        let listed = T::list(self).await?;
        let mut listed: HashMap<&str, &T> = listed.iter().map(|item| (item.id(), item)).collect();
        let mut seen = Vec::new();
        for &id in ids {
            let item = match listed.remove(id) {
                Some(item) => Ok(item.clone()),
                None => T::get(self, id).await.map(Response::into_value),
            };
            seen.push((id, item));
        }
        Ok(seen)
    }

    /// Waits for many at once. Each poll costs one list plus one GET for each awaited id the list does not
    /// show (a session list shows only Starting and Ready sessions), so waiting for hundreds does not
    /// multiply requests.
    ///
    /// Returns one result per id, in the order given (the same id given twice gets the same outcome): the
    /// outcome of [`Awaited::outcome`], why there is none (`NotFound`, `InvalidArgument`), or `Timeout`
    /// for those still going when the timeout ran out. Cancellation fails the whole call.
    pub(crate) async fn wait_many<T: Awaited>(
        &self,
        ids: &[String],
        options: &WaitOptions<T>,
    ) -> Result<Vec<Result<T>>> {
        let results: Mutex<Vec<Option<Result<T>>>> = Mutex::new(vec![None; ids.len()]);
        let finish = |index: usize, outcome: Result<T>| {
            results.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(outcome);
        };
        // Each pending id: where its outcome goes, and what was last seen of it (for the poll interval).
        let mut pending: BTreeMap<&str, (Vec<usize>, Option<T>)> = BTreeMap::new();
        for (index, id) in ids.iter().enumerate() {
            match T::validate_id(id) {
                Ok(()) => pending.entry(id.as_str()).or_default().0.push(index),
                Err(e) => finish(index, Err(e)),
            }
        }
        let polling = async {
            while !pending.is_empty() {
                let awaited: Vec<&str> = pending.keys().copied().collect();
                let looked = match self.look_at_many::<T>(&awaited).await {
                    Ok(looked) => looked,
                    Err(e) if is_transient(&e) => {
                        tokio::time::sleep(self.backoff(options, &e)).await;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let mut settled: Vec<(&str, Result<T>)> = Vec::new();
                for (id, seen) in looked {
                    let seen = match seen {
                        Ok(seen) => seen,
                        Err(e) if is_transient(&e) => continue,
                        Err(e) => {
                            settled.push((id, Err(e)));
                            continue;
                        }
                    };
                    if let Some(progress) = &options.on_progress {
                        progress(&seen);
                    }
                    match seen.outcome(None) {
                        Some(outcome) => settled.push((id, outcome)),
                        None => {
                            if let Some((_, last_seen)) = pending.get_mut(id) {
                                *last_seen = Some(seen);
                            }
                        }
                    }
                }
                for (id, outcome) in settled {
                    if let Some((indexes, _)) = pending.remove(id) {
                        for index in indexes {
                            finish(index, outcome.clone());
                        }
                    }
                }
                let interval = pending
                    .values()
                    .map(|(_, seen)| self.interval(options, seen.as_ref()))
                    .min();
                if let Some(interval) = interval {
                    tokio::time::sleep(interval).await;
                }
            }
            Ok(())
        };
        let what = format!("the {}s", T::NOUN);
        match self
            .until_closed(bounded(polling, options, &what, T::GOAL, || None))
            .await
        {
            Ok(()) => {}
            Err(e) if e.is_wait_timeout() => {}
            Err(e) => return Err(e),
        }
        let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(results
            .into_iter()
            .zip(ids)
            .map(|(outcome, id)| {
                outcome.unwrap_or_else(|| {
                    Err(Error::wait_timeout(format!(
                        "{} {id} did not {} before the timeout",
                        T::NOUN,
                        T::GOAL
                    )))
                })
            })
            .collect())
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
async fn bounded<T, R: Awaited>(
    work: impl Future<Output = Result<T>>,
    options: &WaitOptions<R>,
    what: &str,
    goal: &str,
    last_seen: impl FnOnce() -> Option<R>,
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
            Err(R::timed_out(error, last_seen()))
        }
    }
}
