"""``RenderingSessionPoller``: the long-running "start a session" operation of the sync client, shaped like
azure-core's ``LROPoller[RenderingSession]``.

The session is created (or looked up) first; the poller then waits for Ready through
``arr_client_wait_until_ready_async``, so the library polls on its own threads and the caller's thread only
blocks inside ``result()`` / ``wait()``. The poller holds its client, so a client that is no longer referenced
elsewhere stays open until the wait has ended.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Generic, List, Optional, TypeVar, Union

from . import _ffi
from ._base import ClientBase
from ._ffi import lib
from ._native import NativeFunction
from ._abi import STATUS_OK
from ._response import RawResponse
from .exceptions import ArrError, AssetConversionFailedError, SessionEndedError, error_from_json
from .models import AssetConversion, AssetConversionStatus, RenderingSession, RenderingSessionStatus


_log = logging.getLogger("arr_session")

_T = TypeVar("_T", RenderingSession, AssetConversion)


class _NativeWaitPoller(Generic[_T]):
    """What both pollers share: the library waits (an ``_async`` wait function, on its own threads) and
    calls ``_finish`` once; the caller's thread only blocks inside ``result()`` / ``wait()``. The poller
    holds its client, so a client no longer referenced elsewhere stays open until the wait has ended."""

    _function: NativeFunction  # the library's _async wait function
    _what: str  # "session" / "conversion", for messages

    def __init__(self, client: ClientBase, value: _T, wait_options: Optional[bytes]) -> None:
        self._owner = client  # keeps the client (and its native handle) open while this poller lives
        self._value: _T = value
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._error: Optional[ArrError] = None
        self._callbacks: List[Callable[[Any], None]] = []
        self._operation_id = client._client().start(
            self._function, _ffi.encode(value.id), wait_options, handler=self._finish
        )

    def _read(self, status: int, text: Optional[str], response: Optional[RawResponse]) -> None:
        """Takes the wait's outcome into ``_value`` / ``_error``."""
        raise TypeError("a _NativeWaitPoller subclass reads its own outcome")

    def _finish(self, status: int, text: Optional[str], response: Optional[str]) -> None:  # on a library thread
        try:
            self._read(status, text, RawResponse.from_json(response))
        except BaseException as error:  # noqa: BLE001 - the waiter gets it instead of a hang
            self._error = ArrError(f"cannot read the wait's result: {error!r}")
            self._error.__cause__ = error
        finally:
            with self._lock:
                self._done.set()
                callbacks, self._callbacks = self._callbacks, []
            for callback in callbacks:
                self._run_callback(callback)

    def _run_callback(self, callback: Callable[[Any], None]) -> None:
        try:
            callback(self)
        except Exception:
            _log.exception("arr_session: a %s done callback raised", type(self).__name__)

    def done(self) -> bool:
        return self._done.is_set()

    def continuation_token(self) -> str:
        return self._owner._continuation_token(self._value.id)

    def wait(self, timeout: Optional[float] = None) -> None:
        """Waits until done (or ``timeout`` seconds); never raises the operation's error."""
        self._done.wait(timeout)

    def result(self, timeout: Optional[float] = None) -> _T:
        if not self._done.wait(timeout):
            raise TimeoutError(f"{self._what} {self._value.id} has not finished after {timeout} s (still waiting)")
        if self._error is not None:
            raise self._error
        return self._value

    def cancel(self) -> bool:
        """Stops waiting (never stops the session or the conversion). False if the wait had already ended."""
        native = self._owner._native
        return native.cancel(self._operation_id) if native is not None else False

    def add_done_callback(self, callback: Callable[[Any], None]) -> None:
        if not callable(callback):
            raise TypeError("callback must be callable")
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        self._run_callback(callback)

    def remove_done_callback(self, callback: Callable[[Any], None]) -> None:
        with self._lock:
            if self._done.is_set():
                raise ValueError("Process is complete.")
            self._callbacks = [c for c in self._callbacks if c is not callback]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._value.id} status={str(self._value.status)!r} done={self.done()}>"


