//! Fault injection: scripted faults (deterministic, consumed FIFO) and probabilistic fault rates.
//!
//! Faults exist so that every error path of a client (retries, timeouts, idempotent re-creation after a
//! lost response, tolerant JSON decoding) can be exercised against a real socket.

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// A deterministic fault applied to the next `times` requests whose route matches.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScriptedFault {
    /// Route name (e.g. `"sessions.get"`); `None` matches any counted route.
    #[serde(default)]
    pub route: Option<String>,
    /// What happens to a matching request.
    pub kind: FaultKind,
    /// How many matching requests the fault applies to.
    pub times: u32,
}

/// What a fault does to a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FaultKind {
    /// Respond with this status without processing. 5xx carry an `error_response` body; 429 has no body
    /// and a `Retry-After` header (`retry_after`, default 1 s).
    Status {
        status: u16,
        #[serde(default)]
        retry_after: Option<u32>,
    },
    /// Close the connection without processing or responding.
    DropBeforeProcessing,
    /// Process the request fully (state changes happen), then close the connection without responding.
    DropAfterProcessing,
    /// Wait, then process normally (to trigger client timeouts). The wait starts once the request body
    /// is read, before any processing, and the request is carried out even if the client disconnects
    /// meanwhile - the same as `HoldBeforeProcessing`.
    Delay { millis: u64 },
    /// Hold the accepted request for `millis` before processing it, then process it normally even if
    /// the client has gone (as an ASP.NET service carries out a request whose caller disconnected).
    /// Lets a test lose the response of a create whose effect appears later.
    HoldBeforeProcessing { millis: u64 },
    /// Process, then answer 200 with a truncated JSON body.
    MalformedBody,
    /// Only for create routes (`sessions.create`, `v1.sessions.create`): the request succeeds, but the new
    /// session fails into `Error` when it would have become Ready. Code and message default to
    /// [`SESSION_ERROR_CODE`] and [`SESSION_ERROR_MESSAGE`]. On `conversions.create`: the new conversion
    /// ends `Failed` when it would have finished, without touching storage; the defaults are then
    /// [`CONVERSION_FAIL_CODE`](crate::CONVERSION_FAIL_CODE) and
    /// [`CONVERSION_FAIL_MESSAGE`](crate::CONVERSION_FAIL_MESSAGE).
    SessionError {
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        message: Option<String>,
    },
}

/// Error code of sessions failed by `--faults sessionError=P` (inferred: the real service's startup
/// failure codes are not documented).
pub const SESSION_ERROR_CODE: &str = "SessionStartupFailed";
/// Error message of sessions failed by `--faults sessionError=P`.
pub const SESSION_ERROR_MESSAGE: &str =
    "The rendering session could not be started (failure injected by arr-emulator).";

/// Probabilities (0..=1) of random faults per counted request. Parsed from the CLI syntax
/// `500=0.05,503=0.05,drop=0.01,delay=0.02:2000ms,malformed=0.01`.
#[derive(Clone, Debug, Default)]
pub struct FaultRates {
    pub status_500: f64,
    pub status_503: f64,
    /// Connection drops; half happen before processing, half after (so a lost response can hide a
    /// state change, as on a real network).
    pub drop: f64,
    pub delay: f64,
    /// Length of a random delay; 1000 ms when the spec gives none.
    pub delay_millis: u64,
    pub malformed: f64,
    /// Probability that a newly created session fails into `Error` instead of becoming Ready. Drawn
    /// independently of the per-request faults above (not part of their sum).
    pub session_error: f64,
}

impl FaultRates {
    fn total(&self) -> f64 {
        self.status_500 + self.status_503 + self.drop + self.delay + self.malformed
    }
}

