//! The threads host callbacks run on.
//!
//! Host code (completion callbacks, stream events, token callbacks) never runs on a runtime worker, and
//! not on tokio's blocking pool either: that pool also resolves host names, so a slow callback (a GIL, a
//! hop to a UI thread) would stall new connections. These threads are the library's own: started on
//! demand, at most [`MAX_THREADS`] at work, reused while there is work, stopped and joined by
//! `arr_shutdown`. When all are busy, callbacks queue; the runtime keeps running. A callback thread blocked
//! in a close, free or shutdown does not count: the callbacks that close may be waiting for get threads
//! of their own.
//!
//! No crate fits: a thread pool crate (rayon, threadpool) would not let shutdown join every thread except
//! the calling one, which `arr_shutdown` from inside a callback needs.

use std::cell::Cell;
use std::collections::{HashSet, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};

use super::lock_order::{Ordered, Rank};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;

use super::runtime::JOIN_TIMEOUT;

/// Callback threads at work at most; more callbacks than this at once wait in a queue.
pub(crate) const MAX_THREADS: usize = 16;

pub(crate) type Job = Box<dyn FnOnce() + Send>;

pub(crate) struct Pool {
    jobs: VecDeque<Job>,
    idle: usize,
    /// Threads blocked in a lifecycle call made from their callback.
    blocked: usize,
    threads: Vec<JoinHandle<()>>,
    /// Threads an earlier stop could not join (the one that called `arr_shutdown` from its callback, or
    /// one still in a callback): joined by a later stop once they have ended.
    leftover: Vec<JoinHandle<()>>,
    stopping: bool,
    /// Bumped by each stop: a thread of an earlier generation takes no new work and ends.
    generation: u64,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    jobs: VecDeque::new(),
    idle: 0,
    blocked: 0,
    threads: Vec::new(),
    leftover: Vec::new(),
    stopping: false,
    generation: 0,
});
static WORK: Condvar = Condvar::new();

thread_local! {
    /// The generation of the pool this thread serves, on callback threads.
    static SERVES: Cell<Option<u64>> = const { Cell::new(None) };
}

pub(crate) fn lock() -> Ordered<MutexGuard<'static, Pool>> {
    Ordered::take(Rank::CallbackPool, || POOL.lock().unwrap_or_else(|p| p.into_inner()))
}

/// Runs `job` on a callback thread, starting one if no idle thread is left for it.
pub(crate) fn run(job: Job) {
    let mut pool = lock();
    pool.jobs.push_back(job);
    let served = pool.grow();
    drop(pool);
    WORK.notify_one();
    if !served {
        // No callback thread exists and none could be started (the process is out of threads or
        // memory). The job waits in the queue rather than run here: host code runs on callback threads
        // only, never on a runtime worker or in the call that started an operation.
        retry_later();
    }
}

