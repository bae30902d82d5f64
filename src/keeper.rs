//! The lease keeper: keeps a session alive as long as the app needs it, never longer, and warns before
//! it ends.
//!
//! A lease is absolute (minutes since Ready, at most 1440), so every renewal is an update to a total.
//! Every decision here comes from the service's `elapsedTimeMinutes` and `maxLeaseTimeMinutes`, never a
//! local clock, so a keeper attached late (after an app restart) sees what is really left. The target is
//! computed from the service's current lease the same way every time (`lease + extend_by`, capped), so two
//! keepers, a restart, or a retried update land on the same total: the second asks for what is already
//! there, which succeeds without adding anything. These were the bugs of the peers' auto-renew helpers:
//! doubled leases, renewals after expiry, and polling so often it was throttled.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::budget::KeepBudget;
use crate::client::Client;
use crate::cost::PriceTable;
use crate::error::{Error, ErrorKind, Result, ServiceError};
use crate::resource_id::validate_session_id;
use crate::session::{Session, SessionStatus, MAX_LEASE_MINUTES};
use crate::wait::is_transient;

/// How a keeper renews and warns. All durations are minutes of lease, as the service counts them.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct KeepOptions {
    /// Minutes added to the lease at each renewal.
    pub extend_by: u32,
    /// Renew when fewer minutes than this remain.
    pub renew_below: u32,
    /// The lease never goes beyond this total (at most 1440); the session ends there.
    pub max_total: u32,
    /// How often the session is looked at (one request per interval; one list for many sessions).
    pub poll_interval: Duration,
    /// Warn when the end that will not be renewed is this many minutes away; each fires once, largest first.
    pub warn_at: Vec<u32>,
    /// Stop extending a session once its billed minutes (or their cost) would pass this; `None`: no budget.
    pub budget: Option<KeepBudget>,
}

impl Default for KeepOptions {
    fn default() -> KeepOptions {
        KeepOptions {
            extend_by: 30,
            renew_below: 10,
            max_total: MAX_LEASE_MINUTES,
            poll_interval: Duration::from_secs(60),
            warn_at: vec![10, 2],
            budget: None,
        }
    }
}

impl KeepOptions {
    /// Renew by `extend_by` minutes; the other settings as [`KeepOptions::default`].
    pub fn new(extend_by: u32) -> KeepOptions {
        KeepOptions {
            extend_by,
            ..KeepOptions::default()
        }
    }

    /// Renew when fewer than `minutes` remain.
    pub fn renew_below(mut self, minutes: u32) -> KeepOptions {
        self.renew_below = minutes;
        self
    }

    /// Never beyond `minutes` in total.
    pub fn max_total(mut self, minutes: u32) -> KeepOptions {
        self.max_total = minutes;
        self
    }

    /// Look every `interval`.
    pub fn poll_interval(mut self, interval: Duration) -> KeepOptions {
        self.poll_interval = interval;
        self
    }

    /// Warn at these minutes before the end.
    pub fn warn_at(mut self, minutes: impl Into<Vec<u32>>) -> KeepOptions {
        self.warn_at = minutes.into();
        self
    }

    /// Stop extending at this budget.
    pub fn budget(mut self, budget: KeepBudget) -> KeepOptions {
        self.budget = Some(budget);
        self
    }