impl FromStr for FaultRates {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        let mut rates = FaultRates {
            delay_millis: 1000,
            ..FaultRates::default()
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("fault spec part '{part}' must look like name=probability"))?;
            let (prob_text, extra) = match value.split_once(':') {
                Some((p, e)) => (p, Some(e)),
                None => (value, None),
            };
            let prob: f64 = prob_text
                .trim()
                .parse()
                .ok()
                .filter(|p: &f64| (0.0..=1.0).contains(p))
                .ok_or_else(|| format!("fault spec part '{part}': probability must be a number between 0 and 1"))?;
            if extra.is_some() && name.trim() != "delay" {
                return Err(format!(
                    "fault spec part '{part}': only delay takes a ':duration' suffix"
                ));
            }
            match name.trim() {
                "500" => rates.status_500 = prob,
                "503" => rates.status_503 = prob,
                "drop" => rates.drop = prob,
                "malformed" => rates.malformed = prob,
                "sessionError" => rates.session_error = prob,
                "delay" => {
                    rates.delay = prob;
                    if let Some(d) = extra {
                        let dur =
                            crate::timefmt::parse_duration(d).map_err(|e| format!("fault spec part '{part}': {e}"))?;
                        rates.delay_millis = dur.as_millis() as u64;
                    }
                }
                other => {
                    return Err(format!(
                        "fault spec part '{part}': unknown fault '{other}' (use 500, 503, drop, delay, malformed, sessionError)"
                    ))
                }
            }
        }
        if rates.total() > 1.0 {
            return Err(format!("fault probabilities add up to {} (more than 1)", rates.total()));
        }
        Ok(rates)
    }
}

/// Decides which fault (if any) applies to a request.
pub(crate) struct FaultEngine {
    scripted: Mutex<VecDeque<ScriptedFault>>,
    rates: FaultRates,
    /// Seconds added to the `Date` of every API answer (a skewed service clock for clients' clock
    /// checks); 0 leaves the server's own `Date`.
    date_offset_secs: std::sync::atomic::AtomicI64,
}

