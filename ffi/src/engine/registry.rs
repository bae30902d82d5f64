//! The process-wide registry: the runtime of the current generation, every client with its phase, every
//! operation in flight, and the threads blocked in a lifecycle call (close, free, shutdown) with what they
//! wait for.
//!
//! Lifecycle calls may come from inside the library's own callbacks, so a wait can depend on a thread
//! that is itself waiting. The registry keeps the waits-for graph (a waiting thread → the threads running
//! the callbacks, closes or shutdown it waits for) acyclic: a thread about to wait first leaves out what
//! leads back to itself (see [`wait_for_ops`]). A cycle can only be closed by a new wait, because a thread
//! that starts running a callback is not waiting, so checking at that moment is enough.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Condvar, Mutex, MutexGuard};

use super::lock_order::{Ordered, Rank};
use std::thread::ThreadId;

use tokio::runtime::{Handle, Runtime};
use tokio_util::sync::CancellationToken;

use super::wait_graph;

use crate::error::FfiError;
use crate::status::ArrStatus;
use arr_session::Client;

pub(crate) struct Registry {
    /// Bumped in a child process after `fork()`: handles made before answer `ARR_STATUS_FORKED`.
    pub epoch: u64,
    /// Bumped by each `arr_shutdown`: clients of earlier generations answer `ARR_STATUS_SHUTDOWN`.
    pub generation: u64,
    pub runtime: Option<Runtime>,
    /// The thread running `arr_shutdown`, while one runs (or is due: see `shutdown_handed_over`).
    pub shutdown_by: Option<ThreadId>,
    /// `arr_shutdown` was called from a callback that an owned sessions' stop waits for: `shutdown_by`, the thread
    /// running that close, runs it when the close is done.
    pub shutdown_handed_over: bool,
    next_op: u64,
    ops: BTreeMap<u64, Op>,
    pub clients: BTreeMap<u64, ClientEntry>,
    waiters: Vec<Waiter>,
}

struct Op {
    owner: u64,
    cancel: CancellationToken,
    /// The outcome is known (its last call is due or running): too late to cancel.
    finished: bool,
    /// The thread running a host callback of this operation, while one runs.
    running_on: Option<ThreadId>,
}

pub(crate) struct ClientEntry {
    pub client: Client,
    pub generation: u64,
    pub phase: Phase,
    /// The thread running the close, while the client is `Closing`.
    pub closer: Option<ThreadId>,
    pub owned_sessions_stop: OwnedSessionsStop,
    /// `arr_client_free` was called: the entry goes once the close is complete.
    pub freed: bool,
    /// `arr_client_free` returned before the close was complete (its closer waited for the freeing
    /// thread): the host's `user_data` may be gone, so no host code of the client starts any more, token
    /// callbacks the rest of that close would ask for included.
    pub host_gone: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Phase {
    Open,
    /// Being closed: the host's new calls are refused; the owned sessions' stop and the token callbacks it needs
    /// are not.
    Closing,
    /// Nothing of this client starts any more, host callbacks included.
    Closed,
}

/// The owned sessions' stop at close (`Client::close`: calls ended, owned sessions stopped if configured), run
/// once per client by whoever gets to it first: its own close, or `arr_shutdown`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum OwnedSessionsStop {
    NotStarted,
    /// On this thread (it waits on the runtime; with stop-on-close, for token callbacks too).
    Running(ThreadId),
    Done,
}

/// Which client an operation belongs to, and when that client was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    /// The client's id in the registry.
    pub id: u64,
    /// The process epoch it was made in (see [`Registry::epoch`]).
    pub epoch: u64,
    /// The runtime generation it belongs to (see [`Registry::generation`]).
    pub generation: u64,
}

/// Who asks to register an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An operation the host started: only while the client is open.
    Call,
    /// Host code the library calls for a client's own work (a token callback): until it is closed.
    HostCallback,
}

struct Waiter {
    thread: ThreadId,
    waits_for: WaitsFor,
}

enum WaitsFor {
    /// Operations of a client (or of every client), except those left out when the wait began.
    Ops { owner: Option<u64>, skip: BTreeSet<u64> },
    /// A client's close, run by another thread.
    Close(u64),
    /// The `arr_shutdown` running on another thread.
    Shutdown,
    /// A client's owned sessions' stop, run by another thread.
    OwnedSessionsStop(u64),
    /// Running the owned sessions' stop of these clients: it may wait for their token callbacks.
    OwnedSessionsStopWork(Vec<u64>),
    /// The library's threads, being joined by `arr_shutdown`.
    Joining(Vec<ThreadId>),
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    epoch: 0,
    generation: 1,
    runtime: None,
    shutdown_by: None,
    shutdown_handed_over: false,
    next_op: 1,
    ops: BTreeMap::new(),
    clients: BTreeMap::new(),
    waiters: Vec::new(),
});
static CHANGED: Condvar = Condvar::new();