/// Tries again to start a callback thread for the queued jobs, on the runtime's timer (a thread of
/// its own cannot be started either), backing off to once a second, until one runs or none is queued.
fn retry_later() {
    static RETRYING: AtomicBool = AtomicBool::new(false);
    if RETRYING.swap(true, Ordering::SeqCst) {
        return;
    }
    tracing::warn!(
        target: "arr_session::runtime",
        "no callback thread could be started; callbacks wait until one can"
    );
    let handle = Handle::try_current()
        .ok()
        .or_else(|| super::registry::lock().runtime.as_ref().map(|rt| rt.handle().clone()));
    let Some(handle) = handle else {
        RETRYING.store(false, Ordering::SeqCst);
        return;
    };
    handle.spawn(async {
        let mut delay = Duration::from_millis(5);
        loop {
            tokio::time::sleep(delay).await;
            let served = {
                let mut pool = lock();
                pool.jobs.is_empty() || pool.grow()
            };
            if served {
                RETRYING.store(false, Ordering::SeqCst);
                WORK.notify_one();
                return;
            }
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    });
}

/// Test-only: how many of the next thread starts fail, as when the process is out of threads.
#[cfg(test)]
static REFUSE_STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Pool {
    /// Starts a thread when the queued jobs outnumber the idle threads (`idle` counts threads woken for an
    /// earlier job that have not taken it yet) and fewer than [`MAX_THREADS`] are at work. False if no
    /// thread exists and none could be started.
    fn grow(&mut self) -> bool {
        self.threads.retain(|t| {
            let ended = t.is_finished();
            if ended {
                super::joining::forget(t.thread().id());
            }
            !ended
        });
        let at_work = self.threads.len().saturating_sub(self.blocked);
        if self.stopping || self.jobs.len() <= self.idle || at_work >= MAX_THREADS {
            return true;
        }
        let generation = self.generation;
        #[cfg(test)]
        if REFUSE_STARTS
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return !self.threads.is_empty();
        }
        let started = std::thread::Builder::new()
            .name("arr-session-callback".into())
            .spawn(move || serve(generation));
        match started {
            Ok(thread) => self.threads.push(thread),
            Err(_) => return !self.threads.is_empty(),
        }
        true
    }

    /// Forgets the parent's threads in a child after `fork()` (they do not exist here; joining or
    /// detaching them would be undefined) and the jobs they had queued.
    pub fn forget_parent(&mut self) {
        super::fork::set_aside(std::mem::take(&mut self.threads));
        super::fork::set_aside(std::mem::take(&mut self.leftover));
        super::fork::set_aside(std::mem::take(&mut self.jobs));
        self.idle = 0;
        self.blocked = 0;
        self.stopping = false;
        self.generation += 1;
    }
}

fn serve(generation: u64) {
    let _ending = super::joining::Ending;
    crate::panic_hook::library_thread();
    SERVES.with(|s| s.set(Some(generation)));
    let mut pool = lock();
    loop {
        if pool.generation != generation {
            return;
        }
        if let Some(job) = pool.jobs.pop_front() {
            drop(pool);
            // Jobs catch their own panics; this is the last line, so the thread's loop survives.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            pool = lock();
            continue;
        }
        if pool.stopping {
            return;
        }
        pool.idle += 1;
        pool = pool.wait(|guard| WORK.wait(guard).unwrap_or_else(|p| p.into_inner()));
        pool.idle -= 1;
    }
}

/// The callback threads that exist now, those of earlier generations not yet joined included.
pub(crate) fn thread_ids() -> Vec<ThreadId> {
    let pool = lock();
    pool.threads
        .iter()
        .chain(&pool.leftover)
        .map(|t| t.thread().id())
        .collect()
}

/// Runs `wait` (a lifecycle call blocking this thread). On a callback thread, the thread does not count
/// as at work meanwhile, so that queued callbacks (those the wait may be for) get threads.
pub(crate) fn while_blocked<R>(wait: impl FnOnce() -> R) -> R {
    // The generation the thread was counted in: a stop meanwhile starts the count afresh (the thread is
    // no longer one of `threads`), so only a count of the same generation is taken back.
    let counted = {
        let mut pool = lock();
        let counted = SERVES.with(Cell::get) == Some(pool.generation);
        if counted {
            pool.blocked += 1;
            let _ = pool.grow();
        }
        counted.then_some(pool.generation)
    };
    WORK.notify_one();
    struct Unblock(Option<u64>);
    impl Drop for Unblock {
        fn drop(&mut self) {
            if let Some(generation) = self.0 {
                let mut pool = lock();
                if pool.generation == generation {
                    debug_assert!(pool.blocked > 0, "a blocked callback thread was not counted");
                    pool.blocked -= 1;
                }
            }
        }
    }
    let _unblock = Unblock(counted);
    wait()
}

