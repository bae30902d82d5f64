//! How an operation's host callbacks are made: through the operation's lane, which runs them one at a
//! time, in the order they came, on a callback thread. A one-shot operation has one call; a stream (the
//! lease keeper) has its events, then one last call. The last call is made exactly once, also when the
//! work is cancelled, dropped (the runtime shut down) or panics; once it is queued, events still waiting
//! in the lane are dropped, and nothing is accepted after it.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;

use super::callback_threads;
use super::registry::{self, Kind, Registration};
use crate::error::{panic_error, FfiError};
use crate::status::ArrStatus;

thread_local! {
    /// Whether this thread is inside a library callback (operation, token provider, log).
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is running a library callback.
pub(crate) fn in_callback() -> bool {
    IN_CALLBACK.with(Cell::get)
}

/// Runs host code with the thread marked as inside a callback (blocking calls made from it are refused)
/// and, for an operation's callback, recorded as running it (a close made meanwhile knows whom it would
/// wait for). A panic in host code (a Rust host) is caught here.
pub(crate) fn as_callback(op: Option<u64>, body: impl FnOnce()) {
    struct Reset(bool, Option<u64>);
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_CALLBACK.with(|c| c.set(self.0));
            if let Some(op) = self.1 {
                registry::set_running(op, false);
            }
        }
    }
    if let Some(op) = op {
        registry::set_running(op, true);
    }
    let _reset = Reset(IN_CALLBACK.with(|c| c.replace(true)), op);
    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| crate::panic_hook::outside(body)));
}

type HostCall = Box<dyn FnOnce() + Send>;

/// The host calls of one operation, in order.
struct Lane {
    op: u64,
    /// The operation's cancellation: once set, no further event is delivered (the last call still is).
    cancel: CancellationToken,
    state: Mutex<LaneState>,
}

#[derive(Default)]
struct LaneState {
    /// Each call, and whether it is the last.
    calls: VecDeque<(HostCall, bool)>,
    /// A callback thread is working through `calls`.
    running: bool,
    /// The last call has been queued.
    ended: bool,
}

impl Lane {
    fn submit(self: &Arc<Lane>, call: HostCall, last: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.ended {
            return;
        }
        if last {
            state.calls.clear();
            state.ended = true;
        }
        state.calls.push_back((call, last));
        if !state.running {
            state.running = true;
            // Not under the lane's lock, which is held alone (see the engine's lock order).
            drop(state);
            let lane = self.clone();
            callback_threads::run(Box::new(move || lane.drain()));
        }
    }

    fn drain(&self) {
        loop {
            let (call, last) = {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                match state.calls.pop_front() {
                    Some(call) => call,
                    None => {
                        state.running = false;
                        return;
                    }
                }
            };
            // Checked right before each event: a cancel, close or free made meanwhile (from the event
            // before, say) ends the stream here, whatever the work had already queued.
            if !last && self.cancel.is_cancelled() {
                continue;
            }
            as_callback(Some(self.op), call);
        }
    }
}

/// A stream's way to call the host with an event.
#[derive(Clone)]
pub(crate) struct Events {
    lane: Arc<Lane>,
}

impl Events {
    /// Calls host code for one event, after every event before it, and waits until it has returned (so a
    /// stream runs no further ahead of its host than one event). Does nothing once the stream has ended.
    pub async fn call(&self, body: impl FnOnce() + Send + 'static) {
        if self.lane.cancel.is_cancelled() {
            return;
        }
        let (done, returned) = tokio::sync::oneshot::channel::<()>();
        let call = move || {
            body();
            let _ = done.send(());
        };
        self.lane.submit(Box::new(call), false);
        let _ = returned.await;
    }
}

/// Makes the last call of an operation exactly once: with its outcome, or, if dropped before (its task
/// was dropped or unwound), with a failure, so no host waits forever. The operation stays registered
/// until that call has returned.
struct Delivery<T: Send + 'static, D: FnOnce(Result<T, FfiError>) + Send + 'static> {
    lane: Arc<Lane>,
    deliver: Option<(D, Registration)>,
    outcome: std::marker::PhantomData<fn(T)>,
}

impl<T: Send + 'static, D: FnOnce(Result<T, FfiError>) + Send + 'static> Delivery<T, D> {
    fn send(&mut self, outcome: Result<T, FfiError>) {
        let Some((deliver, registration)) = self.deliver.take() else {
            return;
        };
        registry::finish(registration.id());
        let call = move || {
            let _registration = registration;
            deliver(outcome);
        };
        self.lane.submit(Box::new(call), true);
    }
}

impl<T: Send + 'static, D: FnOnce(Result<T, FfiError>) + Send + 'static> Drop for Delivery<T, D> {
    fn drop(&mut self) {
        let error = if std::thread::panicking() {
            FfiError::new(ArrStatus::Panic, "internal error (panic): the operation was abandoned")
        } else {
            FfiError::cancelled()
        };
        self.send(Err(error));
    }
}

/// Starts an operation of `owner`: `work` (given the stream's [`Events`]) runs on the runtime, and its
/// outcome reaches `deliver` exactly once, on a callback thread, after every event. The operation id is
/// handed to `started` before the work can run (so it may be written where the callback could free it),
/// and returned.
pub(crate) fn spawn<T, W, F, D>(
    owner: &registry::Owner,
    work: W,
    deliver: D,
    started: impl FnOnce(u64),
) -> Result<u64, FfiError>
where
    T: Send + 'static,
    W: FnOnce(Events) -> F,
    F: Future<Output = Result<T, FfiError>> + Send + 'static,
    D: FnOnce(Result<T, FfiError>) + Send + 'static,
{
    let (registration, cancel, handle) = registry::lock().begin(owner, Kind::Call)?;
    let op = registration.id();
    let lane = Arc::new(Lane {
        op,
        cancel: cancel.clone(),
        state: Mutex::new(LaneState::default()),
    });
    let work = work(Events { lane: lane.clone() });
    let mut delivery = Delivery {
        lane,
        deliver: Some((deliver, registration)),
        outcome: std::marker::PhantomData,
    };
    started(op);
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
    Ok(op)
}
