//! The runtime every call runs on, the registry of clients and operations, and closing and shutdown.
//!
//! One tokio runtime is shared by all clients of the process: 2 worker threads (override with the
//! environment variable `ARR_SESSION_WORKER_THREADS`, 1 to 16). Host code runs on the callback threads
//! (`callbacks`), never on a worker.
//!
//! Every operation, blocking or async, is registered here with a cancellation token, and every client
//! with its state (open, closing, closed). That is what makes the promises hold:
//! - `arr_client_close` cancels the client's operations, waits for them, runs the session guard's
//!   stop-on-close, and from then on refuses the client's calls (`ARR_STATUS_CLOSED`);
//! - after a client is closed, no host callback of it starts (a token request of a closed client fails
//!   inside the library instead of calling the host), so none runs after `arr_client_free` returns;
//! - `arr_shutdown` closes every client (stop-on-close included), waits for every callback, then stops
//!   and joins the library's threads. After it the runtime is gone; the next client created starts a new
//!   one (a new "generation"), and clients of the old generation answer `ARR_STATUS_SHUTDOWN`.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::runtime::Handle;

use super::callbacks;
use super::error::{panic_error, FfiError};
use super::status::ArrStatus;
use arr_session::Client;
use tokio_util::sync::CancellationToken as CancelToken;

const DEFAULT_WORKER_THREADS: usize = 2;
/// How long `arr_shutdown` waits for the runtime's own threads (DNS look-ups in progress) to end.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

struct State {
    generation: u64,
    runtime: Option<tokio::runtime::Runtime>,
    shutting_down: bool,
    next_op: u64,
    ops: BTreeMap<u64, Op>,
    clients: BTreeMap<u64, ClientEntry>,
}

struct Op {
    owner: u64,
    cancel: CancelToken,
    /// The outcome is known (the callback is about to run or running): too late to cancel.
    finished: bool,
}

struct ClientEntry {
    client: Client,
    generation: u64,
    phase: Phase,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Open,
    /// `arr_client_close` is running: the caller's operations are refused, the guard's work and the
    /// token callbacks it needs are not.
    Closing,
    /// Nothing of this client runs any more, host callbacks included.
    Closed,
}

/// Who asks to register an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An operation the host started: only while the client is open.
    Call,
    /// Host code the library calls for a client's own work (a token callback): until it is closed.
    HostCallback,
    /// The library's own closing work.
    Closing,
}

static STATE: Mutex<State> = Mutex::new(State {
    generation: 1,
    runtime: None,
    shutting_down: false,
    next_op: 1,
    ops: BTreeMap::new(),
    clients: BTreeMap::new(),
});
static CHANGED: Condvar = Condvar::new();

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

