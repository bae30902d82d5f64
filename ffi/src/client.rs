//! `arr_client`: creating, freeing, and cancelling operations of a client.

use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::error::{guard, guard_void, FfiError};
use super::status::ArrStatus;
use super::strings::{require_out, str_arg, write_out};
use super::token_provider::{ArrTokenCallback, ArrTokenKind, CallbackTokenProvider};
use crate::engine::closing;
use crate::engine::registry::{self, Kind, Owner};
use crate::engine::runtime;
use arr_session::Client;
use arr_session::ClientConfig;
use arr_session::Credential;

/// An opaque client handle. Thread-safe: a `const arr_client *` may be used from many threads at once.
pub struct ArrClient {
    pub(crate) client: Client,
    /// The client in the registry: its id, and the process epoch and runtime generation it was made in.
    pub(crate) owner: Owner,
}

static NEXT_CLIENT_ID: AtomicU64 = AtomicU64::new(1);

/// A new client's identity in the registry, on the runtime of the current generation (started if needed).
fn new_owner() -> Result<(Owner, tokio::runtime::Handle), FfiError> {
    let (epoch, generation, handle) = runtime::current()?;
    let id = NEXT_CLIENT_ID.fetch_add(1, Ordering::Relaxed);
    Ok((Owner { id, epoch, generation }, handle))
}

/// Makes a client of `config` with `make_config` and registers it. An `arr_shutdown` running on another
/// thread is waited for, and the client is made on the runtime started after it; only a caller that the
/// shutdown itself waits for (a callback it has not seen return) is refused, with ARR_STATUS_SHUTDOWN.
fn new_client(
    mut make_config: impl FnMut(Owner) -> Result<ClientConfig, FfiError>,
) -> Result<Box<ArrClient>, FfiError> {
    // A shutdown that begins while the client is made has already collected the clients it closes: the
    // client is made again after it. Bounded, as a host shutting down in a loop would otherwise keep
    // this call here.
    for _ in 0..8 {
        let (owner, handle) = new_owner()?;
        let config = make_config(owner)?;
        // The HTTP stack binds to the runtime it is created in.
        let client = {
            let _entered = handle.enter();
            Client::new(config)?
        };
        let mut registry = registry::lock();
        if (registry.epoch, registry.generation) == (owner.epoch, owner.generation) && registry.shutdown_by.is_none() {
            registry.add_client(owner.id, client.clone());
            return Ok(Box::new(ArrClient { client, owner }));
        }
        drop(registry);
        drop(client);
    }
    Err(FfiError::new(
        ArrStatus::Shutdown,
        "arr_shutdown ran again and again while the client was being made",
    ))
}

/// Resolves a client argument.
///
/// # Safety
/// `client` must be NULL or a live pointer from `arr_client_new*`.
pub(crate) unsafe fn client_arg<'a>(client: *const ArrClient) -> Result<&'a ArrClient, FfiError> {
    // SAFETY: NULL or a live client (this function's contract).
    unsafe { client.as_ref() }.ok_or_else(|| FfiError::null_argument("client"))
}

/// Creates a client from a JSON configuration, e.g.
/// `{"endpoint":"westus2","accountId":"<guid>","accountDomain":"westus2","accountKey":"<key>"}`.
/// Keys: endpoint, accountId, accountDomain, stsEndpoint, accountKey | accessToken, apiVersion
/// ("2021-01-01" or "v1"), connectTimeoutMs, requestTimeoutMs, retry {maxRetries, baseDelayMs,
/// maxDelayMs}, pollIntervalMs, userAgentSuffix, proxy ("system", "none" or a URL), extraRootCaPem,
/// allowInsecureHttp. Unknown keys and bad values fail with ARR_STATUS_INVALID_ARGUMENT naming the key.
/// Nothing is sent until the first operation.
///
/// While another thread runs `arr_shutdown`, this waits for it to finish and makes the client on the
/// library started afresh after it; called from a callback that the running shutdown waits for, it
/// answers ARR_STATUS_SHUTDOWN at once (waiting would deadlock).
///
/// Ownership: `config_json` is borrowed for the call; on success `*out_client` is owned by the caller
/// and must be released with `arr_client_free`.
/// Thread-safety: any thread.
/// Blocking: no, except while another thread's `arr_shutdown` runs (see above).
///
/// # Safety
/// `config_json` must be NULL or a NUL-terminated string; `out_client` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn arr_client_new(config_json: *const c_char, out_client: *mut *mut ArrClient) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        require_out(out_client, "out_client")?;
        let text = str_arg(config_json, "config_json")?;
        // Read before any wait, so a bad configuration fails at once; read again only for a retry.
        let mut config = Some(ClientConfig::from_json(text)?);
        let client = new_client(|_| match config.take() {
            Some(config) => Ok(config),
            None => Ok(ClientConfig::from_json(text)?),
        })?;
        write_out(out_client, Box::into_raw(client));
        Ok(())
    })
}

