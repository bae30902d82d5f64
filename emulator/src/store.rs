//! The store: every session and conversion of every account, and the emulated clock, behind one lock;
//! each change is written to the state file (when there is one) while the lock is held.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::control_error::ControlError;
use crate::conversion::ConversionTable;
use crate::hosts::record::HostRecord;
use crate::hosts::{Hosts, CAPACITY_CODE, HOST_ERROR_CODE};
use crate::session::{Failure, Session, Status, View, NANOS_PER_MINUTE, TERAFLOPS_PREMIUM, TERAFLOPS_STANDARD};
use crate::session::{MAX_LEASE_MINUTES, READY_PENDING};
use crate::state_file::{write_state, PersistedState};
use crate::timefmt::unix_nanos_now;
use crate::token::TokenService;

pub(crate) enum CreateOutcome {
    Created(View),
    Existing(View),
    Conflict,
}

pub(crate) enum UpdateError {
    NotFound,
    Terminal(Status),
    NotIncreasing { current: u32 },
    TooLarge,
}

struct Inner {
    sessions: HashMap<(String, String), Session>,
    next_seq: u64,
    conversions: ConversionTable,
    /// Global shift of emulated time, in real nanoseconds.
    clock_offset_ns: u64,
}

impl Inner {
    /// "Now" in one session's frame.
    fn now_for(&self, session: &Session) -> u64 {
        unix_nanos_now()
            .saturating_add(self.clock_offset_ns)
            .saturating_add(session.offset_ns)
    }

    /// "Now" for a session created at this instant (no own offset yet).
    fn now_global(&self) -> u64 {
        unix_nanos_now().saturating_add(self.clock_offset_ns)
    }
}

/// A session with a host, as the reconcile loop sees it.
pub(crate) struct Hosted {
    pub account_id: String,
    pub id: String,
    pub size: String,
    pub status: Status,
    pub handshake_port: u16,
    pub inspector_port: u16,
    pub host: HostRecord,
}

pub(crate) struct Store {
    inner: Mutex<Inner>,
    time_scale: f64,
    /// Where each new session's host goes (and the reconcile loop to wake after a change).
    hosts: Arc<Hosts>,
    /// Per-account limit of live (Starting/Ready, not failing) sessions; more fail into Error.
    max_active_sessions: Option<usize>,
    state_file: Option<(PathBuf, Arc<TokenService>)>,
    /// TLS material to keep in the state file, when it was generated (not given by the user).
    tls_pem: Option<(String, String)>,
}

/// Session settings after validation.
pub(crate) struct NewSession<'a> {
    pub account_id: &'a str,
    pub id: &'a str,
    pub size: &'a str,
    pub max_lease_minutes: u32,
    /// `(code, message)` when this session is to fail at what would have been its Ready time.
    pub startup_failure: Option<(String, String)>,
}

impl Store {
    pub(crate) fn new(
        loaded: &PersistedState,
        time_scale: f64,
        hosts: Arc<Hosts>,
        max_active_sessions: Option<usize>,
        state_file: Option<(PathBuf, Arc<TokenService>)>,
        tls_pem: Option<(String, String)>,
    ) -> Self {
        let sessions = loaded
            .sessions
            .iter()
            .map(|s| ((s.account_id.clone(), s.id.clone()), s.clone()))
            .collect();
        let next_seq = loaded
            .next_seq
            .max(loaded.sessions.iter().map(|s| s.seq + 1).max().unwrap_or(0));
        Store {
            inner: Mutex::new(Inner {
                sessions,
                next_seq,
                conversions: ConversionTable::new(&loaded.conversions, loaded.next_conversion_seq),
                clock_offset_ns: loaded.clock_offset_ns,
            }),
            time_scale,
            hosts,
            max_active_sessions,
            state_file,
            tls_pem,
        }
    }

    fn key(account: &str, id: &str) -> (String, String) {
        (account.to_string(), id.to_string())
    }

    fn view_of(&self, inner: &Inner, session: &Session) -> View {
        session.view(inner.now_for(session), self.time_scale)
    }

    pub(crate) fn get(&self, account: &str, id: &str) -> Option<View> {
        let inner = self.inner.lock().unwrap();
        inner
            .sessions
            .get(&Self::key(account, id))
            .map(|s| self.view_of(&inner, s))
    }

