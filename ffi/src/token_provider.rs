//! Host-supplied tokens: the library asks through a callback; the host answers, now or later, through
//! `arr_token_request_complete` or `arr_token_request_fail`.

use std::ffi::{c_char, c_void};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::oneshot;

use super::error::{guard, FfiError};
use super::host_ptr::HostPtr;
use super::status::ArrStatus;
use super::strings::str_arg;
use crate::engine::callback_threads;
use crate::engine::delivery;
use crate::engine::registry::{self, Kind, Owner};
use arr_session::Secret;
use arr_session::TokenProvider;
use arr_session::{Error, ErrorKind, Result};

/// How long the library waits for the host to answer a token request.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// What the tokens returned by a token callback are.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrTokenKind {
    /// Mixed Reality access tokens, used as they are.
    AccessToken = 0,
    /// Microsoft Entra ID (AAD) tokens for the Mixed Reality STS, exchanged there for access tokens.
    Aad = 1,
}

/// A pending request for a token. Answer it exactly once with `arr_token_request_complete` or
/// `arr_token_request_fail`, from any thread, during or after the callback.
pub struct ArrTokenRequest {
    answer: oneshot::Sender<std::result::Result<String, String>>,
}

/// Asks the host for a token: `request` must be answered exactly once (within 60 s).
pub type ArrTokenCallback = Option<unsafe extern "C" fn(user_data: *mut c_void, request: *mut ArrTokenRequest)>;

type TokenFn = unsafe extern "C" fn(*mut c_void, *mut ArrTokenRequest);

pub(crate) struct CallbackTokenProvider {
    callback: TokenFn,
    user_data: HostPtr<c_void>,
    /// The client it serves, so that its callbacks count as that client's operations.
    owner: Owner,
}

impl CallbackTokenProvider {
    pub fn new(callback: TokenFn, user_data: *mut c_void, owner: Owner) -> CallbackTokenProvider {
        CallbackTokenProvider {
            callback,
            user_data: HostPtr::new(user_data),
            owner,
        }
    }
}

impl TokenProvider for CallbackTokenProvider {
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<Secret>> + Send + '_>> {
        Box::pin(async move {
            // Registered as an operation of the client until the callback returns, so that freeing the
            // client (or arr_shutdown) waits for it: no callback runs after those return.
            let (registration, _, _) = registry::lock()
                .begin(&self.owner, Kind::HostCallback)
                .map_err(|_| Error::new(ErrorKind::Cancelled, "the client was freed or the library shut down"))?;
            let (sender, receiver) = oneshot::channel();
            let request = HostPtr::new(Box::into_raw(Box::new(ArrTokenRequest { answer: sender })));
            let (callback, user_data) = (self.callback, self.user_data);
            let (asked_sender, asked) = oneshot::channel::<()>();
            // Host code runs on a callback thread, never on a worker.
            callback_threads::run(Box::new(move || {
                // Recorded as this registration's callback, so a close or shutdown called from inside it
                // does not wait for itself.
                // SAFETY: the host registered this callback as callable from any thread; the request is
                // the host's to answer (and free) exactly once.
                delivery::as_callback(Some(registration.id()), || unsafe {
                    callback(user_data.get(), request.get())
                });
                drop(registration);
                let _ = asked_sender.send(());
            }));
            if asked.await.is_err() {
                return Err(Error::new(ErrorKind::Unauthorized, "the token callback failed"));
            }
            match tokio::time::timeout(ANSWER_TIMEOUT, receiver).await {
                Ok(Ok(Ok(token))) => Ok(Secret::new(token)),
                Ok(Ok(Err(message))) => Err(Error::new(
                    ErrorKind::Unauthorized,
                    format!("the token callback failed: {message}"),
                )),
                Ok(Err(_)) => Err(Error::new(
                    ErrorKind::Unauthorized,
                    "the token request was dropped unanswered",
                )),
                Err(_) => Err(Error::new(
                    ErrorKind::Timeout,
                    "the token callback did not answer within 60 s",
                )),
            }
        })
    }
}

/// Answers a token request with a token. Surrounding whitespace is trimmed; a token holding any other
/// character that cannot go into an HTTP header is refused with ARR_STATUS_INVALID_ARGUMENT (naming
/// `token`), and the operation that needed it fails with that error; nothing is sent.
///
/// Ownership: consumes `request` (even on failure); `token` is borrowed for the call.
/// Thread-safety: any thread.
/// Blocking: no.
///
/// # Safety
/// `request` must be NULL or a request from the token callback that was not answered before.
#[no_mangle]
pub unsafe extern "C" fn arr_token_request_complete(request: *mut ArrTokenRequest, token: *const c_char) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        if request.is_null() {
            return Err(FfiError::null_argument("request"));
        }
        let request = Box::from_raw(request);
        let checked =
            str_arg(token, "token").and_then(|t| arr_session::Secret::checked(t, "token").map_err(FfiError::from));
        match checked {
            Ok(token) => {
                let _ = request.answer.send(Ok(token.expose().to_owned()));
                Ok(())
            }
            Err(e) => {
                let _ = request
                    .answer
                    .send(Err(format!("the token was refused: {}", e.message())));
                Err(e)
            }
        }
    })
}

/// Answers a token request with a failure; the operation that needed the token fails with
/// ARR_STATUS_UNAUTHORIZED and `message` in its error.
///
/// Ownership: consumes `request`; `message` is borrowed (may be NULL).
/// Thread-safety: any thread.
/// Blocking: no.
///
/// # Safety
/// `request` must be NULL or a request from the token callback that was not answered before.
#[no_mangle]
pub unsafe extern "C" fn arr_token_request_fail(request: *mut ArrTokenRequest, message: *const c_char) -> ArrStatus {
    // SAFETY: the caller keeps this function's contract: every pointer is NULL or valid for the call.
    guard(|| unsafe {
        if request.is_null() {
            return Err(FfiError::null_argument("request"));
        }
        let request = Box::from_raw(request);
        let message = if message.is_null() {
            "no reason given".to_owned()
        } else {
            str_arg(message, "message")?.to_owned()
        };
        let _ = request.answer.send(Err(message));
        Ok(())
    })
}
