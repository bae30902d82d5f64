//! Joining the library's own threads within a deadline without polling: each thread says when it ends
//! ([`Ending`], dropped as its last act, also when it unwinds), and a join waits for that word, then joins
//! (which then only waits for the thread's last instructions).

use std::collections::HashSet;
use std::sync::{Condvar, Mutex};
use std::thread::{JoinHandle, ThreadId};
use std::time::Instant;

/// Threads that have said they end and have not been joined yet.
static ENDED: Mutex<Option<HashSet<ThreadId>>> = Mutex::new(None);
static ENDING: Condvar = Condvar::new();

/// Held by a library thread for its whole life; dropping it says the thread ends.
pub(crate) struct Ending;

impl Drop for Ending {
    fn drop(&mut self) {
        let mut ended = ENDED.lock().unwrap_or_else(|p| p.into_inner());
        ended
            .get_or_insert_with(HashSet::new)
            .insert(std::thread::current().id());
        drop(ended);
        ENDING.notify_all();
    }
}

/// Joins `thread` if it ends by `deadline`; gives it back otherwise.
pub(crate) fn join_by(thread: JoinHandle<()>, deadline: Instant) -> Option<JoinHandle<()>> {
    let id = thread.thread().id();
    let mut ended = ENDED.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if ended.as_mut().is_some_and(|set| set.remove(&id)) || thread.is_finished() {
            drop(ended);
            let _ = thread.join();
            return None;
        }
        let now = Instant::now();
        if now >= deadline {
            return Some(thread);
        }
        ended = ENDING
            .wait_timeout(ended, deadline - now)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

/// Forgets that `thread` said it ended (it is joined some other way, or was never waited for).
pub(crate) fn forget(thread: ThreadId) {
    if let Some(set) = ENDED.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        set.remove(&thread);
    }
}
