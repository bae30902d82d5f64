"""The native client handle shared by the sync and asyncio clients: one ``arr_client *``, the calls made with
it (each given the declared native function itself, from ``_ffi.lib``), and its close.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
import weakref
from typing import Any, Callable, Mapping, Optional, Tuple

from . import _callbacks, _closer, _ffi
from ._abi import STATUS_OK, TOKEN_KIND_AAD, TOKEN_KIND_ACCESS_TOKEN
from ._ffi import lib
from ._response import RawResponse
from .exceptions import error_from_json

#: A function of ``_ffi.lib`` (the generated ``Library``'s typed attributes).
NativeFunction = Callable[..., int]

TOKEN_KINDS = {"access_token": TOKEN_KIND_ACCESS_TOKEN, "aad": TOKEN_KIND_AAD}


class NativeClient:
    """Owns one ``arr_client *``. ``close()`` closes and frees it once; calls made after that raise
    ``RuntimeError``.

    ``close()`` first calls ``arr_client_close``, which may run while other threads are inside calls with
    the pointer: blocking calls in progress on other threads return ``ARR_STATUS_CANCELLED`` (they raise
    ``ArrCancelledError``), ``_async`` operations call back cancelled, and owned sessions are stopped if so
    configured. Calls are counted while they hold the pointer, so ``arr_client_free`` never runs while
    another thread is inside a call with it (the ABI forbids that): ``close()`` then waits for those calls
    to return, which they now do promptly.

    ``close_from_finalizer()`` is the finalizers' form: it never blocks and takes no lock (see ``_closer``).
    """

    def __init__(self, config: Mapping[str, Any], token_provider: Optional[_callbacks.Provider], token_kind: str) -> None:
        self._ptr: Optional[int] = None
        self._provider_id: Optional[int] = None
        self._busy = 0
        self._closed = False  # no new call takes the pointer
        self._close_started = False  # close() has begun (it runs once)
        # A plain lock guards _ptr, _busy and _closed (close_from_finalizer sets _closed without it: a finalizer
        # takes no lock). Calls take it on the way in and out, and notify _idle (what close() waits on) only
        # once the client is closing, so a call never pays for a Condition.
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a mapping, not {type(config).__name__}")
        if token_provider is not None and not callable(token_provider) and not isinstance(token_provider, _callbacks.AsyncProvider):
            raise TypeError("token_provider must be a callable returning a str")
        if token_kind not in TOKEN_KINDS:
            raise ValueError(f"token_kind must be one of {sorted(TOKEN_KINDS)}, not {token_kind!r}")
        _callbacks.sync_log_level()
        _closer.ensure_started()
        text = _ffi.encode(json.dumps(dict(config)))
        out = ctypes.c_void_p()
        if token_provider is None:
            status = lib.arr_client_new(text, ctypes.byref(out))
        else:
            self._provider_id = _callbacks.add_provider(token_provider)
            status = lib.arr_client_new_with_token_provider(
                text, TOKEN_KINDS[token_kind], _callbacks.ON_TOKEN, self._provider_id, ctypes.byref(out)
            )
        if status != STATUS_OK:
            error = error_from_json(_ffi.status_name(status), _ffi.last_error())
            if self._provider_id is not None:
                _callbacks.remove_provider(self._provider_id)
            raise error
        self._ptr = out.value
        _live.add(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def _reset_after_fork(self) -> None:
        """In a child after ``fork()``: the threads that held this lock or were inside calls are not there."""
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0

    def _enter(self) -> int:
        """Counts a call in and returns the pointer; pair it with ``_exit()`` in a ``finally``. (Plain
        try/finally rather than a generator @contextmanager: this is on the path of every call.)"""
        with self._lock:
            ptr = self._ptr
            if self._closed or ptr is None:
                raise RuntimeError("the RemoteRenderingClient is closed")
            self._busy += 1
        return ptr

    def _exit(self) -> None:
        with self._lock:
            self._busy -= 1
            if self._closed and not self._busy:
                self._idle.notify_all()  # close() is waiting for the last call in flight

    def call(self, function: NativeFunction, *args: Any) -> Optional[str]:
        """A blocking ABI call whose last argument is a ``char **`` out-string: the decoded string, freed."""
        return self.call_with_response(function, *args)[0]

    def call_with_response(self, function: NativeFunction, *args: Any) -> Tuple[Optional[str], Optional[RawResponse]]:
        """As :meth:`call`, with the service's answer behind the result (``arr_last_response``, read on this
        thread right after the call), or None when it came from no single answer."""
        out = ctypes.c_void_p()
        ptr = self._enter()
        try:
            status = function(ptr, *args, ctypes.byref(out))
            if status != STATUS_OK:
                raise error_from_json(_ffi.status_name(status), _ffi.last_error())
            # Taken (and freed) first, so nothing that raises below leaks it; arr_string_free leaves
            # arr_last_response as it is.
            text = _ffi.take_string(out.value)
            response = RawResponse.from_json(_ffi.last_response())
        finally:
            self._exit()
        return text, response

    def call_no_out(self, function: NativeFunction, *args: Any) -> Optional[RawResponse]:
        """A blocking ABI call without an out-string; gives the service's answer behind it (or None)."""
        ptr = self._enter()
        try:
            status = function(ptr, *args)
            if status != STATUS_OK:
                raise error_from_json(_ffi.status_name(status), _ffi.last_error())
            return RawResponse.from_json(_ffi.last_response())
        finally:
            self._exit()

    def start(self, function: NativeFunction, *args: Any, handler: _callbacks.Handler) -> int:
        """Starts an ``_async`` call; ``handler(status, json, response)`` runs once on a library thread."""
        ptr = self._enter()
        try:
            return _callbacks.start(function, ptr, *args, handler=handler)
        finally:
            self._exit()

    def start_stream(self, function: NativeFunction, *args: Any, handler: _callbacks.StreamHandler) -> int:
        """Starts an operation that reports many events (``arr_client_keep_session(s)``); ``handler(status,
        json)`` runs on a library thread for each, one at a time: events with ARR_STATUS_OK, then the last call,
        the first with another status."""
        ptr = self._enter()
        try:
            return _callbacks.start_stream(function, ptr, *args, handler=handler)
        finally:
            self._exit()

    def cancel(self, operation_id: int) -> bool:
        """Cancels an operation; False if it was no longer in flight (or the client is closed)."""
        try:
            ptr = self._enter()
        except RuntimeError:
            return False
        try:
            return bool(lib.arr_client_cancel(ptr, operation_id) == STATUS_OK)
        finally:
            self._exit()

    def close_from_finalizer(self) -> None:
        """What a client's ``__del__`` does: refuses new calls at once and has the close and free done on the
        package's closing thread. Never blocks and takes no lock: a finalizer may run on an event loop's
        thread, a library thread, or while its own thread holds a lock."""
        if self._close_started or self._ptr is None:
            return
        self._closed = True
        _closer.submit(self)

    def close(self) -> None:
        with self._lock:
            if self._close_started:
                return
            self._close_started = True
            self._closed = True  # no new call takes the pointer from here on
            ptr = self._ptr
        if ptr is not None:
            # Interrupts the calls of other threads (and stops owned sessions, if configured); returns once
            # the callbacks of the cancelled operations have run.
            lib.arr_client_close(ptr)
        with self._lock:
            while self._busy:
                self._idle.wait()
            ptr, self._ptr = self._ptr, None
        lib.arr_client_free(ptr)  # nothing is left in flight; no callback runs after this returns
        if self._provider_id is not None:
            _callbacks.remove_provider(self._provider_id)


#: Every client of this process, for the reset after fork.
_live: "weakref.WeakSet[NativeClient]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for native in list(_live):
        native._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
