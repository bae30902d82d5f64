//! The in-memory request log: one record per counted request, kept for `GET /_emulator/log`,
//! [`Emulator::request_log`](crate::Emulator::request_log) and the dashboard's request panel. Bounded so a
//! long-running binary stays small. Records hold nothing secret: the query is redacted the way the debug
//! log redacts it, and headers and bodies are not kept.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

/// The log keeps this many records; older ones are dropped.
const CAPACITY: usize = 10_000;

/// One served (or dropped) request.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestRecord {
    /// Wall-clock Unix milliseconds when the request arrived.
    pub at_unix_ms: u64,
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// Path and query, with secret-looking query values replaced by `REDACTED`.
    pub shown: String,
    /// The route name (`sessions.get`, ...).
    pub route: String,
    /// The answer's status; None when the connection was dropped without one.
    pub status: Option<u16>,
    pub duration_ms: u64,
    pub ms_cv: String,
}

impl RequestRecord {
    /// The `info` line: `GET /accounts/a/sessions/s 200 3ms ms-cv=...` (or `dropped` for the status).
    pub(crate) fn line(&self) -> String {
        let status = self.status.map_or_else(|| "dropped".to_string(), |s| s.to_string());
        format!(
            "{} {} {status} {}ms ms-cv={}",
            self.method, self.path, self.duration_ms, self.ms_cv
        )
    }
}

#[derive(Default)]
pub(crate) struct RequestLog(Mutex<VecDeque<RequestRecord>>);

impl RequestLog {
    pub(crate) fn push(&self, record: RequestRecord) {
        let mut log = self.0.lock().unwrap();
        if log.len() == CAPACITY {
            log.pop_front();
        }
        log.push_back(record);
    }

    /// Every kept record's `info` line, oldest first.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().map(RequestRecord::line).collect()
    }

    /// The newest `n` records, newest first.
    pub(crate) fn latest(&self, n: usize) -> Vec<RequestRecord> {
        self.0.lock().unwrap().iter().rev().take(n).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u64) -> RequestRecord {
        RequestRecord {
            at_unix_ms: n,
            method: "GET".into(),
            path: "/accounts/a/sessions".into(),
            shown: "/accounts/a/sessions?sig=REDACTED".into(),
            route: "sessions.list".into(),
            status: (n % 2 == 0).then_some(200),
            duration_ms: 3,
            ms_cv: "cv.0".into(),
        }
    }

    #[test]
    fn lines_keep_the_info_form_and_the_log_is_bounded() {
        let log = RequestLog::default();
        for n in 0..(CAPACITY as u64 + 2) {
            log.push(record(n));
        }
        let lines = log.lines();
        assert_eq!(lines.len(), CAPACITY);
        assert_eq!(lines[0], "GET /accounts/a/sessions 200 3ms ms-cv=cv.0");
        assert_eq!(lines[1], "GET /accounts/a/sessions dropped 3ms ms-cv=cv.0");
        let latest = log.latest(2);
        assert_eq!(
            latest.iter().map(|r| r.at_unix_ms).collect::<Vec<_>>(),
            [10_001, 10_000]
        );
    }
}
