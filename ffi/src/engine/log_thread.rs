//! The log thread: one thread of the library's own that hands queued log lines to the host's log callback,
//! in order, so host code never runs on a runtime worker and no lock is held while it runs. Started on
//! the first line; stopped and joined by `arr_shutdown`; after that, none starts until a runtime does
//! (late lines wait for it), so nothing is left running that no later shutdown would join.

use std::collections::HashSet;
use std::ffi::CString;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::lock_order::{Ordered, Rank};
use std::thread::{JoinHandle, ThreadId};
use std::time::Instant;

use super::delivery;
use super::runtime::JOIN_TIMEOUT;
use crate::logging::{sink_for, ArrLogLevel};

/// Lines waiting for the log thread; beyond this many, new lines are dropped rather than blocking I/O.
const QUEUE_LINES: usize = 4096;

pub(crate) struct Line {
    pub level: ArrLogLevel,
    pub target: CString,
    pub message: CString,
}

/// The log thread and where lines go, under one lock, which the fork handlers hold across `fork()`.
///
/// While the library is shut down (after `arr_shutdown`, until a runtime starts again) no log thread is
/// started: a late line waits in `waiting` for the next one, so nothing is left running that no later
/// shutdown would join (a host may unload the library right after `arr_shutdown`).
#[derive(Default)]
pub(crate) struct LogThread {
    /// The queue lines are sent to: the running log thread's, or the waiting one.
    sender: Option<SyncSender<Line>>,
    /// The log thread, while one runs.
    thread: Option<JoinHandle<()>>,
    /// The queue filled while shut down, handed to the next log thread.
    waiting: Option<Receiver<Line>>,
    /// Threads earlier stops could not join (they called `arr_shutdown` from the log callback, or were
    /// still inside it): joined by a later stop once they have ended. Every one is kept.
    leftover: Vec<JoinHandle<()>>,
    /// `arr_shutdown` stopped logging and no runtime has started since.
    stopped: bool,
}

static LOG_THREAD: Mutex<LogThread> = Mutex::new(LogThread {
    sender: None,
    thread: None,
    waiting: None,
    leftover: Vec::new(),
    stopped: false,
});

/// Whether the log thread is inside the host's callback now, so that turning logging off can wait for
/// the line being delivered (`user_data` must stay valid only until then).
static DELIVERING: Mutex<bool> = Mutex::new(false);
static DELIVERED: Condvar = Condvar::new();

pub(crate) fn lock_thread() -> Ordered<MutexGuard<'static, LogThread>> {
    Ordered::take(Rank::LogThread, || LOG_THREAD.lock().unwrap_or_else(|p| p.into_inner()))
}

pub(crate) fn lock_delivering() -> Ordered<MutexGuard<'static, bool>> {
    Ordered::take(Rank::LogDelivery, || {
        DELIVERING.lock().unwrap_or_else(|p| p.into_inner())
    })
}

fn set_delivering(value: bool) {
    **lock_delivering() = value;
    if !value {
        DELIVERED.notify_all();
    }
}

impl LogThread {
    /// Starts the log thread on `receiver`; if no thread can be started, the lines wait in `waiting` for
    /// the next line or the next runtime to try again.
    fn start(&mut self, receiver: Receiver<Line>) {
        let slot = Arc::new(Mutex::new(Some(receiver)));
        let theirs = slot.clone();
        let started = std::thread::Builder::new()
            .name("arr-session-log".into())
            .spawn(move || {
                let receiver = theirs.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some(receiver) = receiver {
                    deliver_lines(receiver);
                }
            });
        match started {
            Ok(thread) => self.thread = Some(thread),
            Err(_) => self.waiting = slot.lock().unwrap_or_else(|p| p.into_inner()).take(),
        }
    }
}

pub(crate) fn enqueue(line: Line) {
    let mut log_thread = lock_thread();
    if log_thread.thread.as_ref().is_some_and(|t| t.is_finished()) {
        // Ended without a stop (it cannot, short of a panic): start afresh.
        if let Some(thread) = log_thread.thread.take() {
            super::joining::forget(thread.thread().id());
        }
        log_thread.sender = None;
    }
    if log_thread.sender.is_none() {
        let (sender, receiver) = mpsc::sync_channel(QUEUE_LINES);
        log_thread.sender = Some(sender);
        log_thread.waiting = Some(receiver);
    }
    if !log_thread.stopped && log_thread.thread.is_none() {
        if let Some(receiver) = log_thread.waiting.take() {
            log_thread.start(receiver);
        }
    }
    if let Some(sender) = log_thread.sender.as_ref() {
        if let Err(TrySendError::Full(_)) = sender.try_send(line) {
            // Dropped: a host that cannot keep up with its own log callback must not slow requests.
        }
    }
}

/// Logging may start a log thread again (a runtime started after `arr_shutdown`); lines that came
/// meanwhile are delivered first.
pub(crate) fn resume() {
    let mut log_thread = lock_thread();
    log_thread.stopped = false;
    if let Some(receiver) = log_thread.waiting.take() {
        log_thread.start(receiver);
    }
}