fn wait(state: MutexGuard<'static, State>) -> MutexGuard<'static, State> {
    CHANGED.wait(state).unwrap_or_else(|p| p.into_inner())
}

/// The current generation and a handle to its runtime, starting the runtime if needed.
pub(crate) fn current() -> Result<(u64, Handle), FfiError> {
    let mut state = state();
    if state.shutting_down {
        return Err(FfiError::new(ArrStatus::Shutdown, "arr_shutdown is in progress"));
    }
    if state.runtime.is_none() {
        state.runtime = Some(build_runtime()?);
        super::panic_hook::install();
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
        .thread_name("arr-session")
        .on_thread_start(super::panic_hook::library_thread)
        .enable_all()
        .build()
        .map_err(|e| FfiError::new(ArrStatus::ServiceError, format!("cannot start the runtime: {e}")))
}

/// Registers a new client of `generation`.
pub(crate) fn add_client(id: u64, generation: u64, client: Client) {
    state().clients.insert(
        id,
        ClientEntry {
            client,
            generation,
            phase: Phase::Open,
        },
    );
}

/// Whether `kind` of work may start for `owner` now: the runtime must be of the client's generation (else
/// `ARR_STATUS_SHUTDOWN`) and the client in a phase that allows it (else `ARR_STATUS_CLOSED`).
fn admit(state: &State, owner: u64, generation: u64, kind: Kind) -> Result<Handle, FfiError> {
    let handle = match &state.runtime {
        Some(rt) if state.generation == generation && (!state.shutting_down || kind != Kind::Call) => {
            rt.handle().clone()
        }
        _ => {
            return Err(FfiError::new(
                ArrStatus::Shutdown,
                "the library was shut down after this client was created; create a new client",
            ))
        }
    };
    let phase = state.clients.get(&owner).map_or(Phase::Closed, |c| c.phase);
    let allowed = match kind {
        Kind::Call => phase == Phase::Open,
        Kind::HostCallback | Kind::Closing => phase != Phase::Closed,
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

/// For calls that start no operation (reading the owned sessions): the same answer a call would get.
pub(crate) fn check_callable(owner: u64, generation: u64) -> Result<(), FfiError> {
    admit(&state(), owner, generation, Kind::Call).map(|_| ())
}

/// Registers an operation of `owner` (a client id).
fn begin(owner: u64, generation: u64, kind: Kind) -> Result<(u64, CancelToken, Handle), FfiError> {
    let mut state = state();
    let handle = admit(&state, owner, generation, kind)?;
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

/// Registers host code that the library calls for `owner`'s own work (a token callback), so closing
/// waits for it. Refused once the client is closed: then the host is not called at all.
pub(crate) fn track(owner: u64, generation: u64) -> Result<Registration, FfiError> {
    begin(owner, generation, Kind::HostCallback).map(|(id, _, _)| Registration(id))
}

impl Drop for Registration {
    fn drop(&mut self) {
        state().ops.remove(&self.0);
        CHANGED.notify_all();
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
    super::panic_hook::outside(body)
}

/// Runs `work` to completion on the runtime, blocking the calling (host) thread.
///
/// The work is polled on the calling thread (`Handle::block_on`). The other way, spawning it onto the
/// workers and sleeping on a channel, was measured beside it (README, Performance: the `core.blocking_handoff`
/// and `core.spawn_handoff` rows): a little ahead in most runs, far behind in one busy run, and ~7 k
/// instructions a call dearer; it is used only on a thread that already drives a tokio runtime, where
/// `block_on` would panic. Either way a panic in the work is the call's outcome.
pub(crate) fn block_on<T: Send + 'static>(
    owner: u64,
    generation: u64,
    work: impl Future<Output = Result<T, FfiError>> + Send + 'static,
) -> Result<T, FfiError> {
    if in_callback() {
        return Err(FfiError::new(
            ArrStatus::BlockingInCallback,
            "blocking functions must not be called from inside a callback; use the _async form",
        ));
    }
    let (id, cancel, handle) = begin(owner, generation, Kind::Call)?;
    let _registration = Registration(id);
    let call = async move {
        let work = AssertUnwindSafe(work).catch_unwind();
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(FfiError::cancelled()),
            result = work => result.unwrap_or_else(|payload| Err(panic_error(payload))),
        }
    };
    if Handle::try_current().is_err() {
        return handle.block_on(call);
    }
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = sender.send(call.await);
    });
    // The sender is dropped unsent only if the task is dropped, i.e. the runtime is being shut down.
    receiver.recv().unwrap_or_else(|_| {
        Err(FfiError::new(
            ArrStatus::Shutdown,
            "the library was shut down during the call",
        ))
    })
}

/// Delivers an operation's outcome exactly once, on a callback thread; if it is dropped undelivered
/// (its task was dropped or unwound), it delivers a failure instead, so no caller waits forever.
struct Delivery<D: FnOnce(Result<String, FfiError>) + Send + 'static> {
    id: u64,
    deliver: Option<(D, Registration)>,
}

impl<D: FnOnce(Result<String, FfiError>) + Send + 'static> Delivery<D> {
    fn send(&mut self, outcome: Result<String, FfiError>) {
        let Some((deliver, registration)) = self.deliver.take() else {
            return;
        };
        if let Some(op) = state().ops.get_mut(&self.id) {
            op.finished = true;
        }
        let id = self.id;
        // The registration ends (and waiters in close / shutdown wake) only after the callback returned.
        callbacks::run(Box::new(move || {
            let _registration = registration;
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| as_callback(Some(id), || deliver(outcome))));
        }));
    }
}

impl<D: FnOnce(Result<String, FfiError>) + Send + 'static> Drop for Delivery<D> {
    fn drop(&mut self) {
        let error = if std::thread::panicking() {
            FfiError::new(ArrStatus::Panic, "internal error (panic): the operation was abandoned")
        } else {
            FfiError::cancelled()
        };
        self.send(Err(error));
    }
}

/// Starts `work` and delivers its outcome through `deliver` exactly once, on a callback thread. The
/// operation id is handed to `started` before the work can run (so it may be written where the callback
/// could free it), and returned.
pub(crate) fn spawn<F, D>(
    owner: u64,
    generation: u64,
    work: F,
    deliver: D,
    started: impl FnOnce(u64),
) -> Result<u64, FfiError>
where
    F: Future<Output = Result<String, FfiError>> + Send + 'static,
    D: FnOnce(Result<String, FfiError>) + Send + 'static,
{
    let (id, cancel, handle) = begin(owner, generation, Kind::Call)?;
    let mut delivery = Delivery {
        id,
        deliver: Some((deliver, Registration(id))),
    };
    started(id);
    handle.spawn(async move {
        // A panic in the work becomes this operation's outcome, not a lost callback.
        let work = AssertUnwindSafe(work).catch_unwind();
        let outcome = tokio::select! {
            biased;
            () = cancel.cancelled() => Err(FfiError::cancelled()),
            result = work => result.unwrap_or_else(|payload| Err(panic_error(payload))),
        };
        delivery.send(outcome);
    });
    Ok(id)
}

