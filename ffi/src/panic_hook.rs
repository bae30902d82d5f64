//! Panics inside the library are reported through the log callback instead of being printed (the library
//! writes nothing to stdout or stderr), and never replace the host's own panic hook: a panic on a thread
//! that is not inside the library goes to whatever hook was installed before.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    /// How deep the current thread is inside library code (an exported function, a library thread).
    static IN_LIBRARY: Cell<u32> = const { Cell::new(0) };
}

/// Marks the current thread as inside the library until the returned value is dropped.
pub(crate) fn enter() -> Inside {
    IN_LIBRARY.with(|depth| depth.set(depth.get() + 1));
    Inside(())
}

pub(crate) struct Inside(());

impl Drop for Inside {
    fn drop(&mut self) {
        IN_LIBRARY.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

/// Runs host code: a panic in it (a Rust host calling us through the C ABI) is the host's business.
pub(crate) fn outside<R>(body: impl FnOnce() -> R) -> R {
    struct Restore(u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            IN_LIBRARY.with(|depth| depth.set(self.0));
        }
    }
    let _restore = Restore(IN_LIBRARY.with(|depth| depth.replace(0)));
    body()
}

/// Marks a thread the library owns (workers, callback and log threads) for its whole life.
pub(crate) fn library_thread() {
    IN_LIBRARY.with(|depth| depth.set(1));
}

/// Installs the chained hook, once per process.
pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_LIBRARY.with(Cell::get) > 0 {
                tracing::error!(target: "arr_session::panic", "{info}");
            } else {
                previous(info);
            }
        }));
    });
}