fn deliver_lines(receiver: Receiver<Line>) {
    let _ending = super::joining::Ending;
    crate::panic_hook::library_thread();
    while let Ok(line) = receiver.recv() {
        // Marked before the sink is read: a change of callback made after this waits for the line.
        set_delivering(true);
        if let Some((callback, user_data)) = sink_for(line.level) {
            // SAFETY: the host registered this callback as callable from any thread, and user_data stays
            // valid until logging is turned off, which waits for this delivery.
            delivery::as_callback(None, || unsafe {
                callback(user_data.get(), line.level, line.target.as_ptr(), line.message.as_ptr())
            });
        }
        set_delivering(false);
    }
}

/// The log thread, and those earlier stops could not join, if they exist.
pub(crate) fn thread_ids() -> Vec<ThreadId> {
    let log_thread = lock_thread();
    log_thread
        .thread
        .iter()
        .chain(&log_thread.leftover)
        .map(|t| t.thread().id())
        .collect()
}

/// Stops the log thread after the lines already queued, and joins it, unless it is the calling thread or
/// one of the `busy` threads (it ends after its line; a later stop joins it), or does not end within
/// `JOIN_TIMEOUT`. Part of `arr_shutdown`; until a runtime starts again ([`resume`]) no log thread starts.
pub(crate) fn stop_and_join(busy: &HashSet<ThreadId>) {
    let mut threads = {
        let mut log_thread = lock_thread();
        log_thread.stopped = true;
        let mut threads = std::mem::take(&mut log_thread.leftover);
        if let Some(thread) = log_thread.thread.take() {
            // Dropping the sender ends the thread after the lines already queued (sending a stop could
            // block on a full queue that only this very thread would drain). A waiting queue (no thread)
            // keeps its sender: later lines join it.
            log_thread.sender = None;
            threads.push(thread);
        }
        threads
    };
    let me = std::thread::current().id();
    let deadline = Instant::now() + JOIN_TIMEOUT;
    let mut kept = Vec::new();
    for thread in threads.drain(..) {
        let id = thread.thread().id();
        // The calling thread and busy ones are not waited for (they may wait for this one): joined only
        // if they have already ended.
        let by = if id != me && !busy.contains(&id) {
            deadline
        } else {
            Instant::now()
        };
        kept.extend(super::joining::join_by(thread, by));
    }
    lock_thread().leftover.extend(kept);
}

/// Forgets the parent's log thread in a child after `fork()` (it does not exist here).
pub(crate) fn forget_parent(log_thread: &mut LogThread, delivering: &mut bool) {
    super::fork::set_aside(std::mem::take(log_thread));
    *delivering = false;
}

/// Waits until no line is being delivered to the host's callback (see `arr_set_log_callback`).
pub(crate) fn wait_delivered() {
    let mut delivering = lock_delivering();
    while **delivering {
        delivering = delivering.wait(|guard| DELIVERED.wait(guard).unwrap_or_else(|p| p.into_inner()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host_ptr::HostPtr;
    use crate::logging::{lock_sink, Sink};
    use std::ffi::{c_char, c_void};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;

    static HOLD: AtomicBool = AtomicBool::new(false);
    static LINES: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" fn held(_: *mut c_void, _: ArrLogLevel, _: *const c_char, _: *const c_char) {
        LINES.fetch_add(1, Ordering::SeqCst);
        while HOLD.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn line() -> Line {
        Line {
            level: ArrLogLevel::Error,
            target: CString::new("arr_session::test").unwrap(),
            message: CString::new("line").unwrap(),
        }
    }

    fn wait_for_lines(n: usize) {
        for _ in 0..5000 {
            if LINES.load(Ordering::SeqCst) >= n {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("{n} lines were not delivered");
    }

    #[test]
    fn unjoined_log_threads_are_all_kept_and_none_starts_while_shut_down() {
        let _turn = crate::edge_tests::turn();
        **lock_sink() = Some(Sink {
            callback: held,
            user_data: HostPtr::new(std::ptr::null_mut()),
            max_level: ArrLogLevel::Trace,
        });
        LINES.store(0, Ordering::SeqCst);
        HOLD.store(true, Ordering::SeqCst);
        // Two shutdowns, each leaving a log thread inside the host's callback (as one called from it would).
        for round in 1..=2 {
            resume();
            enqueue(line());
            wait_for_lines(round);
            let busy: HashSet<ThreadId> = thread_ids().into_iter().collect();
            stop_and_join(&busy);
        }
        assert_eq!(
            thread_ids().len(),
            2,
            "both unfinished log threads are kept for a later join"
        );
        // Shut down: a late line starts no thread.
        enqueue(line());
        assert_eq!(thread_ids().len(), 2, "no log thread starts after arr_shutdown");
        HOLD.store(false, Ordering::SeqCst);
        // The next runtime's logging delivers the late line.
        resume();
        wait_for_lines(3);
        stop_and_join(&HashSet::new());
        assert!(thread_ids().is_empty(), "every log thread was joined");
        **lock_sink() = None;
        resume();
    }
}
