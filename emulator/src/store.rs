//! Session state. Status is computed lazily from stored timestamps each time a session is read, so there
//! are no background tasks and a restart (state file) resumes exactly where the clock says it should.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use serde::{Deserialize, Serialize};

use crate::conversions::{Conversion, ConversionTable};
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
    Error,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Starting => "Starting",
            Status::Ready => "Ready",
            Status::Stopped => "Stopped",
            Status::Expired => "Expired",
            Status::Error => "Error",
        }
    }

    pub(crate) fn is_active(self) -> bool {
        matches!(self, Status::Starting | Status::Ready)
    }
}

/// Why and when a session fails into `Error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Failure {
    pub code: String,
    pub message: String,
    /// In the session's time frame (see [`Session`]); the session shows `Error` from then on.
    pub at_ns: u64,
}

/// One stored session. Times are wall-clock Unix nanoseconds so they survive restarts, shifted into
/// emulated time: the store's clock offset (`POST /_emulator/clock/advance`) plus this session's own
/// `offset_ns` (`POST /_emulator/sessions/{id}/expire`) are added to the real clock when the session is
/// read or changed.
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
    /// Set when the session fails (control hook, random fault, capacity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// This session's own shift of emulated time, in real nanoseconds.
    #[serde(default)]
    pub offset_ns: u64,
    /// Reported instead of the real size (open-enum testing); behaviour is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_override: Option<String>,
    /// Reported instead of the computed status (open-enum testing); behaviour is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_override: Option<String>,
}

/// A session as seen at one instant.
#[derive(Clone, Debug)]
pub(crate) struct View {
    pub session: Session,
    pub status: Status,
    /// Emulated seconds spent in Ready (what v1 reports), capped at the lease.
    pub elapsed_secs: u64,
    /// When the terminal status (Stopped/Error) began, in the session's frame.
    ended_at_ns: Option<u64>,
}

impl View {
    pub(crate) fn elapsed_minutes(&self) -> u64 {
        self.elapsed_secs / 60
    }

    /// Whether the VM was ever handed out (teraflops are known from then on). A session failing at
    /// the moment it would have become Ready never was.
    pub(crate) fn was_ready(&self) -> bool {
        let ready_at = self.session.ready_at_ns;
        match self.status {
            Status::Ready | Status::Expired => true,
            Status::Starting => false,
            Status::Stopped => self.ended_at_ns.is_some_and(|t| t >= ready_at),
            Status::Error => self.ended_at_ns.is_some_and(|t| t > ready_at),
        }
    }

    /// The status string to report (a control-hook override, or the real one).
    pub(crate) fn reported_status(&self) -> &str {
        self.session.status_override.as_deref().unwrap_or(self.status.as_str())
    }

    /// The size string to report (a control-hook override, or the real one).
    pub(crate) fn reported_size(&self) -> &str {
        self.session.size_override.as_deref().unwrap_or(&self.session.size)
    }

    /// The failure, when the status is Error.
    pub(crate) fn failure(&self) -> Option<&Failure> {
        (self.status == Status::Error)
            .then_some(self.session.failure.as_ref())
            .flatten()
    }
}

impl Session {
    fn lease_real_ns(&self, time_scale: f64) -> u64 {
        (f64::from(self.max_lease_minutes) * NANOS_PER_MINUTE / time_scale) as u64
    }