/// Creates a client whose access tokens come from `callback` (for Entra ID (AAD) tokens, or Mixed
/// Reality tokens minted by your backend). `config_json` is as for `arr_client_new` without
/// `accountKey`/`accessToken`. With `ARR_TOKEN_KIND_ACCESS_TOKEN` the tokens are used as they are; with
/// `ARR_TOKEN_KIND_AAD` they are exchanged at the STS (`accountDomain` or `stsEndpoint` needed). The
/// callback is asked when no valid token is cached and after the service refused one.
///
/// Ownership: as for `arr_client_new`; `user_data` is passed back untouched and must stay valid until
/// `arr_client_free` returns.
/// Thread-safety: the callback runs on library threads, possibly several at once for different clients.
/// Blocking: as `arr_client_new` (waits for an `arr_shutdown` another thread runs).
///
/// # Safety
/// As for `arr_client_new`; `callback` must be a valid function pointer or NULL.
#[no_mangle]
pub unsafe extern "C" fn arr_client_new_with_token_provider(
    config_json: *const c_char,
    kind: u32,
    callback: ArrTokenCallback,
    user_data: *mut c_void,
    out_client: *mut *mut ArrClient,
) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        require_out(out_client, "out_client")?;
        let callback = callback.ok_or_else(|| FfiError::null_argument("callback"))?;
        let text = str_arg(config_json, "config_json")?;
        let aad = match kind {
            k if k == ArrTokenKind::AccessToken as u32 => false,
            k if k == ArrTokenKind::Aad as u32 => true,
            other => {
                return Err(FfiError::invalid(
                    "kind",
                    format_args!("must be an ARR_TOKEN_KIND_* value, not {other}"),
                ))
            }
        };
        // The provider knows its client, so arr_client_free also waits for a token callback in progress.
        let client = new_client(|owner| {
            let provider = Arc::new(CallbackTokenProvider::new(callback, user_data, owner));
            let credential = if aad {
                Credential::AadTokenProvider(provider)
            } else {
                Credential::AccessTokenProvider(provider)
            };
            Ok(ClientConfig::from_json_with_credential(text, credential)?)
        })?;
        write_out(out_client, Box::into_raw(client));
        Ok(())
    })
}