/// Runs host code of operation `op` (an event of a stream) on a callback thread and waits until it has
/// returned, so that a stream's events reach the host one at a time, in order.
pub(crate) async fn call_host(op: u64, body: impl FnOnce() + Send + 'static) {
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    callbacks::run(Box::new(move || {
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| as_callback(Some(op), body)));
        let _ = done.send(());
    }));
    let _ = finished.await;
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
fn cancel_and_wait(owner: Option<u64>) {
    let me = CALLBACK_OP.with(Cell::get);
    let matches = |id: &u64, op: &Op| owner.is_none_or(|o| op.owner == o) && Some(*id) != me;
    let mut state = state();
    for (id, op) in &state.ops {
        if matches(id, op) {
            op.cancel.cancel();
        }
    }
    while state.ops.iter().any(|(id, op)| matches(id, op)) {
        state = wait(state);
    }
}

fn set_phase(ids: &[u64], phase: Phase) {
    let mut state = state();
    for id in ids {
        if let Some(entry) = state.clients.get_mut(id) {
            entry.phase = phase;
        }
    }
}

/// Runs the session guard's close for `clients` on the runtime, concurrently; each is bounded by its
/// own `closeTimeoutMs`. Outcomes are logged by the core.
fn run_guard_close(handle: &Handle, clients: Vec<Client>) {
    if clients.is_empty() {
        return;
    }
    let closing = async move {
        let mut closes = tokio::task::JoinSet::new();
        for client in clients {
            closes.spawn(async move { client.close().await });
        }
        while closes.join_next().await.is_some() {}
    };
    let run = || handle.block_on(closing);
    // A blocking wait on the runtime from inside a runtime thread would panic; host threads and
    // callback threads are fine.
    if Handle::try_current().is_ok() {
        tracing::error!(target: "arr_session::guard", "close called on a runtime thread; owned sessions not stopped");
    } else {
        run();
    }
}

/// `arr_client_close`: see its documentation. Returns at once if the client is already closing or
/// closed. Closing from one of the client's own callbacks works: that callback's operation is not
/// waited for.
pub(crate) fn close_client(owner: u64) {
    let (client, generation) = {
        let mut state = state();
        match state.clients.get_mut(&owner) {
            Some(entry) if entry.phase == Phase::Open => {
                entry.phase = Phase::Closing;
                (entry.client.clone(), entry.generation)
            }
            _ => return,
        }
    };
    cancel_and_wait(Some(owner));
    if let Ok((op, _, handle)) = begin(owner, generation, Kind::Closing) {
        let _registration = Registration(op);
        run_guard_close(&handle, vec![client]);
    } else if client.config().stop_owned_sessions_on_close && !client.owned_sessions().is_empty() {
        tracing::warn!(
            target: "arr_session::guard",
            "the library was shut down before this client was closed; its owned sessions were handled by arr_shutdown"
        );
    }
    set_phase(&[owner], Phase::Closed);
    // Token callbacks started during the close have returned before this does.
    cancel_and_wait(Some(owner));
}

/// Forgets a client (it was closed first).
pub(crate) fn remove_client(owner: u64) {
    state().clients.remove(&owner);
}

