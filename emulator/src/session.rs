//! One rendering session and its status at an instant. Status is computed lazily from stored timestamps
//! each time a session is read, so there are no background tasks and a restart (state file) resumes
//! exactly where the clock says it should.

use serde::{Deserialize, Serialize};

use crate::hosts::record::HostRecord;

/// `ready_at_ns` of a session waiting for its host to answer (the reconcile loop sets the real instant).
pub(crate) const READY_PENDING: u64 = u64::MAX;

/// Longest lease the service accepts (24 h).
pub(crate) const MAX_LEASE_MINUTES: i64 = 1440;

pub(crate) const NANOS_PER_MINUTE: f64 = 60e9;

/// The service's published Standard value (2022-2024 recordings).
pub(crate) const TERAFLOPS_STANDARD: f64 = 8.1;
/// Never observed on the real service; twice Standard is our stand-in.
pub(crate) const TERAFLOPS_PREMIUM: f64 = 16.2;

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
    /// The host that serves it (None with the simulated provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<HostRecord>,
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
    pub(crate) fn lease_real_ns(&self, time_scale: f64) -> u64 {
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
            host: None,
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