class RenderingSessionPoller(_NativeWaitPoller[RenderingSession]):
    """Waits for a session to become Ready.

    - ``result(timeout=None)``: the Ready session; raises the failure (``SessionEndedError``, an
      ``HttpResponseError``, if the session reached Error/Expired/Stopped; ``ArrTimeoutError`` if the wait's
      own timeout passed; ``ArrCancelledError`` after ``cancel()`` or ``client.close()``). If ``timeout``
      seconds pass first, raises the built-in ``TimeoutError`` and keeps waiting.
    - ``status()``: the last known session status; ``done()``; ``wait(timeout=None)``.
    - ``continuation_token()``: for ``client.get_rendering_session_poller(continuation_token=...)``.
    - ``cancel()`` (ours): stops *waiting*. The session keeps running (and billing): stop it with
      ``client.stop_rendering_session(poller.session_id)``.
    - ``add_done_callback(fn)``: ``fn(poller)`` runs once when done, on a library thread (or at once if done).
      It must not make blocking client calls there; an exception it raises is logged on ``arr_session``.
    """

    _function = lib.arr_client_wait_until_ready_async
    _what = "session"

    @property
    def session_id(self) -> str:
        return self._value.id

    @property
    def session(self) -> RenderingSession:
        """The session as last seen: as created until the wait ends, then as it ended."""
        return self._value

    def _read(self, status: int, text: Optional[str], response: Optional[RawResponse]) -> None:
        if status == STATUS_OK:
            self._value = RenderingSession.from_json(text, response)
        else:
            self._error = error_from_json(_ffi.status_name(status), text)
            if isinstance(self._error, SessionEndedError) and self._error.session is not None:
                self._value = self._error.session

    def status(self) -> Union[RenderingSessionStatus, str]:
        return self._value.status


class AssetConversionPoller(_NativeWaitPoller[AssetConversion]):
    """Waits for a conversion to end, shaped like azure-core's ``LROPoller[AssetConversion]``.

    The library waits (``arr_client_wait_for_conversion_async``, on its own threads); nothing polls in Python.

    - ``result(timeout=None)``: the conversion in its final state, Succeeded (``output.asset_uri``) or
      Cancelled. A conversion that ended Failed raises ``AssetConversionFailedError``, an
      ``HttpResponseError`` whose ``error`` is the conversion's (``code``, ``message``) and whose
      ``conversion`` is the conversion, as Microsoft's poller raises (``poller.conversion`` has it too). It also
      raises when the *wait* failed (``ArrTimeoutError`` for the wait's own ``timeout``, ``ArrCancelledError``
      after ``cancel()`` or ``client.close()``, an ``HttpResponseError`` if the service kept failing). If
      ``timeout`` seconds pass first, raises the built-in ``TimeoutError`` and keeps waiting.
    - ``status()``: the last known conversion status; ``done()``; ``wait(timeout=None)``.
    - ``continuation_token()``: for ``client.get_asset_conversion_poller(continuation_token=...)``.
    - ``cancel()`` (ours): stops *waiting*; the conversion carries on.
    - ``add_done_callback(fn)``: ``fn(poller)`` runs once when done, on a library thread (or at once if done).
    """

    _function = lib.arr_client_wait_for_conversion_async
    _what = "conversion"

    @property
    def conversion_id(self) -> str:
        return self._value.id

    @property
    def conversion(self) -> AssetConversion:
        """The conversion as last seen: as created until the wait ends, then in its final state."""
        return self._value

    def _read(self, status: int, text: Optional[str], response: Optional[RawResponse]) -> None:
        if status == STATUS_OK:
            self._value = AssetConversion.from_json(text, response)
            if self._value.status == AssetConversionStatus.FAILED:
                self._error = AssetConversionFailedError(self._value)
        else:
            self._error = error_from_json(_ffi.status_name(status), text)

    def status(self) -> Union[AssetConversionStatus, str]:
        return self._value.status