/// Closes every client (stop-on-close included), waits for every callback, and stops and joins the
/// library's threads. A second call while one runs waits for it. The next client starts anew.
pub(crate) fn shutdown() {
    let (open, handle) = {
        let mut state = state();
        if state.shutting_down {
            let generation = state.generation;
            while state.shutting_down && state.generation == generation {
                state = wait(state);
            }
            return;
        }
        state.shutting_down = true;
        let generation = state.generation;
        let mut open = Vec::new();
        for (id, entry) in state.clients.iter_mut() {
            if entry.phase == Phase::Open && entry.generation == generation {
                entry.phase = Phase::Closing;
                open.push((*id, entry.client.clone()));
            }
        }
        (open, state.runtime.as_ref().map(|rt| rt.handle().clone()))
    };
    cancel_and_wait(None);
    let ids: Vec<u64> = open.iter().map(|(id, _)| *id).collect();
    if let Some(handle) = &handle {
        run_guard_close(handle, open.into_iter().map(|(_, client)| client).collect());
    }
    set_phase(&ids, Phase::Closed);
    cancel_and_wait(None);
    let runtime = state().runtime.take();
    callbacks::stop_and_join();
    super::logging::stop_and_join();
    if let Some(runtime) = runtime {
        if Handle::try_current().is_ok() {
            runtime.shutdown_background();
        } else {
            runtime.shutdown_timeout(JOIN_TIMEOUT);
        }
    }
    let mut state = state();
    state.generation += 1;
    state.shutting_down = false;
    drop(state);
    CHANGED.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn test_client() -> (u64, u64) {
        let (generation, handle) = current().unwrap();
        let _entered = handle.enter();
        let config = arr_session::ClientConfig::new(
            "http://127.0.0.1:9",
            "11111111-1111-1111-1111-111111111111",
            arr_session::Credential::AccessToken("token".into()),
        );
        let id = 1_000_000 + fastrand::u64(..1_000_000);
        add_client(id, generation, Client::new(config).unwrap());
        (id, generation)
    }

    #[test]
    fn a_panic_in_async_work_calls_back_once_with_panic() {
        let _turn = crate::edge_tests::turn();
        let (owner, generation) = test_client();
        let (sender, receiver) = mpsc::channel();
        spawn(
            owner,
            generation,
            async { panic!("boom") },
            move |outcome: Result<String, FfiError>| sender.send(outcome.map_err(|e| e.status)).unwrap(),
            |_| {},
        )
        .unwrap();
        let outcome = receiver.recv_timeout(Duration::from_secs(10)).expect("a callback");
        assert_eq!(outcome, Err(ArrStatus::Panic));
        assert!(
            receiver.recv_timeout(Duration::from_millis(300)).is_err(),
            "exactly once"
        );
        close_client(owner);
        remove_client(owner);
    }

    #[test]
    fn a_panic_in_blocking_work_returns_panic_and_the_registry_is_clean() {
        let _turn = crate::edge_tests::turn();
        let (owner, generation) = test_client();
        let outcome: Result<(), FfiError> = block_on(owner, generation, async { panic!("boom") });
        assert_eq!(outcome.map_err(|e| e.status), Err(ArrStatus::Panic));
        assert!(
            state().ops.values().all(|op| op.owner != owner),
            "the operation is unregistered"
        );
        close_client(owner);
        remove_client(owner);
    }

    #[test]
    fn a_blocking_call_from_a_thread_of_another_tokio_runtime_works() {
        // Polling the work on the calling thread (Handle::block_on) panicked here: "Cannot start a
        // runtime from within a runtime". The work now runs on the library's workers.
        let _turn = crate::edge_tests::turn();
        let (owner, generation) = test_client();
        let host = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let outcome = host.block_on(async { block_on(owner, generation, async { Ok(7) }) });
        assert_eq!(outcome.map_err(|e| e.status), Ok(7));
        close_client(owner);
        remove_client(owner);
    }

    #[test]
    fn the_operation_id_is_known_before_the_work_runs() {
        let _turn = crate::edge_tests::turn();
        let (owner, generation) = test_client();
        let (sender, receiver) = mpsc::channel();
        let seen = std::sync::Arc::new(Mutex::new(None));
        let seen_in_start = seen.clone();
        let id = spawn(
            owner,
            generation,
            async { Ok("null".to_owned()) },
            move |_| sender.send(()).unwrap(),
            move |id| *seen_in_start.lock().unwrap() = Some(id),
        )
        .unwrap();
        receiver.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(*seen.lock().unwrap(), Some(id));
        close_client(owner);
        remove_client(owner);
    }

    #[test]
    fn slow_callbacks_do_not_stall_host_name_resolution() {
        // More slow callbacks than there are callback threads, then a DNS look-up on the runtime (it
        // runs on tokio's blocking pool, as reqwest's resolver does): it must not wait for them.
        let _turn = crate::edge_tests::turn();
        let (owner, generation) = test_client();
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..callbacks::MAX_THREADS + 4 {
            let finished = finished.clone();
            spawn(
                owner,
                generation,
                async { Ok("null".to_owned()) },
                move |_| {
                    std::thread::sleep(Duration::from_secs(2));
                    finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                },
                |_| {},
            )
            .unwrap();
        }
        std::thread::sleep(Duration::from_millis(200));
        let (_, handle) = current().unwrap();
        handle.block_on(async {
            for _ in 0..32 {
                tokio::task::spawn_blocking(|| std::net::ToSocketAddrs::to_socket_addrs("localhost:80").map(|_| ()))
                    .await
                    .unwrap()
                    .unwrap();
            }
        });
        assert_eq!(
            finished.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "the look-ups finished while every callback was still sleeping"
        );
        close_client(owner);
        remove_client(owner);
    }
}