    /// Reads the JSON form the C ABI and the bindings pass: `{"extendByMinutes": 30, "renewBelowMinutes": 10,
    /// "maxTotalMinutes": 240, "pollIntervalMs": 60000, "warnAtMinutes": [10, 2], "budgetMinutes": 120}`
    /// (every key optional; a money budget is `"budgetAmount": 5.0, "prices": {...}` as [`PriceTable`]).
    pub fn from_json(text: &str) -> Result<KeepOptions> {
        let mut map = crate::json_fields::object(text, "keepOptions")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "");
        let mut options = KeepOptions::default();
        let minutes = u64::from(MAX_LEASE_MINUTES);
        if let Some(v) = fields.optional_u64("extendByMinutes", 1, minutes)? {
            options.extend_by = v as u32;
        }
        if let Some(v) = fields.optional_u64("renewBelowMinutes", 0, minutes)? {
            options.renew_below = v as u32;
        }
        if let Some(v) = fields.optional_u64("maxTotalMinutes", 1, minutes)? {
            options.max_total = v as u32;
        }
        if let Some(ms) = fields.optional_millis("pollIntervalMs")? {
            options.poll_interval = ms;
        }
        if let Some(list) = fields.take_raw("warnAtMinutes") {
            options.warn_at = serde_json::from_value::<Vec<u32>>(list)
                .map_err(|_| Error::invalid_argument("warnAtMinutes", "must be an array of whole minutes"))?;
        }
        let budget_minutes = fields.optional_u64("budgetMinutes", 1, u64::from(u32::MAX))?;
        let budget_amount = match fields.take_raw("budgetAmount") {
            Some(value) => Some(
                value
                    .as_f64()
                    .ok_or_else(|| Error::invalid_argument("budgetAmount", "must be a number"))?,
            ),
            None => None,
        };
        let prices = fields
            .take_raw("prices")
            .map(|value| PriceTable::from_json(&value.to_string()))
            .transpose()?;
        options.budget = KeepBudget::from_fields(budget_minutes, budget_amount, prices)?;
        fields.reject_unknown()?;
        options.validate()?;
        Ok(options)
    }

    fn validate(&self) -> Result<()> {
        if self.extend_by == 0 {
            return Err(Error::invalid_argument("extendByMinutes", "must be at least 1"));
        }
        if self.max_total == 0 || self.max_total > MAX_LEASE_MINUTES {
            return Err(Error::invalid_argument(
                "maxTotalMinutes",
                format_args!("must be 1 to {MAX_LEASE_MINUTES}"),
            ));
        }
        if self.poll_interval.is_zero() {
            return Err(Error::invalid_argument("pollIntervalMs", "must be greater than 0"));
        }
        Ok(())
    }
}

/// What happened to a kept session.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum KeepEventKind {
    /// The lease was renewed from `from` to `to` minutes in total.
    Extended {
        /// The lease before.
        from: u32,
        /// The lease now.
        to: u32,
    },
    /// The end is `remaining` minutes away and will not be renewed (cap reached, or renewals failing).
    ExpiringSoon {
        /// Minutes left, by the service's count.
        remaining: u32,
    },
    /// The lease has reached the cap; the session ends when it runs out.
    CapReached {
        /// The lease, in minutes.
        lease: u32,
    },
    /// The lease has reached what the budget allows: no more renewals; the session ends when it runs out.
    BudgetReached {
        /// The lease, in minutes.
        lease: u32,
        /// The billed minutes the budget allows this session.
        budget_minutes: u32,
        /// Minutes billed so far.
        billed_minutes: u32,
    },
    /// The session ended (Stopped, Expired or Error); the keeper stops.
    Ended {
        /// Its final state.
        status: SessionStatus,
        /// The session's own error, for `Error` (the service's code and message, as a session carries it;
        /// not named `error`, which the other kinds use for this library's error object).
        session_error: Option<ServiceError>,
    },
    /// The service throttled a request; the keeper waits as long as it asked and carries on.
    Throttled {
        /// The throttling answer (its `retry_after()` says how long was asked).
        error: Error,
    },
    /// A request failed in a way that may pass; the keeper carries on.
    Retrying {
        /// What failed.
        error: Error,
    },
    /// The keeper cannot go on with this session (it is unknown, or credentials were refused) and stops
    /// keeping it.
    Failed {
        /// Why.
        error: Error,
    },
}

/// One event of one kept session.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeepEvent {
    /// The session it is about.
    pub session_id: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: KeepEventKind,
}

/// A running keeper: its events, in order, and a way to stop it. Dropping it stops it too. Stopping
/// leaves the lease as it is.
#[derive(Debug)]
pub struct SessionKeeper {
    events: mpsc::UnboundedReceiver<KeepEvent>,
    stop: CancellationToken,
}

impl SessionKeeper {
    /// The next event; `None` once the keeper has stopped (every session ended, cancelled, or the client
    /// closed).
    pub async fn next_event(&mut self) -> Option<KeepEvent> {
        self.events.recv().await
    }