impl FaultEngine {
    pub(crate) fn new(rates: FaultRates) -> Self {
        FaultEngine {
            scripted: Mutex::new(VecDeque::new()),
            rates,
            date_offset_secs: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// Answers carry a `Date` this many seconds off the real time from now on (0: the real time).
    pub(crate) fn set_date_offset(&self, seconds: i64) {
        self.date_offset_secs
            .store(seconds, std::sync::atomic::Ordering::Relaxed);
    }

    /// The skewed `Date` header value, when an offset is set.
    pub(crate) fn skewed_date(&self) -> Option<String> {
        let offset = self.date_offset_secs.load(std::sync::atomic::Ordering::Relaxed);
        if offset == 0 {
            return None;
        }
        let now = std::time::SystemTime::now();
        let shift = std::time::Duration::from_secs(offset.unsigned_abs());
        let at = if offset > 0 { now + shift } else { now - shift };
        Some(crate::blob::http_date(at))
    }

    pub(crate) fn inject(&self, fault: ScriptedFault) {
        if fault.times > 0 {
            self.scripted.lock().unwrap().push_back(fault);
        }
    }

    /// The scripted faults still armed, oldest first (`times` is what remains of each).
    pub(crate) fn pending(&self) -> Vec<ScriptedFault> {
        self.scripted.lock().unwrap().iter().cloned().collect()
    }

    /// Disarms every scripted fault; random rates stay.
    pub(crate) fn clear(&self) {
        self.scripted.lock().unwrap().clear();
    }

    /// Scripted faults first (the oldest matching one is consumed), then the random rates.
    pub(crate) fn next(&self, route: &str) -> Option<FaultKind> {
        {
            let mut queue = self.scripted.lock().unwrap();
            let pos = queue.iter().position(|f| f.route.as_deref().is_none_or(|r| r == route));
            if let Some(pos) = pos {
                let fault = &mut queue[pos];
                fault.times -= 1;
                let kind = fault.kind.clone();
                if fault.times == 0 {
                    queue.remove(pos);
                }
                return Some(kind);
            }
        }
        self.random()
    }

    /// Whether a session being created right now fails (the `sessionError` rate).
    pub(crate) fn roll_session_error(&self) -> bool {
        self.rates.session_error > 0.0 && fastrand::f64() < self.rates.session_error
    }

    fn random(&self) -> Option<FaultKind> {
        let r = &self.rates;
        if r.total() <= 0.0 {
            return None;
        }
        let mut x = fastrand::f64();
        let mut pick = |p: f64| {
            x -= p;
            x < 0.0
        };
        if pick(r.status_500) {
            Some(FaultKind::Status {
                status: 500,
                retry_after: None,
            })
        } else if pick(r.status_503) {
            Some(FaultKind::Status {
                status: 503,
                retry_after: None,
            })
        } else if pick(r.drop) {
            Some(if fastrand::bool() {
                FaultKind::DropBeforeProcessing
            } else {
                FaultKind::DropAfterProcessing
            })
        } else if pick(r.delay) {
            Some(FaultKind::Delay { millis: r.delay_millis })
        } else if pick(r.malformed) {
            Some(FaultKind::MalformedBody)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_spec() {
        let r: FaultRates = "500=0.05,503=0.05,drop=0.01,delay=0.02:2000ms,malformed=0.01"
            .parse()
            .unwrap();
        assert_eq!(
            (r.status_500, r.status_503, r.drop, r.delay, r.malformed),
            (0.05, 0.05, 0.01, 0.02, 0.01)
        );
        assert_eq!(r.delay_millis, 2000);
        let r: FaultRates = "500=0.9,sessionError=0.5".parse().unwrap();
        assert_eq!((r.status_500, r.session_error), (0.9, 0.5));
        assert_eq!("".parse::<FaultRates>().unwrap().total(), 0.0);
    }

    #[test]
    fn errors_name_the_bad_part() {
        let e = "500=0.1,bogus=0.2".parse::<FaultRates>().unwrap_err();
        assert!(e.contains("bogus=0.2"), "{e}");
        let e = "503=2".parse::<FaultRates>().unwrap_err();
        assert!(e.contains("503=2"), "{e}");
        let e = "delay=0.1:fast".parse::<FaultRates>().unwrap_err();
        assert!(e.contains("delay=0.1:fast"), "{e}");
        let e = "drop".parse::<FaultRates>().unwrap_err();
        assert!(e.contains("drop"), "{e}");
    }

    #[test]
    fn scripted_faults_are_fifo_and_counted_down() {
        let engine = FaultEngine::new(FaultRates::default());
        engine.inject(ScriptedFault {
            route: Some("sessions.get".into()),
            kind: FaultKind::MalformedBody,
            times: 2,
        });
        engine.inject(ScriptedFault {
            route: None,
            kind: FaultKind::DropBeforeProcessing,
            times: 1,
        });
        assert_eq!(engine.next("sessions.get"), Some(FaultKind::MalformedBody));
        assert_eq!(engine.next("sts.token"), Some(FaultKind::DropBeforeProcessing));
        assert_eq!(engine.next("sts.token"), None);
        assert_eq!(engine.next("sessions.get"), Some(FaultKind::MalformedBody));
        assert_eq!(engine.next("sessions.get"), None);
    }

    #[test]
    fn fault_json_shape() {
        let f: ScriptedFault = serde_json::from_str(
            r#"{"route":"sessions.get","kind":{"kind":"status","status":503,"retryAfter":null},"times":2}"#,
        )
        .unwrap();
        assert_eq!(
            f.kind,
            FaultKind::Status {
                status: 503,
                retry_after: None
            }
        );
        let f: ScriptedFault = serde_json::from_str(r#"{"kind":{"kind":"delay","millis":5},"times":1}"#).unwrap();
        assert_eq!(f.kind, FaultKind::Delay { millis: 5 });
        let f: ScriptedFault = serde_json::from_str(
            r#"{"route":"sessions.create","kind":{"kind":"holdBeforeProcessing","millis":2000},"times":1}"#,
        )
        .unwrap();
        assert_eq!(f.kind, FaultKind::HoldBeforeProcessing { millis: 2000 });
        let json = serde_json::to_value(FaultKind::DropAfterProcessing).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "dropAfterProcessing"}));
    }
}
