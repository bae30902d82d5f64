"""``RenderingSessionKeeper``: the library's lease keeper (``arr_client_keep_session``) as a context manager
and an iterator of :class:`~arr_session.KeepEvent`.

The library renews the lease, caps it, warns and notices the end on its own threads. Its event callback only
puts each event on a queue (it never blocks, and holds the GIL only for that); the consumer's thread takes
them from the queue while it iterates. The callback's registry entry, which holds this keeper, lives until
the library's last call.
"""

from __future__ import annotations

import json
import queue
import threading
from typing import TYPE_CHECKING, Any, Optional, Tuple

from . import _ffi
from ._native import failed_event_error, session_id_arg
from .exceptions import ArrCancelledError, ArrError, error_from_json
from .models import KeepEvent, KeepEventKind

if TYPE_CHECKING:  # pragma: no cover
    from ._client import RemoteRenderingClient

_Call = Tuple[int, Optional[str], bool]


class KeeperState:
    """What the sync and asyncio keepers share: turning the library's calls into events, an end or an error."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        #: The last event delivered to the consumer.
        self.last_event: Optional[KeepEvent] = None
        #: Why the keeper ended in error (also raised by the iteration), or None.
        self.error: Optional[ArrError] = None
        self._failed: Optional[KeepEvent] = None
        self._cancel_requested = False
        self._finished = False

    def consume(self, call: _Call) -> Optional[KeepEvent]:
        """An event, or None at the end; raises the error that ended the keeper."""
        status, text, last = call
        if not last:
            event = KeepEvent.from_json_text(text)
            if event.kind == KeepEventKind.FAILED:
                self._failed = event
            self.last_event = event
            return event
        self._finished = True
        if status == _ffi.OK:
            if self._failed is not None:
                raw = failed_event_error(self._failed.raw)
                self.error = error_from_json(str(raw["status"]), json.dumps(raw))
                raise self.error
            return None
        error = error_from_json(_ffi.status_name(status), text)
        if isinstance(error, ArrCancelledError) and self._cancel_requested:
            return None  # cancelled by us (cancel() or leaving the with block): a quiet end
        self.error = error
        raise error

    def after_end(self) -> None:
        """Iterating again after the end: raise the error again, or stop."""
        if self.error is not None:
            raise self.error


class RenderingSessionKeeper:
    """Keeps a session's lease alive while it is in use; see ``RemoteRenderingClient.keep_rendering_session``.

    - Iterate it for its events (:class:`~arr_session.KeepEvent`). The iteration ends after the session
      ended (event ``ended``), or raises the error that stopped the keeper (after a ``failed`` event, the
      exception of that failure: ``ResourceNotFoundError``, ``ClientAuthenticationError``, ...). It blocks
      between events (Ctrl-C interrupts it).
    - Leaving the ``with`` block, ``close()`` or ``cancel()`` stops the keeper: the lease stays as it is (the
      session is not stopped). Closing the client stops it too (the iteration then raises
      ``ArrCancelledError``).
    - ``done()``: the library made its last call. ``error``, ``last_event``.

    Used without ``with``, it runs until the session ends, ``cancel()``/``close()``, or the client closes.
    """

    def __init__(self, client: "RemoteRenderingClient", session_id: str, options: Optional[bytes]) -> None:
        self._owner = client  # keeps the client (and its native handle) open while the keeper runs
        self._state = KeeperState(session_id)
        self._queue: "queue.SimpleQueue[_Call]" = queue.SimpleQueue()
        self._done = threading.Event()
        self._operation = client._client().start_stream(
            "arr_client_keep_session", session_id_arg(session_id), options, handler=self._on_call
        )

    def _on_call(self, status: int, text: Optional[str], last: bool) -> None:  # on a library thread
        self._queue.put((status, text, last))
        if last:
            self._done.set()

    @property
    def session_id(self) -> str:
        return self._state.session_id

    @property
    def error(self) -> Optional[ArrError]:
        return self._state.error

    @property
    def last_event(self) -> Optional[KeepEvent]:
        return self._state.last_event

    def done(self) -> bool:
        """True once the library made its last call (the keeper no longer runs)."""
        return self._done.is_set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until the keeper no longer runs (or ``timeout`` seconds); True if it ended."""
        return self._done.wait(timeout)

    def cancel(self) -> bool:
        """Stops the keeper without waiting; the lease stays as it is. False if it was no longer running."""
        self._state._cancel_requested = True
        native = self._owner._native
        return native.cancel(self._operation) if native is not None else False

    def close(self) -> None:
        """Stops the keeper and waits for the library's last call (the lease stays as it is)."""
        self.cancel()
        self._done.wait()

    def __enter__(self) -> "RenderingSessionKeeper":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __iter__(self) -> "RenderingSessionKeeper":
        return self

    def __next__(self) -> KeepEvent:
        if self._state._finished:
            self._state.after_end()
            raise StopIteration
        while True:
            try:
                call = self._queue.get(timeout=0.25)  # short waits, so Ctrl-C is seen
                break
            except queue.Empty:
                continue
        event = self._state.consume(call)
        if event is None:
            raise StopIteration
        return event

    def __repr__(self) -> str:
        return f"<RenderingSessionKeeper {self.session_id} done={self.done()}>"