/// Stops the callback threads once their queue is empty and joins them, except the calling thread and
/// the `busy` ones (still inside a callback that waits for this thread): those end when their callback
/// returns, take no new work, and are joined by a later stop. A thread that does not end within
/// [`JOIN_TIMEOUT`] is left the same way, and logged.
pub(crate) fn stop_and_join(busy: &HashSet<ThreadId>) {
    let me = std::thread::current().id();
    let (to_join, mut kept) = {
        let mut pool = lock();
        pool.stopping = true;
        let mut all = std::mem::take(&mut pool.threads);
        all.append(&mut pool.leftover);
        all.into_iter()
            .partition::<Vec<_>, _>(|t| t.thread().id() != me && !busy.contains(&t.thread().id()))
    };
    WORK.notify_all();
    let deadline = Instant::now() + JOIN_TIMEOUT;
    for thread in to_join {
        kept.extend(super::joining::join_by(thread, deadline));
    }
    let mut pool = lock();
    pool.generation += 1;
    // Threads blocked now are of the generation just ended (kept or joined, none in `threads`).
    pool.blocked = 0;
    pool.stopping = false;
    let unfinished = kept
        .iter()
        .filter(|t| !t.is_finished() && t.thread().id() != me)
        .count();
    pool.leftover = kept;
    // Jobs queued while stopping (none is expected) get threads of the next generation.
    let _ = pool.grow();
    drop(pool);
    if unfinished > 0 {
        tracing::warn!(
            target: "arr_session::runtime",
            "arr_shutdown: {unfinished} callback thread(s) still inside a callback were not joined; they end when it returns"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_burst_of_callbacks_runs_on_more_threads_than_the_one_idle() {
        let _turn = crate::edge_tests::turn();
        // One thread, then idle: the steady state of an app between callbacks.
        let (sender, receiver) = std::sync::mpsc::channel();
        run(Box::new(move || sender.send(()).unwrap()));
        receiver.recv_timeout(Duration::from_secs(10)).unwrap();
        for _ in 0..1000 {
            if lock().idle > 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // Four slow callbacks at once: they must overlap, not queue behind the one idle thread.
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (sender, receiver) = std::sync::mpsc::channel();
        for _ in 0..4 {
            let (running, most, sender) = (running.clone(), most.clone(), sender.clone());
            run(Box::new(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(300));
                running.fetch_sub(1, Ordering::SeqCst);
                sender.send(()).unwrap();
            }));
        }
        for _ in 0..4 {
            receiver.recv_timeout(Duration::from_secs(10)).unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 4, "the callbacks ran one after another");
    }

    #[test]
    fn a_thread_blocked_across_a_stop_is_not_counted_in_the_next_generation() {
        let _turn = crate::edge_tests::turn();
        let (entered, inside) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        run(Box::new(move || {
            while_blocked(|| {
                entered.send(std::thread::current().id()).unwrap();
                let _ = released.recv();
            })
        }));
        let thread = inside.recv_timeout(Duration::from_secs(10)).unwrap();
        // An arr_shutdown that cannot join it (it waits for the shutting-down thread, say).
        stop_and_join(&[thread].into_iter().collect());
        assert_eq!(
            lock().blocked,
            0,
            "the blocked count of the ended generation was carried over"
        );
        release.send(()).unwrap();
        for _ in 0..1000 {
            if thread_ids().is_empty() || lock().jobs.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(lock().blocked, 0);
        stop_and_join(&HashSet::new());
    }

    #[test]
    fn without_a_thread_to_start_a_callback_waits_and_never_runs_on_the_caller() {
        let _turn = crate::edge_tests::turn();
        stop_and_join(&HashSet::new());
        assert!(lock().threads.is_empty(), "no callback thread is left");
        REFUSE_STARTS.store(3, Ordering::SeqCst);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let caller = std::thread::current().id();
        runtime.block_on(async {
            run(Box::new(move || {
                let me = std::thread::current();
                sender.send((me.id(), me.name().map(str::to_owned))).unwrap();
            }));
            // The retries run on this runtime's timer.
            tokio::time::sleep(Duration::from_millis(500)).await;
        });
        let (ran_on, name) = receiver
            .recv_timeout(Duration::from_secs(10))
            .expect("the callback ran");
        assert_ne!(ran_on, caller, "the callback ran in the call that queued it");
        assert_eq!(name.as_deref(), Some("arr-session-callback"));
        assert_eq!(REFUSE_STARTS.load(Ordering::SeqCst), 0);
    }
}
