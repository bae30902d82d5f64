//! The order the engine's locks are taken in, stated once ([`Rank`]) and checked in debug builds: a thread
//! holding a lock takes only locks of a higher rank. Two threads taking two locks in opposite orders can
//! deadlock; with one order they cannot. The fork handlers take every lock, in this order.
//!
//! Each lock function returns its guard wrapped in [`Ordered`], which records the rank while the guard
//! lives (debug builds; release builds keep nothing and check nothing).

use std::ops::{Deref, DerefMut};

/// The engine's locks, in the order they may be nested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    /// `registry::lock`: clients, operations, waiters, the runtime.
    Registry = 1,
    /// `callback_threads::lock`: the callback thread pool.
    CallbackPool = 2,
    /// `log_thread::lock_thread`: the log thread and its queue.
    LogThread = 3,
    /// `logging::lock_sink` (and its reads): the host's log callback.
    LogSink = 4,
    /// `log_thread::lock_delivering`: whether a line is being delivered.
    LogDelivery = 5,
}

#[cfg(debug_assertions)]
thread_local! {
    /// The ranks of the locks this thread holds, in the order taken.
    static HELD: std::cell::RefCell<Vec<Rank>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Checks that `rank` may be taken now and records it as held.
fn taking(rank: Rank) {
    #[cfg(debug_assertions)]
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        if let Some(top) = held.iter().copied().find(|h| *h >= rank) {
            // Dropped first, so that the panic does not leave this thread's record claiming a lock.
            let taken = held.clone();
            held.clear();
            drop(held);
            panic!("lock order: taking {rank:?} while holding {top:?} (held: {taken:?}); see engine::lock_order");
        }
        held.push(rank);
    });
    #[cfg(not(debug_assertions))]
    let _ = rank;
}

fn released(rank: Rank) {
    #[cfg(debug_assertions)]
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        if let Some(at) = held.iter().rposition(|h| *h == rank) {
            held.remove(at);
        }
    });
    #[cfg(not(debug_assertions))]
    let _ = rank;
}

/// A lock's guard, with its rank recorded while it lives.
pub(crate) struct Ordered<G> {
    guard: Option<G>,
    rank: Rank,
}

impl<G> Ordered<G> {
    /// Takes a lock of `rank` with `take`, after checking the order.
    pub fn take(rank: Rank, take: impl FnOnce() -> G) -> Ordered<G> {
        taking(rank);
        Ordered {
            guard: Some(take()),
            rank,
        }
    }

    /// Waits with `wait` (a condition variable's wait), which releases the lock meanwhile and takes it
    /// again before returning.
    pub fn wait(mut self, wait: impl FnOnce(G) -> G) -> Ordered<G> {
        let guard = self.guard.take().expect("a guard is held until dropped");
        released(self.rank);
        let guard = wait(guard);
        taking(self.rank);
        self.guard = Some(guard);
        self
    }
}

impl<G> Deref for Ordered<G> {
    type Target = G;
    fn deref(&self) -> &G {
        self.guard.as_ref().expect("a guard is held until dropped")
    }
}

impl<G> DerefMut for Ordered<G> {
    fn deref_mut(&mut self) -> &mut G {
        self.guard.as_mut().expect("a guard is held until dropped")
    }
}

impl<G> Drop for Ordered<G> {
    fn drop(&mut self) {
        // The guard goes first: the lock is released before the record says so.
        self.guard.take();
        released(self.rank);
    }
}

#[cfg(all(test, debug_assertions))]
mod tests {
    use super::*;

    #[test]
    fn locks_taken_in_order_pass() {
        let pool = Ordered::take(Rank::CallbackPool, || ());
        let log = Ordered::take(Rank::LogThread, || ());
        drop(log);
        drop(pool);
        let _registry = Ordered::take(Rank::Registry, || ());
    }

    #[test]
    #[should_panic(expected = "lock order: taking Registry while holding CallbackPool")]
    fn the_registry_taken_under_the_pool_panics() {
        let _pool = Ordered::take(Rank::CallbackPool, || ());
        let _registry = Ordered::take(Rank::Registry, || ());
    }

    #[test]
    #[should_panic(expected = "lock order: taking LogThread while holding LogThread")]
    fn a_lock_taken_twice_panics() {
        let _first = Ordered::take(Rank::LogThread, || ());
        let _second = Ordered::take(Rank::LogThread, || ());
    }
}