/// The registry's lock, with its place in the lock order.
pub(crate) type Locked = Ordered<MutexGuard<'static, Registry>>;

pub(crate) fn lock() -> Locked {
    // Every update is made whole under the lock, so a panic elsewhere cannot leave it half-done.
    Ordered::take(Rank::Registry, || {
        REGISTRY.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    })
}

fn wait(registry: Locked) -> Locked {
    registry.wait(|guard| CHANGED.wait(guard).unwrap_or_else(|p| p.into_inner()))
}

pub(crate) fn notify() {
    CHANGED.notify_all();
}

fn me() -> ThreadId {
    std::thread::current().id()
}

impl Registry {
    /// Registers a new client of the current generation.
    pub fn add_client(&mut self, id: u64, client: Client) {
        let entry = ClientEntry {
            client,
            generation: self.generation,
            phase: Phase::Open,
            closer: None,
            owned_sessions_stop: OwnedSessionsStop::NotStarted,
            freed: false,
            host_gone: false,
        };
        self.clients.insert(id, entry);
    }

    /// Whether `owner` was made in this process (not inherited through `fork()`).
    pub fn is_inherited(&self, owner: &Owner) -> bool {
        owner.epoch != self.epoch
    }

    /// Whether `kind` of work may start for `owner` now, and on which runtime.
    pub fn admit(&self, owner: &Owner, kind: Kind) -> Result<Handle, FfiError> {
        if self.is_inherited(owner) {
            return Err(forked_error());
        }
        let handle = match &self.runtime {
            Some(rt) if self.generation == owner.generation && (self.shutdown_by.is_none() || kind != Kind::Call) => {
                rt.handle().clone()
            }
            _ => {
                return Err(FfiError::new(
                    ArrStatus::Shutdown,
                    "the library was shut down after this client was created; create a new client",
                ))
            }
        };
        let (phase, host_gone) = self
            .clients
            .get(&owner.id)
            .map_or((Phase::Closed, true), |c| (c.phase, c.host_gone));
        let allowed = match kind {
            Kind::Call => phase == Phase::Open,
            Kind::HostCallback => phase != Phase::Closed && !host_gone,
        };
        if allowed {
            Ok(handle)
        } else {
            Err(FfiError::new(
                ArrStatus::Closed,
                "the client was closed (arr_client_close); only arr_client_free is left",
            ))
        }
    }

    /// Registers an operation of `owner`; it stays registered until its [`Registration`] is dropped.
    pub fn begin(&mut self, owner: &Owner, kind: Kind) -> Result<(Registration, CancellationToken, Handle), FfiError> {
        let handle = self.admit(owner, kind)?;
        let id = self.next_op;
        self.next_op += 1;
        let cancel = CancellationToken::new();
        let op = Op {
            owner: owner.id,
            cancel: cancel.clone(),
            finished: false,
            running_on: None,
        };
        self.ops.insert(id, op);
        Ok((Registration(id), cancel, handle))
    }

    /// Cancels every operation of `owner` (of every client if `None`).
    pub fn cancel_all(&self, owner: Option<u64>) {
        for op in self.ops.values().filter(|op| owner.is_none_or(|o| op.owner == o)) {
            op.cancel.cancel();
        }
    }

    /// How many operations of `owner` are registered.
    #[cfg(test)]
    pub fn ops_of(&self, owner: u64) -> usize {
        self.ops.values().filter(|op| op.owner == owner).count()
    }

    /// Threads running host callbacks of operations still registered.
    pub fn busy_threads(&self) -> HashSet<ThreadId> {
        self.ops.values().filter_map(|op| op.running_on).collect()
    }

    /// Threads that are blocked in a lifecycle call.
    pub fn waiting_threads(&self) -> HashSet<ThreadId> {
        self.waiters.iter().map(|w| w.thread).collect()
    }

