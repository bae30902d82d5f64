//! After `fork()`, a child process has none of the parent's threads: no runtime workers, callback or log
//! thread. The library notices with `pthread_atfork` handlers: before the fork it holds its own locks (so
//! none is held by a thread that will not exist in the child), and in the child it sets aside everything
//! of the parent's (never dropped: dropping the parent's runtime or connections would join threads that
//! do not exist and touch file descriptors the parent still uses) and moves to a new epoch. The child's
//! first client starts a fresh runtime; handles inherited from the parent answer `ARR_STATUS_FORKED`.

use std::any::Any;
use std::sync::Mutex;

/// What a child process inherited and must never drop. Kept reachable rather than leaked, so that leak
/// checkers in the child (valgrind, LeakSanitizer) do not report it.
static SET_ASIDE: Mutex<Vec<Box<dyn Any + Send>>> = Mutex::new(Vec::new());

/// Keeps `value` for the life of the process without ever dropping it.
pub(crate) fn set_aside(value: impl Any + Send) {
    SET_ASIDE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Box::new(value));
}

#[cfg(unix)]
mod handlers {
    use std::cell::RefCell;
    use std::sync::{MutexGuard, Once, RwLockWriteGuard};

    use super::super::lock_order::Ordered;

    use super::super::callback_threads::{self, Pool};
    use super::super::log_thread::{self, LogThread};
    use super::super::registry::{self, Registry};
    use crate::logging::{self, Sink};

    /// The library's locks, held by the forking thread across `fork()`, in the order the library takes
    /// them.
    struct Held {
        registry: Ordered<MutexGuard<'static, Registry>>,
        pool: Ordered<MutexGuard<'static, Pool>>,
        log_thread: Ordered<MutexGuard<'static, LogThread>>,
        _sink: Ordered<RwLockWriteGuard<'static, Option<Sink>>>,
        delivering: Ordered<MutexGuard<'static, bool>>,
    }

    thread_local! {
        static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
    }

    extern "C" fn prepare() {
        let held = Held {
            registry: registry::lock(),
            pool: callback_threads::lock(),
            log_thread: log_thread::lock_thread(),
            _sink: logging::lock_sink(),
            delivering: log_thread::lock_delivering(),
        };
        HELD.with(|h| *h.borrow_mut() = Some(held));
    }

    extern "C" fn parent() {
        drop(HELD.with(|h| h.borrow_mut().take()));
    }

    extern "C" fn child() {
        if let Some(mut held) = HELD.with(|h| h.borrow_mut().take()) {
            held.registry.forget_parent();
            held.pool.forget_parent();
            log_thread::forget_parent(&mut held.log_thread, &mut held.delivering);
        }
    }

    pub(crate) fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: the handlers are plain functions that live as long as the library (it is never
            // unloaded while registered: glibc unregisters a library's handlers when it is unloaded).
            let _ = unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) };
        });
    }
}

#[cfg(unix)]
pub(crate) use handlers::install;

/// No `fork()` on this platform.
#[cfg(not(unix))]
pub(crate) fn install() {}
