//! The lifecycle engine behind the exported functions: which clients and operations exist, on which
//! runtime their work runs, on which threads host code runs, and how closing, freeing and shutting down
//! wait for all of it. The exports (the files beside `engine/`) check arguments and call in here.
//!
//! - [`registry`]: every client with its phase (open, closing, closed), every operation in flight with its
//!   cancellation, the threads blocked in a lifecycle call and what they wait for;
//! - [`wait_graph`]: the waits-for rules on their own (who waits, through whom, for whom), model-checked;
//! - [`closing`]: `arr_client_close`, `arr_client_free`, `arr_shutdown`;
//! - [`delivery`]: an operation's host calls (events, then one last call), in order, on callback threads;
//! - [`callback_threads`]: the pool of threads host callbacks run on;
//! - [`runtime`]: the tokio runtime of the current generation, started on first use;
//! - [`log_thread`]: the thread log lines reach the host's log callback on;
//! - [`fork`]: a child process after `fork()` sets the parent's engine aside;
//! - [`joining`]: joining the library's threads within a deadline, woken when they end;
//! - [`lock_order`]: the order the engine's locks are taken in, checked in debug builds.
//!
//! # Invariants
//!
//! 1. Every operation started gets exactly one last call, also when cancelled, its runtime shut down, or
//!    its work panics ([`delivery`]).
//! 2. Host code runs only on callback threads or the log thread, never on a runtime worker and never
//!    inside the call that started the operation ([`callback_threads`]).
//! 3. A keeper delivers no event once its operation is cancelled (by `arr_client_cancel`, a close, a free
//!    or a shutdown): cancellation is checked right before each event ([`delivery`]).
//! 4. A close, free or shutdown returns only when every callback of its clients has returned, except the
//!    callbacks that wait, directly or through other waiting threads, for the calling thread; those may
//!    still run, and a keeper among them makes only its last call after its event returns ([`closing`]).
//! 5. The waits-for graph stays acyclic: a thread about to wait leaves out what leads back to itself; a
//!    cycle can only be closed by a new wait, so checking then is enough ([`wait_graph`]).
//! 6. After a free returned early (its closer waited for the freeing thread), no host code of that client
//!    starts, token callbacks included: its `user_data` may be gone ([`registry`]).
//! 7. Every thread the library starts is joined by `arr_shutdown` or, if it was inside a callback that
//!    waited for the shutdown, by a later one; none starts while the library is shut down.
//!
//! # Lock order
//!
//! A thread holding one of these locks takes only locks further down the list (see [`lock_order`]; debug
//! builds panic on a violation):
//! registry → callback pool → log thread → log sink → log delivery.
//! A lane's lock (one per operation, [`delivery`]) and the lock of [`joining`] are held alone. No lock is
//! held while host code runs.

pub(crate) mod callback_threads;
pub(crate) mod closing;
pub(crate) mod delivery;
pub(crate) mod fork;
pub(crate) mod joining;
pub(crate) mod lock_order;
pub(crate) mod log_thread;
pub(crate) mod registry;
pub(crate) mod runtime;
pub(crate) mod wait_graph;
