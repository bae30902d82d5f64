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

/// Model checks (loom: every interleaving of the model's threads, up to a bound on preemptions) of the
/// rules above on a model of the registry: operations of clients whose callbacks run on threads of their
/// own, closes that wait for a close another thread runs, and closes and a shutdown that wait for the
/// operations of their clients, each leaving out what leads back to its own thread, as `registry` does.
/// Loom fails a model that deadlocks (every thread blocked), and the models assert what a close
/// promises when it returns: every operation of its client has ended, except those whose thread waits
/// for the closing thread.
#[cfg(test)]
mod models {
    use super::may_wait_for;
    use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
    use loom::thread;

    /// A thread of the model.
    type T = usize;

    struct Op {
        client: usize,
        running_on: Option<T>,
        ended: bool,
    }

    enum Wait {
        /// For operations of these clients, except those left out.
        Ops { clients: Vec<usize>, skip: Vec<usize> },
        /// For the close of a client another thread runs.
        Close(usize),
    }

    struct State {
        ops: Vec<Op>,
        waits: Vec<(T, Wait)>,
        closer: Vec<Option<T>>,
        closed: Vec<bool>,
    }

    impl State {
        /// The threads `thread` waits for (its latest wait only, as in the registry).
        fn blocked_on(&self, thread: T) -> Vec<T> {
            match self.waits.iter().rev().find(|(t, _)| *t == thread) {
                None => Vec::new(),
                Some((_, Wait::Ops { clients, skip })) => self
                    .ops
                    .iter()
                    .enumerate()
                    .filter(|(i, op)| clients.contains(&op.client) && !op.ended && !skip.contains(i))
                    .filter_map(|(_, op)| op.running_on)
                    .collect(),
                Some((_, Wait::Close(client))) => self.closer[*client].into_iter().collect(),
            }
        }

        fn unregister(&mut self, thread: T) {
            if let Some(at) = self.waits.iter().rposition(|(t, _)| *t == thread) {
                self.waits.remove(at);
            }
        }
    }

    struct Model {
        state: Mutex<State>,
        changed: Condvar,
        /// The rule before issue #30: a close whose closer waits for this thread returned at once.
        old_rule: bool,
    }

    impl Model {
        fn new(clients: usize, op_clients: &[usize], old_rule: bool) -> Arc<Model> {
            let ops = op_clients
                .iter()
                .map(|&client| Op {
                    client,
                    running_on: None,
                    ended: false,
                })
                .collect();
            Arc::new(Model {
                state: Mutex::new(State {
                    ops,
                    waits: Vec::new(),
                    closer: vec![None; clients],
                    closed: vec![false; clients],
                }),
                changed: Condvar::new(),
                old_rule,
            })
        }

        fn lock(&self) -> MutexGuard<'_, State> {
            self.state.lock().unwrap()
        }

        /// Runs the callback of operation `op` on thread `me`; the operation ends when it returns.
        fn callback(&self, me: T, op: usize, body: impl FnOnce()) {
            self.lock().ops[op].running_on = Some(me);
            body();
            let mut state = self.lock();
            state.ops[op].running_on = None;
            state.ops[op].ended = true;
            drop(state);
            self.changed.notify_all();
        }