    /// The threads `thread` is blocked on, if it is blocked in a lifecycle call. Only its latest wait
    /// counts: an earlier one is suspended while a callback runs in place on that thread.
    fn blocked_on(&self, thread: ThreadId) -> Vec<ThreadId> {
        let Some(waiter) = self.waiters.iter().rev().find(|w| w.thread == thread) else {
            return Vec::new();
        };
        match &waiter.waits_for {
            WaitsFor::Ops { owner, skip } => self
                .ops
                .iter()
                .filter(|(id, op)| owner.is_none_or(|o| op.owner == o) && !skip.contains(id))
                .filter_map(|(_, op)| op.running_on)
                .collect(),
            WaitsFor::Close(client) => self.clients.get(client).and_then(|c| c.closer).into_iter().collect(),
            WaitsFor::Shutdown => self.shutdown_by.into_iter().collect(),
            WaitsFor::OwnedSessionsStop(client) => match self.clients.get(client).map(|c| c.owned_sessions_stop) {
                Some(OwnedSessionsStop::Running(runner)) => vec![runner],
                _ => Vec::new(),
            },
            WaitsFor::OwnedSessionsStopWork(clients) => self
                .ops
                .values()
                .filter(|op| clients.contains(&op.owner))
                .filter_map(|op| op.running_on)
                .collect(),
            WaitsFor::Joining(threads) => threads.clone(),
        }
    }

    /// The thread running an owned sessions' stop that waits, directly or through other waiting threads, for
    /// `thread`.
    pub fn owned_sessions_stop_waiting_for(&self, thread: ThreadId) -> Option<ThreadId> {
        self.clients.values().find_map(|c| match c.owned_sessions_stop {
            OwnedSessionsStop::Running(runner) if runner != thread && self.leads_to(runner, thread) => Some(runner),
            _ => None,
        })
    }

    /// Whether `from` waits, directly or through other waiting threads, for `to`.
    fn leads_to(&self, from: ThreadId, to: ThreadId) -> bool {
        wait_graph::leads_to(from, to, |thread| self.blocked_on(thread))
    }

    /// Whether this thread may wait for what `target` does (see [`wait_graph::may_wait_for`]).
    fn may_wait_for(&self, target: ThreadId) -> bool {
        wait_graph::may_wait_for(me(), target, |thread| self.blocked_on(thread))
    }

    fn register(&mut self, waits_for: WaitsFor) {
        self.waiters.push(Waiter {
            thread: me(),
            waits_for,
        });
    }

    /// Removes this thread's latest wait (a thread can wait inside a wait: a callback run in place).
    fn unregister(&mut self) {
        let me = me();
        if let Some(last) = self.waiters.iter().rposition(|w| w.thread == me) {
            self.waiters.remove(last);
        }
    }

    /// Sets aside everything that belongs to the parent process (in a child after `fork()`): its threads
    /// do not exist here, and dropping its runtime or clients would touch file descriptors the parent still
    /// uses (the epoll instance is shared), so none of it is ever dropped.
    pub fn forget_parent(&mut self) {
        super::fork::set_aside(self.runtime.take());
        super::fork::set_aside(std::mem::take(&mut self.clients));
        super::fork::set_aside(std::mem::take(&mut self.ops));
        super::fork::set_aside(std::mem::take(&mut self.waiters));
        self.shutdown_by = None;
        self.shutdown_handed_over = false;
        self.epoch += 1;
        self.generation += 1;
    }
}

/// The failure of every call on a client inherited through `fork()`.
pub(crate) fn forked_error() -> FfiError {
    FfiError::new(
        ArrStatus::Forked,
        "the client was created in the parent process before fork(); create a new client in this process",
    )
}

/// Keeps an operation registered until dropped (also when a callback unwinds).
pub(crate) struct Registration(u64);

impl Registration {
    pub fn id(&self) -> u64 {
        self.0
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock().ops.remove(&self.0);
        notify();
    }
}

/// Marks operation `op`'s outcome as known: `arr_client_cancel` no longer finds it.
pub(crate) fn finish(op: u64) {
    if let Some(op) = lock().ops.get_mut(&op) {
        op.finished = true;
    }
}

/// Cancels one operation of `owner`. Returns false if there is no such operation, or its outcome is
/// already known.
pub(crate) fn cancel(owner: u64, op: u64) -> bool {
    match lock().ops.get(&op) {
        Some(entry) if entry.owner == owner && !entry.finished => {
            entry.cancel.cancel();
            true
        }
        _ => false,
    }
}

/// Records that a host callback of `op` runs on this thread (`running`) or has returned.
pub(crate) fn set_running(op: u64, running: bool) {
    if let Some(entry) = lock().ops.get_mut(&op) {
        entry.running_on = running.then(me);
    }
}

