//! The C ABI of arr-session: the only crate with `extern "C"` and `unsafe`, and the home of everything
//! process-wide (the shared runtime, the panic hook, the log bridge), which the Rust crate does without.
//!
//! Conventions (the README's "Conventions" section is the full contract):
//! - every fallible function returns an [`ArrStatus`]; details of a failure are in `arr_last_error()`;
//! - strings in are borrowed NUL-terminated UTF-8; strings out are owned by the caller and freed with
//!   `arr_string_free`; strings passed to callbacks are borrowed for the callback's duration;
//! - out-parameters are written only on success;
//! - results are JSON with the REST field names of api-version 2021-01-01;
//! - a `const arr_client *` may be used from any number of threads at once;
//! - every operation has a blocking form and an `_async` form; callbacks run exactly once, on a library
//!   thread, never inside the initiating call; none runs after `arr_client_free` or `arr_shutdown` returns;
//! - no panic crosses the boundary; the library never prints.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod access_token;
mod arguments;
mod capacity_fallback;
mod client;
mod conversions;
mod cost;
mod doctor;
mod engine;
mod error;
mod host_ptr;
mod keeper;
mod last_response;
mod logging;
mod operation;
mod options;
mod owned_sessions;
mod panic_hook;
mod preflight;
mod reap;
mod sessions;
mod status;
mod strings;
mod token_provider;
mod waits;

#[cfg(test)]
mod edge_tests;

// Re-exported so Rust code (the benchmark harness, tests) can call the C functions by path.
pub use access_token::*;
pub use client::{
    arr_client_cancel, arr_client_close, arr_client_free, arr_client_new, arr_client_new_with_token_provider, ArrClient,
};
pub use conversions::*;
pub use error::arr_last_error;
pub use keeper::{arr_client_keep_session, arr_client_keep_sessions};
pub use last_response::arr_last_response;
pub use logging::{arr_set_log_callback, ArrLogCallback, ArrLogLevel};
pub use operation::ArrCallback;
pub use owned_sessions::*;
pub use preflight::*;
pub use sessions::*;
pub use status::ArrStatus;
pub use strings::arr_string_free;
pub use token_provider::{
    arr_token_request_complete, arr_token_request_fail, ArrTokenCallback, ArrTokenKind, ArrTokenRequest,
};
pub use waits::*;

/// The version of the ABI described by `arr_session.h`. Bumped on any incompatible change; wrappers
/// compare it with `ARR_ABI_VERSION` at load time.
pub const ARR_ABI_VERSION: u32 = 2;

/// The longest lease the service accepts, in minutes (24 hours).
pub const ARR_MAX_LEASE_MINUTES: u32 = 1440;
const _: () = assert!(ARR_MAX_LEASE_MINUTES == arr_session::MAX_LEASE_MINUTES);

/// The library version, e.g. `"0.1.0"`.
///
/// Ownership: static; do not free.
/// Thread-safety: any thread.
/// Blocking: no.
#[no_mangle]
pub extern "C" fn arr_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI version the library was built with; equal to `ARR_ABI_VERSION` in a matching header.
///
/// Ownership: nothing is allocated.
/// Thread-safety: any thread.
/// Blocking: no.
#[no_mangle]
pub extern "C" fn arr_abi_version() -> u32 {
    ARR_ABI_VERSION
}

/// Closes every client (as `arr_client_close`: operations cancelled, callbacks awaited, and with
/// `"stopOwnedSessionsOnClose": true` their owned sessions stopped, each within its `closeTimeoutMs`;
/// also for a client another thread is closing or freeing at the time), then stops the library's threads
/// and joins them (workers, callback and log threads). Call it before unloading the library (Unity:
/// before a domain reload and on quit). Clients created before it answer `ARR_STATUS_SHUTDOWN` afterwards
/// (free them as usual); clients created after it work normally. Managed hosts (Mono, .NET, Python)
/// should call it before the process exits: the runtime waits for threads that have run managed callbacks.
///
/// From inside callbacks: it may be called from any thread, a library callback included, and returns.
/// It does not wait for what would wait for the calling thread (see `arr_client_close`): the callback it
/// is called from keeps running on its thread, which cannot join itself (it takes no later work and the
/// next `arr_shutdown` joins it; do not unload the library right after a shutdown made from a callback).
/// A second call while one runs waits for it, unless the first waits for the calling thread (a callback
/// calling it during a shutdown): then it returns at once, and the first finishes after that callback
/// returns. Likewise from a token callback that a client's close asked for (stop-on-close needing a new
/// token): it returns at once, and that close's thread runs the shutdown once the close is done (the
/// close still needs the library's threads). A thread still inside a callback `JOIN_TIMEOUT` (10 s) after
/// the threads were asked to stop is not joined; a warning in the log says how many.
///
/// Ownership: clients stay owned by the caller.
/// Thread-safety: any thread, a library callback included.
/// Blocking: yes, until owned sessions are stopped (if configured), callbacks have returned (except as
/// above) and the threads have ended.
#[no_mangle]
pub extern "C" fn arr_shutdown() {
    error::guard_void(engine::closing::shutdown);
}

/// Test-only: panics inside the library, to show the panic boundary holds (returns ARR_STATUS_PANIC).
/// Present only in builds with the `test-hooks` feature.
///
/// Ownership: nothing.
/// Thread-safety: any thread.
/// Blocking: no.
#[cfg(feature = "test-hooks")]
#[no_mangle]
pub extern "C" fn arr_test_force_panic() -> ArrStatus {
    error::guard(|| panic!("forced by arr_test_force_panic"))
}