        /// Waits for the operations of `clients`, leaving out those whose thread is `me` or waits for
        /// `me`; asserts what the wait promises when it ends.
        fn wait_for_ops<'a>(
            &'a self,
            me: T,
            clients: Vec<usize>,
            mut state: MutexGuard<'a, State>,
        ) -> MutexGuard<'a, State> {
            let skip: Vec<usize> = (0..state.ops.len())
                .filter(|&i| clients.contains(&state.ops[i].client) && !state.ops[i].ended)
                .filter(|&i| {
                    state.ops[i]
                        .running_on
                        .is_some_and(|t| !may_wait_for(me, t, |x| state.blocked_on(x)))
                })
                .collect();
            let pending = |state: &State| {
                (0..state.ops.len())
                    .any(|i| clients.contains(&state.ops[i].client) && !state.ops[i].ended && !skip.contains(&i))
            };
            state.waits.push((
                me,
                Wait::Ops {
                    clients: clients.clone(),
                    skip: skip.clone(),
                },
            ));
            while pending(&state) {
                state = self.changed.wait(state).unwrap();
            }
            state.unregister(me);
            promise(me, &clients, &state, &skip);
            state
        }

        /// `arr_client_close` / `arr_client_free` of `client` on thread `me` (as `closing::close_client`).
        fn close(&self, me: T, client: usize) {
            let mut state = self.lock();
            let own = match state.closer[client] {
                None if !state.closed[client] => {
                    state.closer[client] = Some(me);
                    true
                }
                Some(other) => {
                    if may_wait_for(me, other, |x| state.blocked_on(x)) {
                        state.waits.push((me, Wait::Close(client)));
                        while state.closer[client].is_some() {
                            state = self.changed.wait(state).unwrap();
                        }
                        state.unregister(me);
                    } else if self.old_rule {
                        let waiting_for_me: Vec<usize> = (0..state.ops.len())
                            .filter(|&i| {
                                state.ops[i]
                                    .running_on
                                    .is_some_and(|t| !may_wait_for(me, t, |x| state.blocked_on(x)))
                            })
                            .collect();
                        promise(me, &[client], &state, &waiting_for_me);
                        return;
                    }
                    false
                }
                None => false,
            };
            let mut state = self.wait_for_ops(me, vec![client], state);
            if own {
                state.closer[client] = None;
                state.closed[client] = true;
            }
            drop(state);
            self.changed.notify_all();
        }

        /// `arr_shutdown` on thread `me`: closes every client (as `closing::run_shutdown`).
        fn shutdown(&self, me: T) {
            let mut state = self.lock();
            let clients: Vec<usize> = (0..state.closer.len()).collect();
            let mine: Vec<usize> = clients
                .iter()
                .copied()
                .filter(|&c| state.closer[c].is_none() && !state.closed[c])
                .collect();
            for &c in &mine {
                state.closer[c] = Some(me);
            }
            let mut state = self.wait_for_ops(me, clients, state);
            for &c in &mine {
                state.closer[c] = None;
                state.closed[c] = true;
            }
            drop(state);
            self.changed.notify_all();
        }
    }

    /// What a close of `clients` on thread `me` promises when it returns: every operation of theirs has
    /// ended, except those left out (`skip`: their thread waits for `me`).
    fn promise(me: T, clients: &[usize], state: &State, skip: &[usize]) {
        for (i, op) in state.ops.iter().enumerate() {
            if clients.contains(&op.client) {
                assert!(
                    op.ended || skip.contains(&i),
                    "a close returned while operation {i} of client {} runs and does not wait for thread {me}",
                    op.client
                );
            }
        }
    }

    fn check(model: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(model);
    }

    #[test]
    fn two_callbacks_closing_each_others_clients_both_return() {
        check(|| {
            // Clients 0 and 1, one operation each; each callback closes the other's client.
            let model = Model::new(2, &[0, 1], false);
            let other = model.clone();
            let t1 = thread::spawn(move || other.callback(1, 1, || other.close(1, 0)));
            model.callback(0, 0, || model.close(0, 1));
            t1.join().unwrap();
        });
    }

    #[test]
    fn a_free_from_a_callback_during_shutdown_waits_for_the_clients_other_callbacks() {
        check(|| free_from_a_callback_during_shutdown(false));
    }

    #[test]
    #[should_panic(expected = "a close returned while operation 1 of client 0 runs")]
    fn the_rule_before_issue_30_fails_the_same_model() {
        check(|| free_from_a_callback_during_shutdown(true));
    }

    /// Client 0 with two operations: the callback of the first frees the client (thread 1) while thread
    /// 0 shuts down; the second's callback (a keeper's last call, say) runs on thread 2.
    fn free_from_a_callback_during_shutdown(old_rule: bool) {
        let model = Model::new(1, &[0, 0], old_rule);
        let (freeing, other) = (model.clone(), model.clone());
        let t1 = thread::spawn(move || freeing.callback(1, 0, || freeing.close(1, 0)));
        let t2 = thread::spawn(move || other.callback(2, 1, || {}));
        model.shutdown(0);
        t1.join().unwrap();
        t2.join().unwrap();
    }

    #[test]
    fn two_closes_of_one_client_both_wait_for_its_callback() {
        check(|| {
            let model = Model::new(1, &[0], false);
            let (first, second) = (model.clone(), model.clone());
            let t1 = thread::spawn(move || first.close(1, 0));
            let t2 = thread::spawn(move || second.close(2, 0));
            model.callback(0, 0, || {});
            t1.join().unwrap();
            t2.join().unwrap();
            let state = model.lock();
            assert!(state.closed[0] && state.ops[0].ended);
        });
    }
}
