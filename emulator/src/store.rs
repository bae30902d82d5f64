//! Session state. Status is computed lazily from stored timestamps each time a session is read, so there
//! are no background tasks and a restart (state file) resumes exactly where the clock says it should.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use serde::{Deserialize, Serialize};

use crate::timefmt::unix_nanos_now;
use crate::token::TokenService;

/// Longest lease the service accepts (24 h).
pub(crate) const MAX_LEASE_MINUTES: i64 = 1440;

const NANOS_PER_MINUTE: f64 = 60e9;

/// The service's published Standard value (2022-2024 recordings).
const TERAFLOPS_STANDARD: f64 = 8.1;
/// Never observed on the real service; twice Standard is our stand-in.
const TERAFLOPS_PREMIUM: f64 = 16.2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Starting,
    Ready,
    Stopped,
    Expired,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Starting => "Starting",
            Status::Ready => "Ready",
            Status::Stopped => "Stopped",
            Status::Expired => "Expired",
        }
    }

    pub(crate) fn is_active(self) -> bool {
        matches!(self, Status::Starting | Status::Ready)
    }
}

/// One stored session. Times are wall-clock Unix nanoseconds so they survive restarts.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Session {
    pub account_id: String,
    pub id: String,
    /// Creation order, used for list ordering and as the paging cursor.
    pub seq: u64,
    pub size: String,
    pub max_lease_minutes: u32,
    pub created_at_ns: u64,
    pub ready_at_ns: u64,
    pub stopped_at_ns: Option<u64>,
    pub hostname: String,
    pub handshake_port: u16,
    pub arr_inspector_port: u16,
    pub teraflops: f64,
}

/// A session as seen at one instant.
#[derive(Clone, Debug)]
pub(crate) struct View {
    pub session: Session,
    pub status: Status,
    /// Emulated seconds spent in Ready (what v1 reports), capped at the lease.
    pub elapsed_secs: u64,
}

impl View {
    pub(crate) fn elapsed_minutes(&self) -> u64 {
        self.elapsed_secs / 60
    }

    /// Whether the VM was ever handed out (teraflops are known from then on).
    pub(crate) fn was_ready(&self) -> bool {
        self.status == Status::Ready
            || self.status == Status::Expired
            || self
                .session
                .stopped_at_ns
                .is_some_and(|s| s >= self.session.ready_at_ns)
    }
}

impl Session {
    /// Computes status and elapsed time. An emulated minute lasts `60 / time_scale` real seconds.
    pub(crate) fn view(&self, now_ns: u64, time_scale: f64) -> View {
        let lease_real_ns = (f64::from(self.max_lease_minutes) * NANOS_PER_MINUTE / time_scale) as u64;
        let expires_at = self.ready_at_ns.saturating_add(lease_real_ns);
        let emulated_secs = |until: u64| -> u64 {
            let real = until.saturating_sub(self.ready_at_ns) as f64;
            let secs = (real * time_scale / 1e9) as u64;
            secs.min(u64::from(self.max_lease_minutes) * 60)
        };
        let (status, elapsed_secs) = match self.stopped_at_ns {
            // A stop is only ever recorded while the session was Starting or Ready.
            Some(stopped) if stopped < expires_at || self.ready_at_ns > stopped => {
                (Status::Stopped, emulated_secs(stopped))
            }
            _ if now_ns < self.ready_at_ns => (Status::Starting, 0),
            _ if now_ns >= expires_at => (Status::Expired, u64::from(self.max_lease_minutes) * 60),
            _ => (Status::Ready, emulated_secs(now_ns)),
        };
        View {
            session: self.clone(),
            status,
            elapsed_secs,
        }
    }
}

/// What the state file holds.
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PersistedState {
    /// Base64 token-signing secret, so issued tokens survive restarts.
    pub secret: String,
    #[serde(default)]
    pub token_generation: u64,
    #[serde(default)]
    pub next_seq: u64,
    #[serde(default)]
    pub sessions: Vec<Session>,
}

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
}

pub(crate) struct Store {
    inner: Mutex<Inner>,
    time_scale: f64,
    start_delay_ns: u64,
    region: String,
    state_file: Option<(PathBuf, Arc<TokenService>)>,
}

/// Session settings after validation.
pub(crate) struct NewSession<'a> {
    pub account_id: &'a str,
    pub id: &'a str,
    pub size: &'a str,
    pub max_lease_minutes: u32,
}