/// Closes a client: cancels every operation of it (blocking calls in other threads return
/// ARR_STATUS_CANCELLED; async callbacks run with ARR_STATUS_CANCELLED unless they had finished; a keeper
/// ends with its last call, ARR_STATUS_CANCELLED) and waits for their callbacks; then, with
/// `"stopOwnedSessionsOnClose": true`, waits for creates still at the service (a service carries out a
/// create it accepted, so its outcome decides whether there is a session to stop) and stops every session
/// the client owns, all within `closeTimeoutMs` (default 10 s). From then on every call on the client
/// returns ARR_STATUS_CLOSED, and no callback of it (token callbacks included) starts. Called again, or
/// while another thread closes the client (`arr_shutdown` included), it waits for that close and returns
/// ARR_STATUS_OK. `arr_client_free` calls it when it was not called.
///
/// From inside callbacks: it may be called from any library callback (of this client or another; a
/// session, conversion, keeper, token or log callback), by many threads at once, and it returns. It never
/// waits for what would wait for the calling thread: the callback it is called from, and a callback running
/// on a thread that is itself in `arr_client_close`, `arr_client_free` or `arr_shutdown` waiting, directly
/// or through others, for the calling thread (two callbacks closing each other's clients); nor for a close
/// whose stop-on-close asked the calling token callback for a token (that close goes on, and stops the
/// sessions, when the callback returns). Those callbacks may still be running when it returns, and a keeper whose event callback that is makes its last call
/// (ARR_STATUS_CANCELLED) right after that callback returns; nothing else of the client runs afterwards.
///
/// Ownership: the client stays owned by the caller; release it with `arr_client_free`.
/// Thread-safety: any thread, a library callback included (see above), also while other threads are
/// inside blocking calls on the same client. A client inherited through `fork()` answers
/// ARR_STATUS_FORKED.
/// Blocking: yes, until the cancelled operations' callbacks have returned (except as above) and owned
/// sessions are stopped (if configured), at most about `closeTimeoutMs` for the latter.
///
/// # Safety
/// `client` must be NULL or a live client.
#[no_mangle]
pub unsafe extern "C" fn arr_client_close(client: *const ArrClient) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        let client = client_arg(client)?;
        if registry::lock().is_inherited(&client.owner) {
            return Err(registry::forked_error());
        }
        closing::close_client(&client.owner, false);
        Ok(())
    })
}

/// Frees a client, closing it first if it was not closed (see `arr_client_close`, whose rules for calls
/// from inside callbacks apply here too). No callback of the client runs after this returns, except the
/// ones `arr_client_close` names. `arr_client_free(NULL)` does nothing. A client inherited from the
/// parent process through `fork()` is freed without touching anything the parent still uses (its
/// connections and threads are the parent's).
///
/// Ownership: takes back the client; do not use it afterwards (no other thread may be using it).
/// Thread-safety: any thread, a library callback included, but only once per client.
/// Blocking: as `arr_client_close`.
///
/// # Safety
/// `client` must be NULL or a pointer from `arr_client_new*` not freed before.
#[no_mangle]
pub unsafe extern "C" fn arr_client_free(client: *mut ArrClient) {
    guard_void(|| {
        if client.is_null() {
            return;
        }
        // SAFETY: a pointer from arr_client_new* not freed before (this function's contract).
        let client = unsafe { Box::from_raw(client) };
        if registry::lock().is_inherited(&client.owner) {
            // Dropping it would deregister sockets from the parent's epoll instance, which the child shares.
            let ArrClient { client, .. } = *client;
            crate::engine::fork::set_aside(client);
            return;
        }
        closing::close_client(&client.owner, true);
        drop(client);
    });
}

/// Cancels an operation started by one of the client's `_async` functions. Its callback then runs with
/// ARR_STATUS_CANCELLED (unless it had already finished). Returns ARR_STATUS_NOT_FOUND if the operation
/// is not in flight (already finished, or of another client); ARR_STATUS_CLOSED once the client is being
/// closed or is closed (its operations are cancelled by that close), ARR_STATUS_SHUTDOWN for a client
/// created before `arr_shutdown`. Cancelling a wait stops waiting only; the
/// session keeps running.
///
/// Ownership: nothing changes hands.
/// Thread-safety: any thread.
/// Blocking: no.
///
/// # Safety
/// `client` must be NULL or a live client.
#[no_mangle]
pub unsafe extern "C" fn arr_client_cancel(client: *const ArrClient, operation_id: u64) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        let client = client_arg(client)?;
        // A closed client (or one of an earlier generation, or inherited) says so, whatever the id.
        registry::lock().admit(&client.owner, Kind::Call)?;
        if registry::cancel(client.owner.id, operation_id) {
            Ok(())
        } else {
            Err(FfiError::new(
                ArrStatus::NotFound,
                format!("operation_id: {operation_id} is not in flight"),
            ))
        }
    })
}
