//! The threads host callbacks run on.
//!
//! Host code (completion callbacks, token callbacks) never runs on a runtime worker, and not on tokio's
//! blocking pool either: that pool also resolves host names, so a slow callback (a GIL, a hop to a UI
//! thread) would stall new connections. These threads are the library's own: started on demand, at most
//! [`MAX_THREADS`], reused while there is work, stopped and joined by `arr_shutdown`. When all are busy,
//! callbacks queue; the runtime keeps running.
//!
//! No crate fits: a thread pool crate (rayon, threadpool) would not let shutdown join every thread except
//! the calling one, which `arr_shutdown` from inside a callback needs.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Callback threads at most; more callbacks than this at once wait in a queue.
pub(crate) const MAX_THREADS: usize = 16;

pub(crate) type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    jobs: VecDeque<Job>,
    idle: usize,
    threads: Vec<JoinHandle<()>>,
    stopping: bool,
    /// Bumped by each stop: a thread of an earlier generation (the one that called `arr_shutdown` from a
    /// callback, and so was not joined) ends when its callback returns.
    generation: u64,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    jobs: VecDeque::new(),
    idle: 0,
    threads: Vec::new(),
    stopping: false,
    generation: 0,
});
static WORK: Condvar = Condvar::new();

fn pool() -> MutexGuard<'static, Pool> {
    POOL.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `job` on a callback thread, starting one if no idle thread is left for it and fewer than
/// [`MAX_THREADS`] exist.
pub(crate) fn run(job: Job) {
    let mut pool = pool();
    pool.jobs.push_back(job);
    pool.threads.retain(|t| !t.is_finished());
    // `idle` counts threads waiting, including ones already woken for an earlier job that have not taken
    // it yet: a new thread is needed when the queued jobs outnumber them (not only when none waits, which
    // sent a whole burst to the one idle thread, one after another).
    if pool.jobs.len() > pool.idle && pool.threads.len() < MAX_THREADS {
        let started = std::thread::Builder::new().name("arr-session-callback".into()).spawn({
            let generation = pool.generation;
            move || serve(generation)
        });
        match started {
            Ok(thread) => pool.threads.push(thread),
            // Without a new thread the job waits for a busy one; with none at all, it runs here rather
            // than never (the caller is a runtime task: better late than a callback lost).
            Err(_) if pool.threads.is_empty() => {
                let job = pool.jobs.pop_back().expect("just pushed");
                drop(pool);
                job();
                return;
            }
            Err(_) => {}
        }
    }
    drop(pool);
    WORK.notify_one();
}

fn serve(generation: u64) {
    super::panic_hook::library_thread();
    let mut pool = pool();
    loop {
        if let Some(job) = pool.jobs.pop_front() {
            drop(pool);
            // A panicking job must not take the thread's loop with it (jobs catch their own panics; this
            // is the last line).
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            pool = self::pool();
            continue;
        }
        if pool.stopping || pool.generation != generation {
            return;
        }
        pool.idle += 1;
        pool = WORK.wait(pool).unwrap_or_else(|p| p.into_inner());
        pool.idle -= 1;
    }
}

/// Stops the callback threads once their queue is empty and joins them, except the calling thread (when
/// `arr_shutdown` is called from a callback), which ends when its callback returns.
pub(crate) fn stop_and_join() {
    let threads = {
        let mut pool = pool();
        pool.stopping = true;
        pool.generation += 1;
        std::mem::take(&mut pool.threads)
    };
    WORK.notify_all();
    let me = std::thread::current().id();
    for thread in threads {
        if thread.thread().id() != me {
            let _ = thread.join();
        }
    }
    pool().stopping = false;
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
            if pool().idle > 0 {
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
}