    /// PUT semantics: same settings on a live session is an idempotent retry; anything else is a conflict.
    pub(crate) fn create(&self, new: NewSession<'_>) -> CreateOutcome {
        let mut inner = self.inner.lock().unwrap();
        let key = Self::key(new.account_id, new.id);
        if let Some(existing) = inner.sessions.get(&key) {
            let view = self.view_of(&inner, existing);
            let same = existing.size == new.size && existing.max_lease_minutes == new.max_lease_minutes;
            return if same && view.status.is_active() {
                CreateOutcome::Existing(view)
            } else {
                CreateOutcome::Conflict
            };
        }
        let now = inner.now_global();
        let live_of_size = inner
            .sessions
            .values()
            .filter(|s| s.size == new.size && s.failure.is_none())
            .filter(|s| self.view_of(&inner, s).status.is_active())
            .count();
        let placement = self.hosts.place(new.size, live_of_size, unix_nanos_now());
        // The service answers every create with Starting (protocol.md §3.1, §8.3): even at a zero start
        // delay the session becomes Ready only after the instant of its create, i.e. at the next read.
        // A session whose host must answer first waits for the reconcile loop to set its Ready time.
        let ready_at_ns = match placement.ready_after_ns {
            Some(delay) => now.saturating_add(delay.max(1)),
            None => READY_PENDING,
        };
        // A failure planned at create shows at the Ready time, or right after the create when that
        // time is not known.
        let fail_at_ns = if ready_at_ns == READY_PENDING {
            now + 1
        } else {
            ready_at_ns
        };
        let mut failure = new.startup_failure.map(|(code, message)| Failure {
            code,
            message,
            at_ns: fail_at_ns,
        });
        if let Some(limit) = self.max_active_sessions {
            let live = inner
                .sessions
                .values()
                .filter(|s| s.account_id == new.account_id && s.failure.is_none())
                .filter(|s| self.view_of(&inner, s).status.is_active())
                .count();
            if live >= limit {
                failure = Some(Failure {
                    code: CAPACITY_CODE.to_string(),
                    message: format!(
                        "No rendering VM could be allocated: the account already has {live} active sessions, the \
                         emulator's limit (--max-active-sessions {limit})."
                    ),
                    at_ns: fail_at_ns,
                });
            }
        }
        if let Some((code, message)) = placement.failure {
            failure = Some(Failure {
                code,
                message,
                at_ns: fail_at_ns,
            });
        }
        let session = Session {
            account_id: new.account_id.to_string(),
            id: new.id.to_string(),
            seq: inner.next_seq,
            size: new.size.to_string(),
            max_lease_minutes: new.max_lease_minutes,
            created_at_ns: now,
            ready_at_ns,
            stopped_at_ns: None,
            hostname: placement.hostname,
            handshake_port: placement.handshake_port,
            arr_inspector_port: placement.inspector_port,
            teraflops: if new.size == "Premium" {
                TERAFLOPS_PREMIUM
            } else {
                TERAFLOPS_STANDARD
            },
            failure,
            offset_ns: 0,
            size_override: None,
            status_override: None,
            host: placement.host,
        };
        inner.next_seq += 1;
        let view = session.view(now, self.time_scale);
        inner.sessions.insert(key, session);
        self.persist_locked(&inner);
        CreateOutcome::Created(view)
    }

    /// Sets the lease to an absolute, strictly larger value (at most 1440).
    pub(crate) fn update_lease(&self, account: &str, id: &str, minutes: i64) -> Result<View, UpdateError> {
        let mut guard = self.inner.lock().unwrap();
        let inner = &mut *guard;
        let session = inner
            .sessions
            .get(&Self::key(account, id))
            .ok_or(UpdateError::NotFound)?;
        let now = inner.now_for(session);
        let view = session.view(now, self.time_scale);
        if !view.status.is_active() {
            return Err(UpdateError::Terminal(view.status));
        }
        if minutes <= i64::from(session.max_lease_minutes) {
            return Err(UpdateError::NotIncreasing {
                current: session.max_lease_minutes,
            });
        }
        if minutes > MAX_LEASE_MINUTES {
            return Err(UpdateError::TooLarge);
        }
        let session = inner.sessions.get_mut(&Self::key(account, id)).expect("present");
        session.max_lease_minutes = minutes as u32;
        let view = session.view(now, self.time_scale);
        self.persist_locked(inner);
        Ok(view)
    }

