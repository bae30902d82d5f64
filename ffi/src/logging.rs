//! Library logs to a host callback (Unity `Debug.Log`, Python `logging`), with a level filter.
//!
//! A minimal `tracing` subscriber: events at or above the level are formatted as `message key=value ...`
//! and queued for the log thread (`engine::log_thread`), which hands them to the callback in order. So host
//! code never runs on a runtime worker, and no lock is held while it runs (the callback may set the log
//! callback itself). Spans are not tracked. The library never logs secrets (see `transport`).

use std::ffi::{c_char, c_void, CString};
use std::fmt::Write;
use std::sync::{RwLock, RwLockWriteGuard};

use crate::engine::lock_order::{Ordered, Rank};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::engine::delivery;
use crate::engine::log_thread::{self, Line};
use crate::error::{guard, FfiError};
use crate::host_ptr::HostPtr;
use crate::status::ArrStatus;

/// Log levels, from most to least severe.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ArrLogLevel {
    /// No logging.
    Off = 0,
    /// Failures.
    Error = 1,
    /// Things that went wrong but were handled.
    Warn = 2,
    /// One line per request and per guard action.
    Info = 3,
    /// Details (token refreshes, retries).
    Debug = 4,
    /// Everything.
    Trace = 5,
}

/// Receives one log line: level, target (e.g. `arr_session::http`) and message, borrowed for the call.
pub type ArrLogCallback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, level: ArrLogLevel, target: *const c_char, message: *const c_char),
>;

pub(crate) type LogFn = unsafe extern "C" fn(*mut c_void, ArrLogLevel, *const c_char, *const c_char);

pub(crate) struct Sink {
    pub callback: LogFn,
    pub user_data: HostPtr<c_void>,
    pub max_level: ArrLogLevel,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

pub(crate) fn lock_sink() -> Ordered<RwLockWriteGuard<'static, Option<Sink>>> {
    Ordered::take(Rank::LogSink, || SINK.write().unwrap_or_else(|p| p.into_inner()))
}

/// The host's callback and its `user_data` if a line at `level` goes to it.
pub(crate) fn sink_for(level: ArrLogLevel) -> Option<(LogFn, HostPtr<c_void>)> {
    let sink = Ordered::take(Rank::LogSink, || SINK.read().unwrap_or_else(|p| p.into_inner()));
    sink.as_ref()
        .filter(|s| level <= s.max_level)
        .map(|s| (s.callback, s.user_data))
}

impl ArrLogLevel {
    fn from_u32(value: u32) -> Option<ArrLogLevel> {
        [
            ArrLogLevel::Off,
            ArrLogLevel::Error,
            ArrLogLevel::Warn,
            ArrLogLevel::Info,
            ArrLogLevel::Debug,
            ArrLogLevel::Trace,
        ]
        .into_iter()
        .find(|l| *l as u32 == value)
    }
}

fn level_of(level: &Level) -> ArrLogLevel {
    match *level {
        Level::ERROR => ArrLogLevel::Error,
        Level::WARN => ArrLogLevel::Warn,
        Level::INFO => ArrLogLevel::Info,
        Level::DEBUG => ArrLogLevel::Debug,
        Level::TRACE => ArrLogLevel::Trace,
    }
}

struct CallbackSubscriber;

impl Subscriber for CallbackSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        // Only our own events: dependencies' internals are not part of the contract.
        metadata.target().starts_with("arr_")
            && SINK
                .read()
                .map(|s| s.as_ref().is_some_and(|s| level_of(metadata.level()) <= s.max_level))
                .unwrap_or(false)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = LineVisitor::default();
        event.record(&mut line);
        let level = level_of(event.metadata().level());
        let (Ok(target), Ok(message)) = (
            CString::new(event.metadata().target()),
            CString::new(line.line().replace('\0', " ")),
        ) else {
            return;
        };
        log_thread::enqueue(Line { level, target, message });
    }
}

/// Formats an event as its message followed by ` key=value` for each other field.
#[derive(Default)]
struct LineVisitor {
    message: String,
    fields: String,
}

impl LineVisitor {
    fn line(self) -> String {
        format!("{}{}", self.message, self.fields)
    }
}

impl Visit for LineVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}

/// Sends the library's log lines at `max_level` (an `arr_log_level`) or more severe to `callback`; a NULL callback or
/// `ARR_LOG_LEVEL_OFF` turns logging off. Lines name method, path, status, MS-CV and duration of each
/// request; account keys, tokens and Authorization headers never appear.
///
/// Lines are delivered in order from one library thread (never a runtime worker); the callback may call
/// `arr_set_log_callback` itself. When this function returns, a line being delivered to the previous
/// callback has been delivered, so its `user_data` may go; called from inside a library callback (the log
/// callback included), it does not wait for that.
///
/// Ownership: `user_data` is passed back untouched and must stay valid until logging is turned off.
/// Thread-safety: the callback is called from the library's log thread; set the callback from any thread.
/// Blocking: only while a line is being delivered to the previous callback. The callback must not call
/// blocking `arr_` functions.
///
/// # Safety
/// `callback` must be NULL or a function that is safe to call from any thread.
#[no_mangle]
pub unsafe extern "C" fn arr_set_log_callback(
    callback: ArrLogCallback,
    user_data: *mut c_void,
    max_level: u32,
) -> ArrStatus {
    guard(|| {
        let max_level = ArrLogLevel::from_u32(max_level).ok_or_else(|| {
            FfiError::invalid(
                "max_level",
                format_args!("must be an ARR_LOG_LEVEL_* value, not {max_level}"),
            )
        })?;
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        let mut failed = false;
        INSTALLED.call_once(|| failed = tracing::subscriber::set_global_default(CallbackSubscriber).is_err());
        if failed {
            return Err(FfiError::new(
                ArrStatus::InvalidArgument,
                "another tracing subscriber is already installed in this process",
            ));
        }
        let sink = callback.filter(|_| max_level != ArrLogLevel::Off).map(|callback| Sink {
            callback,
            user_data: HostPtr::new(user_data),
            max_level,
        });
        **lock_sink() = sink;
        tracing::callsite::rebuild_interest_cache();
        // From inside a callback, the line being delivered may be waiting for this very thread.
        if !delivery::in_callback() {
            log_thread::wait_delivered();
        }
        Ok(())
    })
}
