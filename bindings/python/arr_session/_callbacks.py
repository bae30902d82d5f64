"""The library's callbacks: one module-level ctypes function per signature, alive for the process.

Per-call state never travels through ``user_data`` as a Python object: ``user_data`` is a small integer
that keys a registry here, so a callback can never find a collected object, and nothing has to be kept
alive per call except the registry entry (removed when the callback has fired).

No exception may escape into ctypes (it would be printed and dropped): each callback catches everything
and forwards it, to the waiting side where there is one, and always to the ``arr_session`` logger.

After ``fork()``, the child gets a fresh lock, and the operations that were in flight in the parent end in
the child with ``ARR_STATUS_FORKED`` (the library never calls back for them there).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import itertools
import json
import logging
import os
import sys
import threading
import types
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple, Union

from . import _ffi
from ._abi import (
    CALLBACK,
    LOG_CALLBACK,
    LOG_LEVEL_DEBUG,
    LOG_LEVEL_ERROR,
    LOG_LEVEL_INFO,
    LOG_LEVEL_OFF,
    LOG_LEVEL_TRACE,
    LOG_LEVEL_WARN,
    STATUS_FORKED,
    STATUS_OK,
    TOKEN_CALLBACK,
)
from ._ffi import lib
from .exceptions import error_from_json

_log = logging.getLogger("arr_session")

#: Receives ``(status, json, response)`` of one ``_async`` call, on a library thread: ``response`` is the
#: ``arr_last_response`` JSON of a success (``{"httpStatus", "msCv"}``), read inside the callback, or None.
Handler = Callable[[int, Optional[str], Optional[str]], None]

# Re-entrant: the garbage collector may run a finalizer at any allocation, so while this lock is held, and a
# finalizer may take it again (a client closed in an application's __del__ forgets its token provider).
_lock = threading.RLock()
_ids = itertools.count(1)
_pending: Dict[int, Handler] = {}


class AsyncProvider:
    """A token provider whose ``fetch()`` is a coroutine, run on the event loop ``loop()`` returns (the loop of
    the client's latest call); the request is answered when it finishes, without blocking a library thread."""

    def __init__(self, fetch: Callable[[], Awaitable[str]], loop: Callable[[], Optional[asyncio.AbstractEventLoop]]) -> None:
        self.fetch = fetch
        self.loop = loop


Provider = Union[Callable[[], str], AsyncProvider]
_providers: Dict[int, Provider] = {}


def _on_complete(user_data: Optional[int], status: int, json: Optional[bytes]) -> None:
    with _lock:
        handler = _pending.pop(user_data or 0, None)
    if handler is None:
        _log.error("arr_session: completion for an unknown operation (user_data=%r)", user_data)
        return
    try:
        # The service's answer behind a success is readable only here, inside this operation's callback.
        response = _ffi.last_response() if status == STATUS_OK else None
        handler(status, _ffi.decode(json), response)
    except BaseException:  # noqa: BLE001 - nothing may cross back into ctypes
        _log.exception("arr_session: an exception was raised while delivering an operation's result")


ON_COMPLETE = CALLBACK(_on_complete)


def start(function: Callable[..., int], client: int, *args: object, handler: Handler) -> int:
    """Calls an ``arr_client_*_async`` function with ``handler`` as its completion; returns the operation id.

    A refused start (bad argument, shutdown) raises at once and ``handler`` is never called.
    """
    return _start_registered(_pending, handler, ON_COMPLETE, function, client, args)


def _start_registered(
    registry: Dict[int, Any], handler: Any, callback: Any, function: Callable[..., int], client: int,
    args: Tuple[object, ...],
) -> int:
    """The one rule for starting an operation whose callbacks find ``handler`` in ``registry`` by the user data:
    it is registered before the call, and removed again when the start is refused (no callback follows a
    refused start, which raises); after a start, the last callback removes it."""
    with _lock:
        token = next(_ids)
        registry[token] = handler
    operation = ctypes.c_uint64(0)
    status = function(client, *args, callback, token, ctypes.byref(operation))
    if status != STATUS_OK:
        with _lock:
            registry.pop(token, None)
        raise error_from_json(_ffi.status_name(status), _ffi.last_error())
    return operation.value


# --- event streams (the lease keeper): many calls, then exactly one last call ---------------------------

#: Receives ``(status, json)`` of each call of a stream, on a library thread, one at a time. Every event comes
#: with ARR_STATUS_OK; the first call with another status is the last.
StreamHandler = Callable[[int, Optional[str]], None]
_streams: Dict[int, StreamHandler] = {}


def _on_event(user_data: Optional[int], status: int, json: Optional[bytes]) -> None:
    try:
        text = _ffi.decode(json)
        last = status != STATUS_OK
        with _lock:
            # The entry (and so the handler and what it holds) lives until the last call, not longer.
            handler = _streams.pop(user_data or 0, None) if last else _streams.get(user_data or 0)
        if handler is None:
            _log.error("arr_session: an event for an unknown operation (user_data=%r)", user_data)
            return
        handler(status, text)
    except BaseException:  # noqa: BLE001 - nothing may cross back into ctypes
        _log.exception("arr_session: an exception was raised while delivering an event")


ON_EVENT = CALLBACK(_on_event)


def start_stream(function: Callable[..., int], client: int, *args: object, handler: StreamHandler) -> int:
    """Calls a function taking ``(..., event_callback, user_data, &operation_id)`` (``arr_client_keep_session``)
    with ``handler`` for its events; returns the operation id. A refused start raises, and ``handler`` is
    never called."""
    return _start_registered(_streams, handler, ON_EVENT, function, client, args)


def stream_count() -> int:
    """How many event streams have not had their last call yet (for tests and diagnostics)."""
    with _lock:
        return len(_streams)


def pending_count() -> int:
    """How many completions have not fired yet (for tests and diagnostics)."""
    with _lock:
        return len(_pending)


# --- log lines ---------------------------------------------------------------------------------------

TRACE = 5  # below logging.DEBUG; library TRACE lines are logged at this level
_PY_LEVELS = {LOG_LEVEL_ERROR: logging.ERROR, LOG_LEVEL_WARN: logging.WARNING, LOG_LEVEL_INFO: logging.INFO,
              LOG_LEVEL_DEBUG: logging.DEBUG, LOG_LEVEL_TRACE: TRACE}


def _on_log(_user_data: Optional[int], level: int, target: Optional[bytes], message: Optional[bytes]) -> None:
    try:
        name = (target or b"arr_session").decode("utf-8", "replace").replace("::", ".")
        if not name.startswith("arr_session"):
            name = "arr_session." + name
        text = (message or b"").decode("utf-8", "replace")
        logging.getLogger(name).log(_PY_LEVELS.get(level, logging.INFO), "%s", text)
    except BaseException:  # noqa: BLE001 - a failing handler must not take the library thread down
        _report_unraisable("arr_session: exception while routing a log line to logging")


ON_LOG = LOG_CALLBACK(_on_log)


def _report_unraisable(message: str) -> None:
    exc_type, exc, tb = sys.exc_info()
    sys.unraisablehook(
        types.SimpleNamespace(exc_type=exc_type, exc_value=exc, exc_traceback=tb, err_msg=message, object=None)
    )


def arr_level_for(py_level: int) -> int:
    """The ``arr_log_level`` that lets through what a logger at ``py_level`` would emit."""
    if py_level <= TRACE:
        return LOG_LEVEL_TRACE
    if py_level <= logging.DEBUG:
        return LOG_LEVEL_DEBUG
    if py_level <= logging.INFO:
        return LOG_LEVEL_INFO
    if py_level <= logging.WARNING:
        return LOG_LEVEL_WARN
    if py_level <= logging.CRITICAL:
        return LOG_LEVEL_ERROR
    return LOG_LEVEL_OFF


def sync_log_level() -> int:
    """Points the library's log filter at the ``arr_session`` logger's effective level; returns it."""
    logger = logging.getLogger("arr_session")
    level = LOG_LEVEL_OFF if logger.disabled else arr_level_for(logger.getEffectiveLevel())
    lib.arr_set_log_callback(ON_LOG, None, level)
    return level


# --- token providers ---------------------------------------------------------------------------------


def _fail_token(request: Optional[int], error: BaseException) -> None:
    _log.error("arr_session: the credential's get_token raised", exc_info=error)
    text = f"{type(error).__name__}: {error}"
    lib.arr_token_request_fail(request, text.encode("utf-8", "replace").replace(b"\0", b" "))


def _answer_token(request: Optional[int], token: Any) -> None:
    try:
        if not isinstance(token, str):
            raise TypeError(f"the credential must give a str token, not {type(token).__name__}")
        data = _ffi.encode(token)
    except BaseException as error:  # noqa: BLE001 - forwarded: the operation fails with this text
        _fail_token(request, error)
        return
    lib.arr_token_request_complete(request, data)


def _on_token(user_data: Optional[int], request: Optional[int]) -> None:
    with _lock:
        provider = _providers.get(user_data or 0)
    try:
        if provider is None:
            raise RuntimeError("the client's credential is gone")
        if isinstance(provider, AsyncProvider):
            _start_async_token(provider, request)
            return
        token = provider()
    except BaseException as error:  # noqa: BLE001 - forwarded: the operation fails with this text
        _fail_token(request, error)
        return
    _answer_token(request, token)


def _start_async_token(provider: AsyncProvider, request: Optional[int]) -> None:
    loop = provider.loop()
    if loop is None or loop.is_closed():
        raise RuntimeError("the async credential needs a running event loop (use the client inside asyncio)")

    async def fetch() -> str:
        return await provider.fetch()

    def done(future: "concurrent.futures.Future[str]") -> None:
        try:
            token = future.result()
        except BaseException as error:  # noqa: BLE001 - forwarded (cancelled included)
            _fail_token(request, error)
            return
        _answer_token(request, token)

    asyncio.run_coroutine_threadsafe(fetch(), loop).add_done_callback(done)


ON_TOKEN = TOKEN_CALLBACK(_on_token)


def add_provider(provider: Provider) -> int:
    with _lock:
        token = next(_ids)
        _providers[token] = provider
    return token


def remove_provider(token: int) -> None:
    with _lock:
        _providers.pop(token, None)


# --- fork --------------------------------------------------------------------------------------------

_FORKED_JSON = json.dumps({
    "status": "ARR_STATUS_FORKED",
    "message": "the operation was started in the parent process before fork(); it does not go on in this "
               "process (create a new client here)",
})


def _end_forked(handlers: "list[Handler]", streams: "list[StreamHandler]") -> None:
    for handler in handlers:
        try:
            handler(STATUS_FORKED, _FORKED_JSON, None)
        except BaseException:  # noqa: BLE001 - as in _on_complete
            _log.exception("arr_session: an exception was raised while ending an operation inherited across fork")
    for stream in streams:
        try:
            stream(STATUS_FORKED, _FORKED_JSON)
        except BaseException:  # noqa: BLE001 - as in _on_event
            _log.exception("arr_session: an exception was raised while ending a stream inherited across fork")


def _after_fork_in_child() -> None:
    # Another thread of the parent may have held the lock at the fork; it does not exist here. The operations
    # in flight are the parent's: their callbacks never come in this process, so end them here, on a thread of
    # their own (they run code of the application, as on a library thread).
    global _lock
    _lock = threading.RLock()
    handlers, streams = list(_pending.values()), list(_streams.values())
    _pending.clear()
    _streams.clear()
    if handlers or streams:
        threading.Thread(target=_end_forked, args=(handlers, streams), name="arr-session-forked", daemon=True).start()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
