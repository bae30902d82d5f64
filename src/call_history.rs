//! The call history: an opt-in JSON-lines file with one line per HTTP attempt (time, method, path,
//! status, MS-CV, duration, session or conversion id), for support cases. Microsoft support asks for the
//! MS-CV of each failing call; this file has them after the fact.
//!
//! What is written is what the request log shows: the URL's path only (never its query, where a SAS
//! would be), and no header. The file is bounded: once a line would take it past `max_bytes`, the oldest
//! lines are dropped so that the newest half remains. Several processes may append to one file (each
//! line is one `write` in append mode); trimming is done under the process's own lock only, so two
//! processes trimming at once may lose a few lines, never corrupt one.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// The size a history file is kept under when none is given: 1 MiB (about 4,000 calls).
pub const DEFAULT_HISTORY_MAX_BYTES: u64 = 1 << 20;

/// The smallest bound accepted: room for a few dozen lines.
const MIN_HISTORY_MAX_BYTES: u64 = 4096;

/// Where the history goes and how large it may grow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallHistoryOptions {
    /// The JSON-lines file (created if missing, appended to otherwise).
    pub path: PathBuf,
    /// The file is trimmed to its newest half when a line would take it past this.
    pub max_bytes: u64,
}

impl CallHistoryOptions {
    /// History into `path`, bounded by [`DEFAULT_HISTORY_MAX_BYTES`].
    pub fn new(path: impl Into<PathBuf>) -> CallHistoryOptions {
        CallHistoryOptions {
            path: path.into(),
            max_bytes: DEFAULT_HISTORY_MAX_BYTES,
        }
    }

    /// Checks the bound (the field is named as the JSON and the CLI name it).
    pub(crate) fn validate(&self) -> Result<()> {
        if self.path.as_os_str().is_empty() {
            return Err(Error::invalid_argument("callHistory.path", "must not be empty"));
        }
        if self.max_bytes < MIN_HISTORY_MAX_BYTES {
            return Err(Error::invalid_argument(
                "callHistory.maxBytes",
                format_args!("must be at least {MIN_HISTORY_MAX_BYTES}"),
            ));
        }
        Ok(())
    }
}

/// One HTTP attempt, as a line of the history file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    /// When the attempt started, UTC (RFC 3339).
    pub time: String,
    /// `GET`, `PUT`, ...
    pub method: String,
    /// The URL's path (no query string, so never a SAS).
    pub path: String,
    /// The HTTP status; `None` when no answer came (connection failed, timed out).
    pub status: Option<u16>,
    /// The service's correlation vector, what support asks for.
    #[serde(default)]
    pub ms_cv: Option<String>,
    /// How long the attempt took.
    pub duration_ms: u64,
    /// The session the call was about, read from the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The conversion the call was about, read from the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_id: Option<String>,
    /// The operation's short name (`sessions.get`, `sts.token`).
    #[serde(default)]
    pub route: String,
    /// 1 for the first attempt, 2 for the first retry, ...
    #[serde(default)]
    pub attempt: u32,
}

impl CallRecord {
    /// A call that got no answer, or an answer outside 2xx.
    pub fn failed(&self) -> bool {
        !self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// Whether the call was about `id` (a session or a conversion).
    pub fn is_about(&self, id: &str) -> bool {
        self.session_id.as_deref() == Some(id) || self.conversion_id.as_deref() == Some(id)
    }
}

/// Appends records to the history file; shared by every request of a client.
#[derive(Debug)]
pub(crate) struct CallHistory {
    options: CallHistoryOptions,
    /// Serialises this process's appends and trims.
    lock: Mutex<()>,
}

/// What one attempt was, as the transport saw it.
pub(crate) struct Attempt<'a> {
    pub route: &'static str,
    pub method: &'a str,
    pub path: &'a str,
    pub attempt: u32,
    pub status: Option<u16>,
    pub ms_cv: Option<&'a str>,
    pub started: SystemTime,
    pub duration: Duration,
}

impl CallHistory {
    pub fn new(options: CallHistoryOptions) -> Result<CallHistory> {
        options.validate()?;
        Ok(CallHistory {
            options,
            lock: Mutex::new(()),
        })
    }