    /// Computes status and elapsed time at `now_ns` (already in this session's frame). An emulated minute
    /// lasts `60 / time_scale` real seconds. The earliest terminal event that has happened wins: a stop, a
    /// failure, or the end of the lease.
    pub(crate) fn view(&self, now_ns: u64, time_scale: f64) -> View {
        let expires_at = self.ready_at_ns.saturating_add(self.lease_real_ns(time_scale));
        let emulated_secs = |until: u64| -> u64 {
            let real = until.saturating_sub(self.ready_at_ns) as f64;
            let secs = (real * time_scale / 1e9) as u64;
            secs.min(u64::from(self.max_lease_minutes) * 60)
        };
        let mut events = Vec::with_capacity(3);
        if let Some(stopped) = self.stopped_at_ns {
            events.push((stopped, Status::Stopped));
        }
        if let Some(failure) = &self.failure {
            events.push((failure.at_ns, Status::Error));
        }
        events.push((expires_at, Status::Expired));
        let ended = events.into_iter().filter(|(t, _)| *t <= now_ns).min_by_key(|(t, _)| *t);
        let (status, elapsed_secs, ended_at_ns) = match ended {
            Some((t, Status::Expired)) => (Status::Expired, u64::from(self.max_lease_minutes) * 60, Some(t)),
            Some((t, status)) => (status, emulated_secs(t), Some(t)),
            None if now_ns < self.ready_at_ns => (Status::Starting, 0, None),
            None => (Status::Ready, emulated_secs(now_ns), None),
        };
        View {
            session: self.clone(),
            status,
            elapsed_secs,
            ended_at_ns,
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
    /// Emulated time gained through `POST /_emulator/clock/advance`, in real nanoseconds.
    #[serde(default)]
    pub clock_offset_ns: u64,
    /// The generated TLS certificate and key (PEM), reused across restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert_pem: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key_pem: Option<String>,
    /// Asset conversions, in creation order.
    #[serde(default)]
    pub conversions: Vec<Conversion>,
    #[serde(default)]
    pub next_conversion_seq: u64,
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

/// Why a control-hook action on a session could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// No session with this id (in this account, when one was given).
    NotFound(String),
    /// Several accounts have a session with this id; name the account.
    Ambiguous(String),
    /// The session already reached a terminal status (Stopped, Expired or Error).
    Ended { id: String, status: String },
    /// A request the hook cannot carry out (unknown field, bad value).
    Invalid(String),
    /// No conversion with this id (in this account, when one was given).
    ConversionNotFound(String),
    /// The conversion already reached a terminal status (Succeeded, Failed or Cancelled).
    ConversionEnded { id: String, status: String },
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::NotFound(id) => write!(f, "no session '{id}'"),
            ControlError::Ambiguous(id) => write!(
                f,
                "several accounts have a session '{id}'; add ?account=<id> to the hook's URL"
            ),
            ControlError::Ended { id, status } => write!(f, "session '{id}' has already ended ({status})"),
            ControlError::Invalid(m) => f.write_str(m),
            ControlError::ConversionNotFound(id) => write!(f, "no conversion '{id}'"),
            ControlError::ConversionEnded { id, status } => {
                write!(f, "conversion '{id}' has already ended ({status})")
            }
        }
    }
}

impl std::error::Error for ControlError {}

pub(crate) struct Store {
    inner: Mutex<Inner>,
    time_scale: f64,
    start_delay_ns: u64,
    region: String,
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

/// The error a session fails with when the account is over `--max-active-sessions` (inferred: the real
/// service's capacity failures are not documented).
pub const CAPACITY_CODE: &str = "CapacityExceeded";

impl Store {
    pub(crate) fn new(
        loaded: &PersistedState,
        time_scale: f64,
        start_delay: std::time::Duration,
        region: String,
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
            start_delay_ns: start_delay.as_nanos() as u64,
            region,
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
        let ready_at_ns = now.saturating_add(self.start_delay_ns);
        let mut failure = new.startup_failure.map(|(code, message)| Failure {
            code,
            message,
            at_ns: ready_at_ns,
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
                    at_ns: ready_at_ns,
                });
            }
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
            ready_at_ns,
            stopped_at_ns: None,
            hostname: format!("{hex}.remoterendering.vm.{}.mixedreality.azure.com", self.region),
            handshake_port,
            arr_inspector_port,
            teraflops: if new.size == "Premium" {
                TERAFLOPS_PREMIUM
            } else {
                TERAFLOPS_STANDARD
            },
            failure,
            offset_ns: 0,
            size_override: None,
            status_override: None,
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
            failure: None,
            offset_ns: 0,
            size_override: None,
            status_override: None,
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
        // A failure at the Ready instant: Starting before, Error after, never ready.
        let mut failing = session(2);
        failing.failure = Some(Failure {
            code: "X".into(),
            message: "m".into(),
            at_ns: 10_000_000_000,
        });
        assert_eq!(failing.view(9_000_000_000, 1.0).status, Status::Starting);
        let v = failing.view(11_000_000_000, 1.0);
        assert_eq!(
            (v.status, v.was_ready(), v.failure().unwrap().code.as_str()),
            (Status::Error, false, "X")
        );
        // A stop before the failure wins; a failure after a stop changes nothing.
        failing.stopped_at_ns = Some(9_500_000_000);
        assert_eq!(failing.view(11_000_000_000, 1.0).status, Status::Stopped);
        // Failing while Ready keeps the elapsed time.
        let mut ready_then_failed = session(10);
        ready_then_failed.failure = Some(Failure {
            code: "X".into(),
            message: "m".into(),
            at_ns: 10_000_000_000 + 120_000_000_000,
        });
        let v = ready_then_failed.view(10_000_000_000 + 300_000_000_000, 1.0);
        assert_eq!((v.status, v.elapsed_minutes(), v.was_ready()), (Status::Error, 2, true));
    }
}