    /// Stops a live session; stopping a terminal session changes nothing (idempotent). None = unknown.
    pub(crate) fn stop(&self, account: &str, id: &str) -> Option<View> {
        let mut guard = self.inner.lock().unwrap();
        let inner = &mut *guard;
        let session = inner.sessions.get(&Self::key(account, id))?;
        let now = inner.now_for(session);
        if session.view(now, self.time_scale).status.is_active() {
            let session = inner.sessions.get_mut(&Self::key(account, id)).expect("present");
            session.stopped_at_ns = Some(now);
            let view = session.view(now, self.time_scale);
            self.persist_locked(inner);
            return Some(view);
        }
        Some(session.view(now, self.time_scale))
    }

    /// Sessions of one account (or all when `account` is None), in creation order.
    pub(crate) fn list(&self, account: Option<&str>) -> Vec<View> {
        let inner = self.inner.lock().unwrap();
        let mut views: Vec<View> = inner
            .sessions
            .values()
            .filter(|s| account.is_none_or_eq(&s.account_id))
            .map(|s| self.view_of(&inner, s))
            .collect();
        views.sort_by_key(|v| v.session.seq);
        views
    }

    /// Finds the key of session `id`, in `account` or in the only account that has one.
    fn find(inner: &Inner, id: &str, account: Option<&str>) -> Result<(String, String), ControlError> {
        let mut keys = inner
            .sessions
            .keys()
            .filter(|(a, s)| s == id && account.is_none_or(|want| want.eq_ignore_ascii_case(a)));
        match (keys.next(), keys.next()) {
            (Some(key), None) => Ok(key.clone()),
            (Some(_), Some(_)) => Err(ControlError::Ambiguous(id.to_string())),
            (None, _) => Err(ControlError::NotFound(id.to_string())),
        }
    }

    /// Applies `change` to a live session (Starting or Ready), then persists.
    fn change_live(
        &self,
        id: &str,
        account: Option<&str>,
        change: impl FnOnce(&mut Session, u64),
    ) -> Result<View, ControlError> {
        let mut guard = self.inner.lock().unwrap();
        let inner = &mut *guard;
        let key = Self::find(inner, id, account)?;
        let session = &inner.sessions[&key];
        let now = inner.now_for(session);
        let view = session.view(now, self.time_scale);
        if !view.status.is_active() {
            return Err(ControlError::Ended {
                id: id.to_string(),
                status: view.status.as_str().to_string(),
            });
        }
        let session = inner.sessions.get_mut(&key).expect("present");
        change(session, now);
        let now = inner.now_for(&inner.sessions[&key]);
        let view = inner.sessions[&key].view(now, self.time_scale);
        self.persist_locked(inner);
        Ok(view)
    }

    /// The session fails now: status Error with this code and message.
    pub(crate) fn fail(
        &self,
        id: &str,
        account: Option<&str>,
        code: &str,
        message: &str,
    ) -> Result<View, ControlError> {
        self.change_live(id, account, |s, now| {
            s.failure = Some(Failure {
                code: code.to_string(),
                message: message.to_string(),
                at_ns: now,
            })
        })
    }

    /// Stops a live session now, as `:stop` does (a control hook: the session is named by id alone).
    pub(crate) fn stop_live(&self, id: &str, account: Option<&str>) -> Result<View, ControlError> {
        self.change_live(id, account, |s, now| s.stopped_at_ns = Some(now))
    }

    /// Moves this session's clock to the end of its lease (a Starting session first becomes Ready), so
    /// it reads Expired with the full lease elapsed.
    pub(crate) fn expire(&self, id: &str, account: Option<&str>) -> Result<View, ControlError> {
        let time_scale = self.time_scale;
        self.change_live(id, account, |s, now| {
            let expires_at = s.ready_at_ns.saturating_add(s.lease_real_ns(time_scale));
            s.offset_ns = s.offset_ns.saturating_add(expires_at.saturating_sub(now));
        })
    }

    /// Moves emulated time forward for every session (and sessions created later).
    pub(crate) fn advance_clock(&self, emulated_minutes: f64) -> Result<(), ControlError> {
        if !(emulated_minutes.is_finite() && emulated_minutes >= 0.0) {
            return Err(ControlError::Invalid(
                "minutes must be a non-negative number".to_string(),
            ));
        }
        let real_ns = (emulated_minutes * NANOS_PER_MINUTE / self.time_scale) as u64;
        let mut inner = self.inner.lock().unwrap();
        inner.clock_offset_ns = inner.clock_offset_ns.saturating_add(real_ns);
        self.persist_locked(&inner);
        Ok(())
    }

