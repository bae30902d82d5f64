//! The runtime every call runs on, and the registry of operations in flight.
//!
//! One tokio runtime is shared by all clients of the process: 2 worker threads (override with the
//! environment variable `ARR_SESSION_WORKER_THREADS`, 1 to 16) and at most 16 extra threads on which
//! callbacks run, so host code never runs on a worker and cannot stall the I/O of other calls.
//!
//! Every operation, blocking or async, is registered here with a cancellation token. That is what makes
//! the shutdown guarantees hold: `arr_client_free` cancels its client's operations and `arr_shutdown`
//! cancels all of them, and both return only when each of those operations has finished (an async one
//! finishes when its callback has returned). After `arr_shutdown` the runtime is gone; the next client
//! created starts a new one (a new "generation"), and clients of the old generation answer
//! `ARR_STATUS_SHUTDOWN`.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Condvar, Mutex, MutexGuard};

use tokio::runtime::Handle;

use super::error::FfiError;
use super::status::ArrStatus;
use crate::cancel::CancelToken;

const DEFAULT_WORKER_THREADS: usize = 2;
const MAX_CALLBACK_THREADS: usize = 16;

struct State {
    generation: u64,
    runtime: Option<tokio::runtime::Runtime>,
    shutting_down: bool,
    next_op: u64,
    ops: BTreeMap<u64, Op>,
}

struct Op {
    owner: u64,
    cancel: CancelToken,
    /// The outcome is known (the callback is about to run or running): too late to cancel.
    finished: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    generation: 1,
    runtime: None,
    shutting_down: false,
    next_op: 1,
    ops: BTreeMap::new(),
});
static OPS_CHANGED: Condvar = Condvar::new();

thread_local! {
    /// The operation whose callback is running on this thread, if any.
    static CALLBACK_OP: Cell<Option<u64>> = const { Cell::new(None) };
    /// Whether this thread is inside any library callback (operation, token provider, log).
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

fn state() -> MutexGuard<'static, State> {
    // A panic while holding the lock cannot leave the registry half-updated (each update is one statement).
    STATE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The current generation and a handle to its runtime, starting the runtime if needed.
pub(crate) fn current() -> Result<(u64, Handle), FfiError> {
    let mut state = state();
    if state.shutting_down {
        return Err(FfiError::new(ArrStatus::Shutdown, "arr_shutdown is in progress"));
    }
    if state.runtime.is_none() {
        state.runtime = Some(build_runtime()?);
        install_panic_hook();
    }
    let handle = state
        .runtime
        .as_ref()
        .map(|rt| rt.handle().clone())
        .expect("runtime was just set");
    Ok((state.generation, handle))
}

fn build_runtime() -> Result<tokio::runtime::Runtime, FfiError> {
    let workers = std::env::var("ARR_SESSION_WORKER_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=16).contains(n))
        .unwrap_or(DEFAULT_WORKER_THREADS);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(MAX_CALLBACK_THREADS)
        .thread_name("arr-session")
        .enable_all()
        .build()
        .map_err(|e| FfiError::new(ArrStatus::ServiceError, format!("cannot start the runtime: {e}")))
}

/// Panics are reported through the log callback instead of being printed: the library writes nothing to
/// stdout or stderr.
fn install_panic_hook() {
    #[cfg(not(test))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                tracing::error!(target: "arr_session::panic", "{info}");
            }));
        });
    }
}

/// Registers an operation of `owner` (a client id). Fails once the client's generation has been shut down.
fn begin(owner: u64, generation: u64) -> Result<(u64, CancelToken, Handle), FfiError> {
    let mut state = state();
    let handle = match &state.runtime {
        Some(rt) if !state.shutting_down && state.generation == generation => rt.handle().clone(),
        _ => {
            return Err(FfiError::new(
                ArrStatus::Shutdown,
                "the library was shut down after this client was created; create a new client",
            ))
        }
    };
    let id = state.next_op;
    state.next_op += 1;
    let cancel = CancelToken::new();
    state.ops.insert(
        id,
        Op {
            owner,
            cancel: cancel.clone(),
            finished: false,
        },
    );
    Ok((id, cancel, handle))
}

/// Unregisters an operation when dropped, also when a callback unwinds.
pub(crate) struct Registration(u64);

impl Registration {
    pub fn id(&self) -> u64 {
        self.0
    }
}

/// Registers host work of `owner` that is not an operation of its own (a token callback), so that
/// `cancel_and_wait` waits for it too.
pub(crate) fn track(owner: u64, generation: u64) -> Result<Registration, FfiError> {
    begin(owner, generation).map(|(id, _, _)| Registration(id))
}

impl Drop for Registration {
    fn drop(&mut self) {
        state().ops.remove(&self.0);
        OPS_CHANGED.notify_all();
    }
}

