//! The waits-for rules, on their own: a thread blocked in a lifecycle call (close, free, shutdown) waits
//! for other threads (those running the callbacks, the close or the shutdown it waits for), and a thread
//! never starts waiting for a thread that waits, directly or through others, for it. So the graph stays
//! acyclic: a cycle could only be closed by a new wait, and every new wait is checked here first.
//!
//! Generic over what names a thread, so that the model checks (`tests` below, with loom) run the very
//! same rules on a model of the registry that [`super::registry`] applies to the real one.

use std::collections::HashSet;
use std::hash::Hash;

/// Whether `from` waits, directly or through other waiting threads, for `to`. `blocked_on(t)` names the
/// threads `t` waits for now (none if it is not waiting).
pub(crate) fn leads_to<T: Copy + Eq + Hash>(from: T, to: T, blocked_on: impl Fn(T) -> Vec<T>) -> bool {
    let mut seen = HashSet::new();
    let mut next = vec![from];
    while let Some(thread) = next.pop() {
        if thread == to {
            return true;
        }
        if seen.insert(thread) {
            next.extend(blocked_on(thread));
        }
    }
    false
}

/// Whether `me` may wait for what `target` is doing (a callback, a close, a shutdown): not if `target` is
/// `me`, nor if it waits, directly or through others, for `me`: that wait would never end.
pub(crate) fn may_wait_for<T: Copy + Eq + Hash>(me: T, target: T, blocked_on: impl Fn(T) -> Vec<T>) -> bool {
    target != me && !leads_to(target, me, blocked_on)
}
