//! The tokio runtime every call runs on: one for all clients of the process, started on first use, 2
//! worker threads (override with the environment variable `ARR_SESSION_WORKER_THREADS`, 1 to 16). Host
//! code runs on the callback threads (`callbacks`), never on a worker. `arr_shutdown` stops it; the next
//! client starts a new one (a new generation).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::runtime::{Handle, Runtime};

use super::delivery;
use super::registry::{self, Kind, Owner};
use crate::error::{panic_error, FfiError};
use crate::status::ArrStatus;

const DEFAULT_WORKER_THREADS: usize = 2;
/// How long stopping waits for the library's threads (a DNS look-up in progress, a callback) to end.
pub(crate) const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The process epoch, the current generation and a handle to its runtime, starting the runtime if needed.
/// An `arr_shutdown` running on another thread is waited for first, unless it waits for this thread (a
/// callback it has not seen return): then this answers `ARR_STATUS_SHUTDOWN`.
pub(crate) fn current() -> Result<(u64, u64, Handle), FfiError> {
    loop {
        let registry = registry::lock();
        if registry.shutdown_by.is_some() {
            drop(registry);
            if !registry::wait_for_shutdown() {
                return Err(FfiError::new(
                    ArrStatus::Shutdown,
                    "arr_shutdown is in progress and waits for this callback to return",
                ));
            }
            continue;
        }
        if let Some(runtime) = &registry.runtime {
            return Ok((registry.epoch, registry.generation, runtime.handle().clone()));
        }
        // Built without the registry's lock: starting threads takes a while, and closes, callbacks and
        // the fork handlers need the lock meanwhile. Two threads may build at once; one runtime is kept.
        drop(registry);
        let built = build()?;
        let mut registry = registry::lock();
        if registry.runtime.is_none() && registry.shutdown_by.is_none() {
            registry.runtime = Some(built);
            crate::panic_hook::install();
            super::fork::install();
            super::log_thread::resume();
        } else {
            drop(registry);
            stop(built);
        }
    }
}

fn build() -> Result<Runtime, FfiError> {
    let workers = std::env::var("ARR_SESSION_WORKER_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=16).contains(n))
        .unwrap_or(DEFAULT_WORKER_THREADS);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("arr-session")
        .on_thread_start(crate::panic_hook::library_thread)
        .enable_all()
        .build()
        .map_err(|e| FfiError::new(ArrStatus::ServiceError, format!("cannot start the runtime: {e}")))
}

/// Runs `work` to completion on the runtime of `handle`, from any thread. `None` if the runtime dropped it
/// (it is being shut down).
///
/// The work is polled on the calling thread (`Handle::block_on`): measured against spawning it onto the
/// workers, this is cheaper per call (README, Performance). From a thread that drives a tokio runtime of its
/// own, where `block_on` would panic, it is spawned and the thread waits for its outcome.
pub(crate) fn run_to_completion<T: Send + 'static>(
    handle: &Handle,
    work: impl Future<Output = T> + Send + 'static,
) -> Option<T> {
    if Handle::try_current().is_err() {
        return Some(handle.block_on(work));
    }
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = sender.send(work.await);
    });
    receiver.recv().ok()
}

/// Runs a blocking call's `work` for `owner`, registered as its operation (so closing the client or
/// shutting down cancels it).
pub(crate) fn block_on<T: Send + 'static>(
    owner: &Owner,
    work: impl Future<Output = Result<T, FfiError>> + Send + 'static,
) -> Result<T, FfiError> {
    if delivery::in_callback() {
        return Err(FfiError::new(
            ArrStatus::BlockingInCallback,
            "blocking functions must not be called from inside a callback; use the _async form",
        ));
    }
    let (_registration, cancel, handle) = registry::lock().begin(owner, Kind::Call)?;
    let call = async move {
        let work = AssertUnwindSafe(work).catch_unwind();
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(FfiError::cancelled()),
            result = work => result.unwrap_or_else(|payload| Err(panic_error(payload))),
        }
    };
    run_to_completion(&handle, call).unwrap_or_else(|| {
        Err(FfiError::new(
            ArrStatus::Shutdown,
            "the library was shut down during the call",
        ))
    })
}

