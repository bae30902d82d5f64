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

mod access_token;
mod callbacks;
mod client;
mod conversions;
mod dispatch;
mod error;
mod lease;
mod logging;
mod options;
mod owned;
mod panic_hook;
mod preflight;
mod runtime;
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
pub use dispatch::ArrCallback;
pub use error::arr_last_error;
pub use lease::arr_client_keep_session;
pub use logging::{arr_set_log_callback, ArrLogCallback, ArrLogLevel};
pub use owned::*;
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
pub const ARR_ABI_VERSION: u32 = 1;

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
/// `"stopOwnedSessionsOnClose": true` their owned sessions stopped, each within its `closeTimeoutMs`),
/// then stops the library's threads and joins them (workers, callback and log threads). Call it before
/// unloading the library (Unity: before a domain reload and on quit). Clients created before it answer
/// `ARR_STATUS_SHUTDOWN` afterwards (free them as usual); clients created after it work normally. A
/// second call while one runs waits for it. From inside a callback it works, but the calling thread
/// cannot join itself: do not unload the library right after that. Managed hosts (Mono, .NET, Python)
/// should call it before the process exits: the runtime waits for threads that have run managed callbacks.
///
/// Ownership: clients stay owned by the caller.
/// Thread-safety: any thread.
/// Blocking: yes, until owned sessions are stopped (if configured), callbacks have returned and the
/// threads have ended.
#[no_mangle]
pub extern "C" fn arr_shutdown() {
    error::guard_void(runtime::shutdown);
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