    /// Stops the keeper (the lease stays as it is).
    pub fn cancel(&self) {
        self.stop.cancel();
    }
}

impl Drop for SessionKeeper {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// What the keeper remembers of one session between polls.
#[derive(Default)]
struct Tracked {
    warned: BTreeSet<u32>,
    cap_reported: bool,
}

/// What to do about a session in the state the service reported.
#[derive(Debug, PartialEq)]
enum Plan {
    /// Nothing now.
    Wait,
    /// Set the lease to this total.
    Extend { from: u32, to: u32 },
    /// It ended.
    Ended,
}

fn plan(session: &Session, options: &KeepOptions) -> Plan {
    if session.status.is_terminal() {
        return Plan::Ended;
    }
    let (Some(lease), elapsed) = (
        session.max_lease_time_minutes,
        session.elapsed_time_minutes.unwrap_or(0),
    ) else {
        return Plan::Wait;
    };
    let remaining = lease.saturating_sub(elapsed);
    let target = lease.saturating_add(options.extend_by).min(options.max_total);
    if remaining < options.renew_below.max(1) && target > lease {
        Plan::Extend {
            from: lease,
            to: target,
        }
    } else {
        Plan::Wait
    }
}

/// The warnings and cap notice due for a session whose lease is now `lease` (after any renewal).
fn notices(session: &Session, lease: u32, options: &KeepOptions, tracked: &mut Tracked) -> Vec<KeepEventKind> {
    let mut due = Vec::new();
    if lease >= options.max_total && !tracked.cap_reported {
        tracked.cap_reported = true;
        due.push(KeepEventKind::CapReached { lease });
    }
    let remaining = lease.saturating_sub(session.elapsed_time_minutes.unwrap_or(0));
    // Only an end that will not be renewed is worth a warning.
    let renewable = lease.saturating_add(options.extend_by).min(options.max_total) > lease;
    if renewable && remaining >= options.renew_below.max(1) {
        return due;
    }
    let mut thresholds: Vec<u32> = options.warn_at.clone();
    thresholds.sort_unstable_by(|a, b| b.cmp(a));
    thresholds.dedup();
    for threshold in thresholds {
        if remaining <= threshold && tracked.warned.insert(threshold) {
            due.push(KeepEventKind::ExpiringSoon { remaining });
        }
    }
    due
}

impl Client {
    /// Keeps one session alive (see [`KeepOptions`]): one GET per `poll_interval`, renewals by
    /// `extend_by` when fewer than `renew_below` minutes remain, never beyond `max_total`, warnings at
    /// `warn_at`. Only Starting and Ready sessions are renewed. Throttling and transient failures are
    /// ridden out (Retry-After honoured) while the lease lasts. Stops when the session ends, on
    /// [`SessionKeeper::cancel`] or drop, or when the client closes. Call from inside a tokio runtime.
    pub fn keep_session(&self, session_id: &str, options: KeepOptions) -> Result<SessionKeeper> {
        self.keep_sessions([session_id], options)
    }

    /// Keeps many sessions alive with one list of the account per poll (plus a GET for a session the
    /// list no longer shows, to learn how it ended).
    pub fn keep_sessions<I>(&self, session_ids: I, options: KeepOptions) -> Result<SessionKeeper>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.check_open()?;
        options.validate()?;
        let ids: BTreeSet<String> = session_ids.into_iter().map(|id| id.as_ref().to_owned()).collect();
        for id in &ids {
            validate_session_id(id)?;
        }
        if ids.is_empty() {
            return Err(Error::invalid_argument("sessionIds", "name at least one session"));
        }
        let (sender, events) = mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let keeper = Keeper {
            client: self.clone(),
            options,
            tracked: ids.into_iter().map(|id| (id, Tracked::default())).collect(),
            events: sender,
        };
        let stopped = stop.clone();
        let closing = self.closing().clone();
        tokio::spawn(async move {
            tokio::select! {
                () = stopped.cancelled() => {}
                () = closing.cancelled() => {}
                () = keeper.run() => {}
            }
        });
        Ok(SessionKeeper { events, stop })
    }
}