/// Stops a runtime and waits (at most [`JOIN_TIMEOUT`]) for its threads. Done on a thread of its own, so
/// that it works from any thread, one that drives another tokio runtime included.
pub(crate) fn stop(runtime: Runtime) {
    let stopping = std::thread::Builder::new()
        .name("arr-session-stop".into())
        .spawn(move || runtime.shutdown_timeout(JOIN_TIMEOUT));
    match stopping {
        Ok(thread) => {
            let _ = thread.join();
        }
        Err(_) => tracing::warn!(target: "arr_session::runtime", "could not start a thread to stop the runtime"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{mpsc, Mutex};

    fn test_client() -> Owner {
        let (epoch, generation, handle) = current().unwrap();
        let _entered = handle.enter();
        let config = arr_session::ClientConfig::new(
            "http://127.0.0.1:9",
            "11111111-1111-1111-1111-111111111111",
            arr_session::Credential::AccessToken("token".into()),
        );
        let id = 1_000_000 + fastrand::u64(..1_000_000);
        let client = arr_session::Client::new(config).unwrap();
        registry::lock().add_client(id, client);
        Owner { id, epoch, generation }
    }

    fn close(owner: Owner) {
        super::super::closing::close_client(&owner, true);
    }

    #[test]
    fn a_panic_in_async_work_calls_back_once_with_panic() {
        let _turn = crate::edge_tests::turn();
        let owner = test_client();
        let (sender, receiver) = mpsc::channel();
        delivery::spawn(
            &owner,
            |_| async { panic!("boom") },
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
        close(owner);
    }

    #[test]
    fn a_panic_in_blocking_work_returns_panic_and_the_registry_is_clean() {
        let _turn = crate::edge_tests::turn();
        let owner = test_client();
        let outcome: Result<(), FfiError> = block_on(&owner, async { panic!("boom") });
        assert_eq!(outcome.map_err(|e| e.status), Err(ArrStatus::Panic));
        assert_eq!(registry::lock().ops_of(owner.id), 0, "the operation is unregistered");
        close(owner);
    }

    #[test]
    fn a_blocking_call_from_a_thread_of_another_tokio_runtime_works() {
        // Polling the work on the calling thread (Handle::block_on) panics there: "Cannot start a runtime
        // from within a runtime". The work runs on the library's workers instead.
        let _turn = crate::edge_tests::turn();
        let owner = test_client();
        let host = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let outcome = host.block_on(async { block_on(&owner, async { Ok(7) }) });
        assert_eq!(outcome.map_err(|e| e.status), Ok(7));
        close(owner);
    }

    #[test]
    fn the_operation_id_is_known_before_the_work_runs() {
        let _turn = crate::edge_tests::turn();
        let owner = test_client();
        let (sender, receiver) = mpsc::channel();
        let seen = std::sync::Arc::new(Mutex::new(None));
        let seen_in_start = seen.clone();
        let id = delivery::spawn(
            &owner,
            |_| async { Ok("null".to_owned()) },
            move |_| sender.send(()).unwrap(),
            move |id| *seen_in_start.lock().unwrap() = Some(id),
        )
        .unwrap();
        receiver.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(*seen.lock().unwrap(), Some(id));
        close(owner);
    }

    #[test]
    fn slow_callbacks_do_not_stall_host_name_resolution() {
        // More slow callbacks than there are callback threads, then a DNS look-up on the runtime (it
        // runs on tokio's blocking pool, as reqwest's resolver does): it must not wait for them.
        let _turn = crate::edge_tests::turn();
        let owner = test_client();
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..super::super::callback_threads::MAX_THREADS + 4 {
            let finished = finished.clone();
            delivery::spawn(
                &owner,
                |_| async { Ok("null".to_owned()) },
                move |_| {
                    std::thread::sleep(Duration::from_secs(2));
                    finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                },
                |_| {},
            )
            .unwrap();
        }
        std::thread::sleep(Duration::from_millis(200));
        let (_, _, handle) = current().unwrap();
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
        close(owner);
    }
}