    /// Runs `f` on the conversions with emulated "now" (the real clock plus the advanced offset); writes
    /// the state file when `f` says it changed something.
    pub(crate) fn with_conversions<R>(&self, f: impl FnOnce(&mut ConversionTable, u64) -> (R, bool)) -> R {
        let mut guard = self.inner.lock().unwrap();
        let inner = &mut *guard;
        let now = inner.now_global();
        let (result, changed) = f(&mut inner.conversions, now);
        if changed {
            self.persist_locked(inner);
        }
        result
    }

    /// Emulated minutes the clock was advanced by so far.
    pub(crate) fn clock_advanced_minutes(&self) -> f64 {
        let inner = self.inner.lock().unwrap();
        inner.clock_offset_ns as f64 * self.time_scale / NANOS_PER_MINUTE
    }

    /// Overrides the reported `size` or `status` of a session (None restores the real value). Works in
    /// any status: a test may want a Stopped session to read `"Stopping"`.
    pub(crate) fn set_field(
        &self,
        id: &str,
        account: Option<&str>,
        field: &str,
        value: Option<&str>,
    ) -> Result<View, ControlError> {
        let mut guard = self.inner.lock().unwrap();
        let inner = &mut *guard;
        let key = Self::find(inner, id, account)?;
        let session = inner.sessions.get_mut(&key).expect("present");
        let slot = match field {
            "size" => &mut session.size_override,
            "status" => &mut session.status_override,
            other => {
                return Err(ControlError::Invalid(format!(
                    "unknown field '{other}' (use size or status)"
                )))
            }
        };
        *slot = value.map(str::to_string);
        let now = inner.now_for(&inner.sessions[&key]);
        let view = inner.sessions[&key].view(now, self.time_scale);
        self.persist_locked(inner);
        Ok(view)
    }

    /// Every session that has (or had) a host, with its status now.
    pub(crate) fn hosted(&self) -> Vec<Hosted> {
        let inner = self.inner.lock().unwrap();
        inner
            .sessions
            .values()
            .filter_map(|s| {
                let host = s.host.clone()?;
                Some(Hosted {
                    account_id: s.account_id.clone(),
                    id: s.id.clone(),
                    size: s.size.clone(),
                    status: self.view_of(&inner, s).status,
                    handshake_port: s.handshake_port,
                    inspector_port: s.arr_inspector_port,
                    host,
                })
            })
            .collect()
    }

    /// Changes what a session records about its host (persisted when something changed).
    pub(crate) fn update_host(&self, account: &str, id: &str, change: impl FnOnce(&mut HostRecord)) {
        let mut guard = self.inner.lock().unwrap();
        let inner = &mut *guard;
        let Some(host) = inner
            .sessions
            .get_mut(&Self::key(account, id))
            .and_then(|s| s.host.as_mut())
        else {
            return;
        };
        let before = host.clone();
        change(host);
        if *host != before {
            self.persist_locked(inner);
        }
    }

    /// A Starting session's host moves to other ports and is to be started again (its ports are shown only
    /// once it is Ready).
    pub(crate) fn move_host(&self, account: &str, id: &str, handshake_port: u16, inspector_port: u16) {
        let mut guard = self.inner.lock().unwrap();
        let inner = &mut *guard;
        let Some(session) = inner.sessions.get_mut(&Self::key(account, id)) else {
            return;
        };
        session.handshake_port = handshake_port;
        session.arr_inspector_port = inspector_port;
        if let Some(host) = session.host.as_mut() {
            host.launched = false;
            host.port_retries += 1;
        }
        self.persist_locked(inner);
    }

    /// The session's host answers: a Starting session is Ready from now, or once its start delay is over
    /// (the machine's allocation time, inferred: a host that answers sooner does not shorten it).
    pub(crate) fn host_ready(&self, account: &str, id: &str) {
        let mut guard = self.inner.lock().unwrap();
        let inner = &mut *guard;
        let Some(session) = inner.sessions.get(&Self::key(account, id)) else {
            return;
        };
        let now = inner.now_for(session);
        if session.view(now, self.time_scale).status != Status::Starting {
            return;
        }
        let allocated_at = session.created_at_ns.saturating_add(self.hosts.cold_start_delay_ns());
        let session = inner.sessions.get_mut(&Self::key(account, id)).expect("present");
        session.ready_at_ns = now.max(allocated_at);
        if let Some(host) = session.host.as_mut() {
            host.state = crate::hosts::record::HostState::Running;
        }
        self.persist_locked(inner);
    }