/// Whether the current thread is running a library callback.
pub(crate) fn in_callback() -> bool {
    IN_CALLBACK.with(Cell::get)
}

/// Runs host code (a callback) with the thread marked, so blocking calls made from it are refused.
pub(crate) fn as_callback<R>(op: Option<u64>, body: impl FnOnce() -> R) -> R {
    struct Reset(bool, Option<u64>);
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_CALLBACK.with(|c| c.set(self.0));
            CALLBACK_OP.with(|c| c.set(self.1));
        }
    }
    let _reset = Reset(
        IN_CALLBACK.with(|c| c.replace(true)),
        CALLBACK_OP.with(|c| c.replace(op.or(c.get()))),
    );
    body()
}

/// Runs `work` to completion on the runtime, blocking the calling (host) thread.
pub(crate) fn block_on<T>(
    owner: u64,
    generation: u64,
    work: impl Future<Output = Result<T, FfiError>>,
) -> Result<T, FfiError> {
    if in_callback() {
        return Err(FfiError::new(
            ArrStatus::BlockingInCallback,
            "blocking functions must not be called from inside a callback; use the _async form",
        ));
    }
    let (id, cancel, handle) = begin(owner, generation)?;
    let _registration = Registration(id);
    handle.block_on(async {
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(FfiError::cancelled()),
            result = work => result,
        }
    })
}

/// Starts `work` and delivers its outcome through `deliver` exactly once, on a callback thread.
/// Returns the operation id (for `arr_client_cancel`).
pub(crate) fn spawn<F, D>(owner: u64, generation: u64, work: F, deliver: D) -> Result<u64, FfiError>
where
    F: Future<Output = Result<String, FfiError>> + Send + 'static,
    D: FnOnce(Result<String, FfiError>) + Send + 'static,
{
    let (id, cancel, handle) = begin(owner, generation)?;
    let registration = Registration(id);
    handle.spawn(async move {
        let outcome = tokio::select! {
            biased;
            () = cancel.cancelled() => Err(FfiError::cancelled()),
            result = work => result,
        };
        if let Some(op) = state().ops.get_mut(&id) {
            op.finished = true;
        }
        // Host code runs on the blocking pool, never on a worker. The registration ends (and waiters in
        // arr_client_free / arr_shutdown wake) only after the callback has returned.
        let delivery = tokio::task::spawn_blocking(move || {
            let _registration = registration;
            as_callback(Some(id), || deliver(outcome));
        });
        let _ = delivery.await;
    });
    Ok(id)
}

/// Starts `work` without waiting for it or registering it (nothing calls back when it ends).
pub(crate) fn detach<F>(generation: u64, work: F) -> Result<(), FfiError>
where
    F: Future<Output = Result<(), FfiError>> + Send + 'static,
{
    let state = state();
    match &state.runtime {
        Some(rt) if !state.shutting_down && state.generation == generation => {
            rt.spawn(work);
            Ok(())
        }
        _ => Err(FfiError::new(ArrStatus::Shutdown, "the library was shut down")),
    }
}

/// Cancels one operation of `owner`. Returns false if there is no such operation, or its outcome is
/// already known (its callback is due or done).
pub(crate) fn cancel(owner: u64, op: u64) -> bool {
    match state().ops.get(&op) {
        Some(entry) if entry.owner == owner && !entry.finished => {
            entry.cancel.cancel();
            true
        }
        _ => false,
    }
}

/// Cancels the operations of `owner` (all operations if `None`) and waits until they have finished,
/// except the one whose callback is running on this thread (it finishes when this callback returns).
pub(crate) fn cancel_and_wait(owner: Option<u64>) {
    let me = CALLBACK_OP.with(Cell::get);
    let matches = |id: &u64, op: &Op| owner.is_none_or(|o| op.owner == o) && Some(*id) != me;
    let mut state = state();
    for (id, op) in &state.ops {
        if matches(id, op) {
            op.cancel.cancel();
        }
    }
    while state.ops.iter().any(|(id, op)| matches(id, op)) {
        state = OPS_CHANGED.wait(state).unwrap_or_else(|p| p.into_inner());
    }
}

/// Cancels everything, waits for every callback, and stops the runtime. The next client starts anew.
pub(crate) fn shutdown() {
    {
        let mut state = state();
        if state.shutting_down {
            return;
        }
        state.shutting_down = true;
    }
    cancel_and_wait(None);
    let runtime = {
        let mut state = state();
        state.generation += 1;
        state.shutting_down = false;
        state.runtime.take()
    };
    if let Some(runtime) = runtime {
        // Safe from any thread, including a callback thread of this very runtime.
        runtime.shutdown_background();
    }
}