/// The client was closed under the keeper: it ends quietly (the stream simply ends).
fn stops_the_keeper(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::Cancelled | ErrorKind::Closed)
}

struct Keeper {
    client: Client,
    options: KeepOptions,
    tracked: BTreeMap<String, Tracked>,
    events: mpsc::UnboundedSender<KeepEvent>,
}

impl Keeper {
    fn emit(&self, session_id: &str, kind: KeepEventKind) {
        let _ = self.events.send(KeepEvent {
            session_id: session_id.to_owned(),
            kind,
        });
    }

    async fn run(mut self) {
        while !self.tracked.is_empty() {
            let delay = match self.observe().await {
                Ok(seen) => {
                    let mut delay = self.options.poll_interval;
                    for (id, session) in seen {
                        if let Some(asked) = self.handle(&id, session).await {
                            delay = delay.max(asked);
                        }
                    }
                    delay
                }
                Err(e) if stops_the_keeper(&e) => return,
                Err(e) if is_transient(&e) => self.trouble(None, &e),
                // As for a single session's GET: a refusal that will not pass ends the keeping of each.
                Err(e) => {
                    for id in std::mem::take(&mut self.tracked).into_keys() {
                        self.emit(&id, KeepEventKind::Failed { error: e.clone() });
                    }
                    break;
                }
            };
            if self.tracked.is_empty() {
                break;
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// The kept sessions as the service sees them now: one GET for a single session, one list for many
    /// (plus a GET for any the list no longer shows).
    async fn observe(&mut self) -> Result<Vec<(String, Result<Session>)>> {
        let ids: Vec<String> = self.tracked.keys().cloned().collect();
        if let [id] = ids.as_slice() {
            return Ok(vec![(
                id.clone(),
                self.client.get_session(id).await.map(|r| r.into_value()),
            )]);
        }
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let seen = self.client.look_at_many::<Session>(&ids).await?;
        Ok(seen.into_iter().map(|(id, session)| (id.to_owned(), session)).collect())
    }

    /// Acts on one session as the service reported it. Returns how long to wait before the next look
    /// when the service asked for longer than the poll interval (throttling).
    #[must_use = "a delay the service asked for must be waited"]
    async fn handle(&mut self, id: &str, session: Result<Session>) -> Option<Duration> {
        let session = match session {
            Ok(session) => session,
            Err(e) if is_transient(&e) => return Some(self.trouble(Some(id), &e)),
            Err(e) if stops_the_keeper(&e) => {
                self.tracked.clear();
                return None;
            }
            Err(e) => {
                self.emit(id, KeepEventKind::Failed { error: e });
                self.tracked.remove(id);
                return None;
            }
        };
        let mut lease = session.max_lease_time_minutes;
        let mut delay = None;
        let budget = crate::budget::capped(&self.options, &session);
        let options = budget.as_ref().map_or(&self.options, |b| &b.options);
        match plan(&session, options) {
            Plan::Ended => {
                self.emit(
                    id,
                    KeepEventKind::Ended {
                        status: session.status.clone(),
                        session_error: session.error.clone(),
                    },
                );
                self.tracked.remove(id);
                return None;
            }
            Plan::Extend { from, to } => match self.client.update_session_applied(id, to).await {
                Ok((updated, applied)) => {
                    let now = updated.value().max_lease_time_minutes.unwrap_or(to);
                    // Another keeper (or our own earlier attempt) may have got there first: only the
                    // keeper whose update changed the lease reports it.
                    if applied && now > from {
                        self.emit(id, KeepEventKind::Extended { from, to: now });
                    }
                    lease = Some(now);
                }
                Err(e) if is_transient(&e) => delay = Some(self.trouble(Some(id), &e)),
                // A session that ended meanwhile is seen as ended at the next poll.
                Err(e) if matches!(e.kind(), ErrorKind::InvalidArgument | ErrorKind::Conflict) => {}
                Err(e) => self.emit(id, KeepEventKind::Retrying { error: e }),
            },
            Plan::Wait => {}
        }
        if let (Some(lease), Some(tracked)) = (lease, self.tracked.get_mut(id)) {
            let due = notices(&session, lease, options, tracked);
            for kind in due {
                let kind = match (kind, &budget) {
                    (KeepEventKind::CapReached { lease }, Some(budget)) => KeepEventKind::BudgetReached {
                        lease,
                        budget_minutes: budget.budget_minutes,
                        billed_minutes: budget.billed_minutes,
                    },
                    (kind, _) => kind,
                };
                self.emit(id, kind);
            }
        }
        delay
    }

    /// Reports transient trouble and says how long to wait before the next look.
    #[must_use = "a delay the service asked for must be waited"]
    fn trouble(&self, id: Option<&str>, error: &Error) -> Duration {
        let ids: Vec<String> = match id {
            Some(id) => vec![id.to_owned()],
            None => self.tracked.keys().cloned().collect(),
        };
        for id in &ids {
            let error = error.clone();
            let kind = if error.kind() == ErrorKind::Throttled {
                KeepEventKind::Throttled { error }
            } else {
                KeepEventKind::Retrying { error }
            };
            self.emit(id, kind);
        }
        error.retry_after().unwrap_or(self.options.poll_interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionSize;

    fn session(status: SessionStatus, lease: u32, elapsed: u32) -> Session {
        Session {
            status,
            elapsed_time_minutes: Some(elapsed),
            ..Session::starting("s".into(), SessionSize::Standard, lease)
        }
    }

    #[test]
    fn the_target_comes_from_the_services_lease_and_stops_at_the_cap() {
        let options = KeepOptions::new(30).renew_below(15).max_total(100);
        assert_eq!(
            plan(&session(SessionStatus::Ready, 60, 50), &options),
            Plan::Extend { from: 60, to: 90 }
        );
        assert_eq!(plan(&session(SessionStatus::Ready, 60, 40), &options), Plan::Wait);
        assert_eq!(
            plan(&session(SessionStatus::Ready, 90, 80), &options),
            Plan::Extend { from: 90, to: 100 }
        );
        assert_eq!(plan(&session(SessionStatus::Ready, 100, 95), &options), Plan::Wait);
        assert_eq!(plan(&session(SessionStatus::Expired, 60, 60), &options), Plan::Ended);
    }

    #[test]
    fn warnings_fire_once_each_largest_first_and_only_for_an_end_that_stays() {
        let options = KeepOptions::new(30).renew_below(5).max_total(60).warn_at(vec![2, 10]);
        let mut tracked = Tracked::default();
        let s = session(SessionStatus::Ready, 60, 51);
        assert_eq!(
            notices(&s, 60, &options, &mut tracked),
            vec![
                KeepEventKind::CapReached { lease: 60 },
                KeepEventKind::ExpiringSoon { remaining: 9 }
            ]
        );
        assert!(notices(&s, 60, &options, &mut tracked).is_empty(), "once");
        let s = session(SessionStatus::Ready, 60, 59);
        assert_eq!(
            notices(&s, 60, &options, &mut tracked),
            vec![KeepEventKind::ExpiringSoon { remaining: 1 }]
        );
        // A lease that will be renewed warns nobody.
        let renewable = KeepOptions::new(30).renew_below(5).warn_at(vec![10]);
        assert!(notices(
            &session(SessionStatus::Ready, 60, 52),
            60,
            &renewable,
            &mut Tracked::default()
        )
        .is_empty());
    }

    #[test]
    fn options_read_from_json_name_bad_keys() {
        let options =
            KeepOptions::from_json(r#"{"extendByMinutes":15,"maxTotalMinutes":240,"warnAtMinutes":[5]}"#).unwrap();
        assert_eq!(
            (options.extend_by, options.max_total, options.warn_at.clone()),
            (15, 240, vec![5])
        );
        let error = KeepOptions::from_json(r#"{"maxTotalMinutes":2000}"#).unwrap_err();
        assert_eq!(error.argument(), Some("maxTotalMinutes"));
        assert!(KeepOptions::from_json(r#"{"extendBy":1}"#).is_err());
    }
}