    /// The session's host failed: a live session is Error from now, with this message.
    pub(crate) fn host_failed(&self, account: &str, id: &str, message: &str) {
        let mut guard = self.inner.lock().unwrap();
        let inner = &mut *guard;
        let Some(session) = inner.sessions.get(&Self::key(account, id)) else {
            return;
        };
        let now = inner.now_for(session);
        if !session.view(now, self.time_scale).status.is_active() {
            return;
        }
        tracing::warn!("session {id}: {message}");
        let session = inner.sessions.get_mut(&Self::key(account, id)).expect("present");
        session.failure = Some(Failure {
            code: HOST_ERROR_CODE.to_string(),
            message: message.to_string(),
            at_ns: now,
        });
        self.persist_locked(inner);
    }

    /// Writes the state file now (after token revocation and at shutdown).
    pub(crate) fn persist(&self) {
        let inner = self.inner.lock().unwrap();
        self.persist_locked(&inner);
    }

    // Called with the lock held so concurrent mutations reach the file in order. A failed write is logged,
    // not fatal: the in-memory state stays authoritative.
    fn persist_locked(&self, inner: &Inner) {
        // Every change passes here: the hosts follow the store at once rather than at the next tick.
        self.hosts.wake();
        let Some((path, tokens)) = &self.state_file else {
            return;
        };
        let mut sessions: Vec<Session> = inner.sessions.values().cloned().collect();
        sessions.sort_by_key(|s| s.seq);
        let state = PersistedState {
            secret: STANDARD.encode(tokens.secret()),
            token_generation: tokens.generation(),
            next_seq: inner.next_seq,
            sessions,
            clock_offset_ns: inner.clock_offset_ns,
            tls_cert_pem: self.tls_pem.as_ref().map(|(c, _)| c.clone()),
            tls_key_pem: self.tls_pem.as_ref().map(|(_, k)| k.clone()),
            conversions: inner.conversions.to_vec(),
            next_conversion_seq: inner.conversions.next_seq,
        };
        if let Err(e) = write_state(path, &state) {
            tracing::warn!("could not write state file {}: {e}", path.display());
        }
    }
}

trait OptionEq {
    fn is_none_or_eq(&self, other: &str) -> bool;
}

impl OptionEq for Option<&str> {
    fn is_none_or_eq(&self, other: &str) -> bool {
        match self {
            None => true,
            Some(s) => *s == other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(start_delay: std::time::Duration) -> Store {
        let config = crate::EmulatorConfig {
            start_delay,
            region: "r".into(),
            ..Default::default()
        };
        Store::new(
            &PersistedState::default(),
            1.0,
            Arc::new(Hosts::new(&config).unwrap()),
            None,
            None,
            None,
        )
    }

    fn new_session<'a>(id: &'a str, startup_failure: Option<(String, String)>) -> NewSession<'a> {
        NewSession {
            account_id: "a",
            id,
            size: "Standard",
            max_lease_minutes: 60,
            startup_failure,
        }
    }

    /// Both APIs' creates go through here: at a zero start delay the create's own view is Starting (even
    /// for a session planned to fail at its Ready time), and any later read is Ready (or Error).
    #[test]
    fn a_create_is_starting_even_at_zero_start_delay() {
        let store = store(std::time::Duration::ZERO);
        let CreateOutcome::Created(view) = store.create(new_session("s", None)) else {
            panic!("not created")
        };
        assert_eq!(view.status, Status::Starting);
        let failing = Some(("X".to_string(), "m".to_string()));
        let CreateOutcome::Created(view) = store.create(new_session("f", failing)) else {
            panic!("not created")
        };
        assert_eq!(view.status, Status::Starting);
        std::thread::sleep(std::time::Duration::from_millis(1));
        assert_eq!(store.get("a", "s").unwrap().status, Status::Ready);
        assert_eq!(store.get("a", "f").unwrap().status, Status::Error);
    }
}