/// Blocks until every operation of `owner` (of every client if `None`) has ended, except those that can
/// only end after this thread goes on: callbacks running on this thread, and callbacks running on threads
/// that wait, directly or through others, for this one. Those are left out; they may still be running
/// when this returns.
pub(crate) fn wait_for_ops(owner: Option<u64>) {
    let registry = lock();
    let skip: BTreeSet<u64> = registry
        .ops
        .iter()
        .filter(|(_, op)| owner.is_none_or(|o| op.owner == o))
        .filter(|(_, op)| op.running_on.is_some_and(|t| !registry.may_wait_for(t)))
        .map(|(id, _)| *id)
        .collect();
    let pending = |registry: &Registry| {
        registry
            .ops
            .iter()
            .any(|(id, op)| owner.is_none_or(|o| op.owner == o) && !skip.contains(id))
    };
    let waits_for = WaitsFor::Ops {
        owner,
        skip: skip.clone(),
    };
    wait_registered(registry, waits_for, pending);
}

/// Blocks until the close of `client` that another thread runs is complete. Returns false without
/// waiting if that thread waits, directly or through others, for this one.
pub(crate) fn wait_for_close(client: u64) -> bool {
    let registry = lock();
    let closer = registry.clients.get(&client).and_then(|c| c.closer);
    if closer.is_some_and(|t| !registry.may_wait_for(t)) {
        return false;
    }
    wait_registered(registry, WaitsFor::Close(client), |r| {
        r.clients.get(&client).is_some_and(|c| c.phase == Phase::Closing)
    });
    true
}

/// Blocks until the owned sessions' stop of `client`, run by another thread, is done. Returns without waiting
/// if that thread waits, directly or through others, for this one (a close or shutdown made from a token
/// callback that owned sessions' stop asked for): the stop finishes after this thread goes on.
pub(crate) fn wait_for_owned_sessions_stop(client: u64) {
    let registry = lock();
    let runner = match registry.clients.get(&client).map(|c| c.owned_sessions_stop) {
        Some(OwnedSessionsStop::Running(runner)) => runner,
        _ => return,
    };
    if !registry.may_wait_for(runner) {
        return;
    }
    wait_registered(registry, WaitsFor::OwnedSessionsStop(client), |r| {
        r.clients
            .get(&client)
            .is_some_and(|c| matches!(c.owned_sessions_stop, OwnedSessionsStop::Running(_)))
    });
}

/// Runs `work` (the owned sessions' stop of `clients`) with this thread registered as waiting for their
/// callbacks (token callbacks the close asks for), so that one of those that closes or frees the same
/// client sees the cycle and does not wait; and, on a callback thread, not counted as at work.
pub(crate) fn stopping_owned_sessions<R>(clients: Vec<u64>, work: impl FnOnce() -> R) -> R {
    lock().register(WaitsFor::OwnedSessionsStopWork(clients));
    struct Unregister;
    impl Drop for Unregister {
        fn drop(&mut self) {
            lock().unregister();
            notify();
        }
    }
    let _unregister = Unregister;
    super::callback_threads::while_blocked(work)
}

/// Blocks until the `arr_shutdown` another thread runs has finished. Returns false without waiting if
/// that thread waits, directly or through others, for this one.
pub(crate) fn wait_for_shutdown() -> bool {
    let registry = lock();
    let Some(runner) = registry.shutdown_by else {
        return true;
    };
    if !registry.may_wait_for(runner) {
        return false;
    }
    let generation = registry.generation;
    wait_registered(registry, WaitsFor::Shutdown, move |r| {
        r.shutdown_by.is_some() && r.generation == generation
    });
    true
}

/// Runs `join` (joining the library's `threads`) with this thread registered as waiting for them, so that
/// one of them that starts waiting for this thread sees the cycle and does not wait.
pub(crate) fn joining<R>(threads: Vec<ThreadId>, join: impl FnOnce() -> R) -> R {
    lock().register(WaitsFor::Joining(threads));
    struct Unregister;
    impl Drop for Unregister {
        fn drop(&mut self) {
            lock().unregister();
            notify();
        }
    }
    let _unregister = Unregister;
    join()
}

fn wait_registered(mut registry: Locked, waits_for: WaitsFor, pending: impl Fn(&Registry) -> bool) {
    if !pending(&registry) {
        return;
    }
    registry.register(waits_for);
    drop(registry);
    super::callback_threads::while_blocked(|| {
        let mut registry = lock();
        while pending(&registry) {
            registry = wait(registry);
        }
        registry.unregister();
    });
    notify();
}