impl Store {
    pub(crate) fn new(
        loaded: &PersistedState,
        time_scale: f64,
        start_delay: std::time::Duration,
        region: String,
        state_file: Option<(PathBuf, Arc<TokenService>)>,
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
            inner: Mutex::new(Inner { sessions, next_seq }),
            time_scale,
            start_delay_ns: start_delay.as_nanos() as u64,
            region,
            state_file,
        }
    }

    fn key(account: &str, id: &str) -> (String, String) {
        (account.to_string(), id.to_string())
    }

    pub(crate) fn get(&self, account: &str, id: &str) -> Option<View> {
        let inner = self.inner.lock().unwrap();
        inner
            .sessions
            .get(&Self::key(account, id))
            .map(|s| s.view(unix_nanos_now(), self.time_scale))
    }

    /// PUT semantics: same settings on a live session is an idempotent retry; anything else is a conflict.
    pub(crate) fn create(&self, new: NewSession<'_>) -> CreateOutcome {
        let mut inner = self.inner.lock().unwrap();
        let now = unix_nanos_now();
        let key = Self::key(new.account_id, new.id);
        if let Some(existing) = inner.sessions.get(&key) {
            let view = existing.view(now, self.time_scale);
            let same = existing.size == new.size && existing.max_lease_minutes == new.max_lease_minutes;
            return if same && view.status.is_active() {
                CreateOutcome::Existing(view)
            } else {
                CreateOutcome::Conflict
            };
        }
        let handshake_port = fastrand::u16(49152..=65534);
        let arr_inspector_port = loop {
            let p = fastrand::u16(49152..=65534);
            if p != handshake_port {
                break p;
            }
        };
        let hex: String = (0..32)
            .map(|_| char::from(b"0123456789abcdef"[fastrand::usize(..16)]))
            .collect();
        let session = Session {
            account_id: new.account_id.to_string(),
            id: new.id.to_string(),
            seq: inner.next_seq,
            size: new.size.to_string(),
            max_lease_minutes: new.max_lease_minutes,
            created_at_ns: now,
            ready_at_ns: now.saturating_add(self.start_delay_ns),
            stopped_at_ns: None,
            hostname: format!("{hex}.remoterendering.vm.{}.mixedreality.azure.com", self.region),
            handshake_port,
            arr_inspector_port,
            teraflops: if new.size == "Premium" {
                TERAFLOPS_PREMIUM
            } else {
                TERAFLOPS_STANDARD
            },
        };
        inner.next_seq += 1;
        let view = session.view(now, self.time_scale);
        inner.sessions.insert(key, session);
        self.persist_locked(&inner);
        CreateOutcome::Created(view)
    }

    /// Sets the lease to an absolute, strictly larger value (at most 1440).
    pub(crate) fn update_lease(&self, account: &str, id: &str, minutes: i64) -> Result<View, UpdateError> {
        let mut inner = self.inner.lock().unwrap();
        let now = unix_nanos_now();
        let session = inner
            .sessions
            .get_mut(&Self::key(account, id))
            .ok_or(UpdateError::NotFound)?;
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
        session.max_lease_minutes = minutes as u32;
        let view = session.view(now, self.time_scale);
        self.persist_locked(&inner);
        Ok(view)
    }

    /// Stops a live session; stopping a terminal session changes nothing (idempotent). None = unknown.
    pub(crate) fn stop(&self, account: &str, id: &str) -> Option<View> {
        let mut inner = self.inner.lock().unwrap();
        let now = unix_nanos_now();
        let session = inner.sessions.get_mut(&Self::key(account, id))?;
        if session.view(now, self.time_scale).status.is_active() {
            session.stopped_at_ns = Some(now);
            let view = session.view(now, self.time_scale);
            self.persist_locked(&inner);
            return Some(view);
        }
        Some(session.view(now, self.time_scale))
    }

    /// Sessions of one account (or all when `account` is None), in creation order.
    pub(crate) fn list(&self, account: Option<&str>) -> Vec<View> {
        let inner = self.inner.lock().unwrap();
        let now = unix_nanos_now();
        let mut views: Vec<View> = inner
            .sessions
            .values()
            .filter(|s| account.is_none_or_eq(&s.account_id))
            .map(|s| s.view(now, self.time_scale))
            .collect();
        views.sort_by_key(|v| v.session.seq);
        views
    }

    /// Writes the state file now (after token revocation and at shutdown).
    pub(crate) fn persist(&self) {
        let inner = self.inner.lock().unwrap();
        self.persist_locked(&inner);
    }

    // Called with the lock held so concurrent mutations reach the file in order. A failed write is logged,
    // not fatal: the in-memory state stays authoritative.
    fn persist_locked(&self, inner: &Inner) {
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

/// Reads a state file; a missing file is a fresh start.
pub(crate) fn load_state(path: &std::path::Path) -> std::io::Result<Option<PersistedState>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("state file {} is not valid: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Atomic write: a reader (or a crash) never sees a half-written file.
pub(crate) fn write_state(path: &std::path::Path, state: &PersistedState) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(lease: u32) -> Session {
        Session {
            account_id: "a".into(),
            id: "s".into(),
            seq: 0,
            size: "Standard".into(),
            max_lease_minutes: lease,
            created_at_ns: 0,
            ready_at_ns: 10_000_000_000,
            stopped_at_ns: None,
            hostname: String::new(),
            handshake_port: 0,
            arr_inspector_port: 0,
            teraflops: 8.1,
        }
    }

    #[test]
    fn state_machine() {
        let s = session(2);
        assert_eq!(s.view(5_000_000_000, 1.0).status, Status::Starting);
        let v = s.view(10_000_000_000 + 61_000_000_000, 1.0);
        assert_eq!((v.status, v.elapsed_minutes()), (Status::Ready, 1));
        let v = s.view(10_000_000_000 + 120_000_000_000, 1.0);
        assert_eq!((v.status, v.elapsed_minutes()), (Status::Expired, 2));
        // Time scale 60: one emulated minute per real second.
        let v = s.view(10_000_000_000 + 1_500_000_000, 60.0);
        assert_eq!((v.status, v.elapsed_minutes()), (Status::Ready, 1));
        let mut stopped = session(2);
        stopped.stopped_at_ns = Some(5_000_000_000);
        let v = stopped.view(1_000_000_000_000, 1.0);
        assert_eq!((v.status, v.elapsed_secs, v.was_ready()), (Status::Stopped, 0, false));
        stopped.stopped_at_ns = Some(40_000_000_000);
        let v = stopped.view(1_000_000_000_000, 1.0);
        assert_eq!((v.status, v.elapsed_secs, v.was_ready()), (Status::Stopped, 30, true));
    }
}