    /// Writes one line. A history that cannot be written never fails the call it describes: the problem
    /// is logged (without the line) and the call goes on.
    pub fn record(&self, attempt: &Attempt<'_>) {
        let (session_id, conversion_id) = ids_in_path(attempt.path);
        let record = CallRecord {
            time: arr_wire_time::timestamp::format_service_time(attempt.started),
            method: attempt.method.to_owned(),
            path: attempt.path.to_owned(),
            status: attempt.status,
            ms_cv: attempt.ms_cv.map(str::to_owned),
            duration_ms: attempt.duration.as_millis() as u64,
            session_id,
            conversion_id,
            route: attempt.route.to_owned(),
            attempt: attempt.attempt,
        };
        let mut line = serde_json::to_string(&record).unwrap_or_default();
        line.push('\n');
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = self.append(line.as_bytes()) {
            tracing::warn!(target: "arr_session::history", "cannot write the call history: {e}");
        }
    }

    fn append(&self, line: &[u8]) -> std::io::Result<()> {
        let path = &self.options.path;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size + line.len() as u64 > self.options.max_bytes {
            trim(path, self.options.max_bytes / 2)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        file.write_all(line)
    }
}

/// Keeps the newest whole lines that fit in `keep_bytes` (written to a neighbour file, then renamed over).
fn trim(path: &Path, keep_bytes: u64) -> std::io::Result<()> {
    let text = std::fs::read(path)?;
    let mut start = text.len().saturating_sub(keep_bytes as usize);
    // Begin at a line start: after the first newline at or past the cut.
    if start > 0 {
        start = match text[start - 1..].iter().position(|&b| b == b'\n') {
            Some(offset) => start - 1 + offset + 1,
            None => text.len(),
        };
    }
    let mut neighbour = path.as_os_str().to_owned();
    neighbour.push(format!(".trim-{}", std::process::id()));
    let neighbour = PathBuf::from(neighbour);
    std::fs::write(&neighbour, &text[start..])?;
    std::fs::rename(&neighbour, path)
}

/// The session or conversion id a REST path is about: the segment after `sessions` or `conversions`
/// (without a `:stop` suffix), in both wire versions.
fn ids_in_path(path: &str) -> (Option<String>, Option<String>) {
    let segments: Vec<&str> = path.split('/').collect();
    let after = |noun: &str| {
        segments
            .windows(2)
            .find(|pair| pair[0] == noun)
            .map(|pair| pair[1].split(':').next().unwrap_or_default().to_owned())
            .filter(|id| !id.is_empty())
    };
    (after("sessions"), after("conversions"))
}

/// Reads a history file: every line that is a record (a line that is not, e.g. cut by a crash, is
/// skipped). A missing file is an empty history.
pub fn read_call_history(path: &Path) -> Result<Vec<CallRecord>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("history: cannot read {}: {e}", path.display()),
            ))
        }
    };
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_path_of_either_wire_version() {
        let acct = "/accounts/a";
        assert_eq!(
            ids_in_path(&format!("{acct}/sessions/s1:stop")),
            (Some("s1".into()), None)
        );
        assert_eq!(
            ids_in_path("/v1/accounts/a/sessions/s2/properties"),
            (Some("s2".into()), None)
        );
        assert_eq!(
            ids_in_path(&format!("{acct}/conversions/c1")),
            (None, Some("c1".into()))
        );
        assert_eq!(ids_in_path(&format!("{acct}/sessions")), (None, None));
    }

    #[test]
    fn the_file_stays_under_its_bound_and_keeps_the_newest_lines() {
        let dir = std::env::temp_dir().join(format!("arr-history-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("calls.jsonl");
        let _ = std::fs::remove_file(&path);
        let history = CallHistory::new(CallHistoryOptions {
            path: path.clone(),
            max_bytes: MIN_HISTORY_MAX_BYTES,
        })
        .unwrap();
        for n in 0..200u32 {
            let path_text = format!("/accounts/a/sessions/s{n}");
            history.record(&Attempt {
                route: "sessions.get",
                method: "GET",
                path: &path_text,
                attempt: 1,
                status: Some(200),
                ms_cv: Some("cv"),
                started: SystemTime::now(),
                duration: Duration::from_millis(3),
            });
        }
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size <= MIN_HISTORY_MAX_BYTES, "{size}");
        let records = read_call_history(&path).unwrap();
        assert_eq!(records.last().unwrap().session_id.as_deref(), Some("s199"));
        assert!(records.len() > 5, "{}", records.len());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
