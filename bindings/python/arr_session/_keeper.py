"""``RenderingSessionKeeper``: the library's lease keeper (``arr_client_keep_session`` for one session,
``arr_client_keep_sessions`` for several) as a context manager and an iterator of :class:`~arr_session.KeepEvent`.

The library renews the lease, caps it, warns and notices the end on its own threads. Its event callback only
puts each event on a queue (it never blocks, and holds the GIL only for that); the consumer's thread takes
them from the queue while it iterates. The callback's registry entry, which holds this keeper, lives until
the library's last call.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, List, Optional, Sequence, Tuple

from . import _decode, _ffi
from ._abi import STATUS_OK, STATUS_SESSION_ENDED
from ._args import session_id_arg, session_ids_arg
from ._base import ClientBase
from ._callbacks import StreamHandler
from ._ffi import lib
from .exceptions import ArrCancelledError, ArrError, error_from_json
from .models import KeepEvent

_Call = Tuple[int, Optional[str]]


def start_keeper(
    client: ClientBase, session_ids: Any, options: Optional[bytes], many: bool, handler: StreamHandler
) -> Tuple[List[str], int]:
    """Starts the library's keeper of one session (``many`` False: ``session_ids`` is that id) or of several;
    the ids kept and the operation id."""
    if many:
        ids = session_ids_arg(session_ids)
        kept = list(session_ids)
        return kept, client._client().start_stream(lib.arr_client_keep_sessions, ids, options, handler=handler)
    one = session_id_arg(session_ids)
    return [session_ids], client._client().start_stream(lib.arr_client_keep_session, one, options, handler=handler)


class KeeperState:
    """What the sync and asyncio keepers share: turning the library's calls into events, an end or an error.

    The library's rule: every event comes with ARR_STATUS_OK, and the first call with another status is the
    last. ARR_STATUS_SESSION_ENDED (no kept session left) is the normal end. A cancellation we asked for ends
    quietly; any other status raises its exception (for a keeper of one session, the failure of its
    ``failed`` event: the library ends that stream with it).
    """

    def __init__(self, session_ids: Sequence[str]) -> None:
        self.session_ids: List[str] = list(session_ids)
        #: The last event delivered to the consumer.
        self.last_event: Optional[KeepEvent] = None
        #: Why the keeper ended in error (also raised by the iteration), or None.
        self.error: Optional[ArrError] = None
        self._cancel_requested = False
        self._finished = False

    @property
    def session_id(self) -> Optional[str]:
        return self.session_ids[0] if len(self.session_ids) == 1 else None

    def consume(self, call: _Call) -> Optional[KeepEvent]:
        """An event, or None at the end; raises the error that ended the keeper."""
        status, text = call
        if status == STATUS_OK:
            event = _decode.keep_event(text)
            self.last_event = event
            return event
        self._finished = True
        if status == STATUS_SESSION_ENDED:
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


class KeeperBase:
    """What the sync and asyncio keepers say alike: what they keep, how they ended, and ``cancel()``."""

    _owner: ClientBase  # keeps the client (and its native handle) open while the keeper runs
    _operation: int
    _state: KeeperState

    @property
    def session_id(self) -> Optional[str]:
        """The kept session; None for a keeper of several (see ``session_ids``)."""
        return self._state.session_id

    @property
    def session_ids(self) -> List[str]:
        """The kept sessions, as given."""
        return list(self._state.session_ids)

    @property
    def error(self) -> Optional[ArrError]:
        """Why the keeper ended in error (also raised by the iteration), or None."""
        return self._state.error

    @property
    def last_event(self) -> Optional[KeepEvent]:
        """The last event delivered."""
        return self._state.last_event

    def cancel(self) -> bool:
        """Stops the keeper without waiting; the lease stays as it is. False if it was no longer running."""
        self._state._cancel_requested = True
        native = self._owner._native
        return native.cancel(self._operation) if native is not None else False


class RenderingSessionKeeper(KeeperBase):
    """Keeps sessions' leases alive while they are in use; see ``RemoteRenderingClient.keep_rendering_session``
    and ``keep_rendering_sessions``.

    - Iterate it for its events (:class:`~arr_session.KeepEvent`, each naming its session). The iteration
      ends once no kept session is left (each one ``ended`` or ``failed``, as its event said). A keeper of one
      session then raises the exception of its ``failed`` event (``ResourceNotFoundError``,
      ``ClientAuthenticationError``, ...); a keeper of several leaves that to the events' ``exception``.
      Another error that stopped the keeper is raised. It blocks between events (Ctrl-C interrupts it).
    - Leaving the ``with`` block, ``close()`` or ``cancel()`` stops the keeper: the lease stays as it is (the
      session is not stopped). Closing the client stops it too (the iteration then raises
      ``ArrCancelledError``).
    - ``done()``: the library made its last call. ``error``, ``last_event``.

    Used without ``with``, it runs until the session ends, ``cancel()``/``close()``, or the client closes.
    """

    def __init__(self, client: ClientBase, session_ids: Any, options: Optional[bytes], *, many: bool) -> None:
        self._owner = client  # keeps the client (and its native handle) open while the keeper runs
        self._queue: "queue.SimpleQueue[_Call]" = queue.SimpleQueue()
        self._done = threading.Event()
        kept, self._operation = start_keeper(client, session_ids, options, many, self._on_call)
        self._state = KeeperState(kept)

    def _on_call(self, status: int, text: Optional[str]) -> None:  # on a library thread
        self._queue.put((status, text))
        if status != STATUS_OK:
            self._done.set()

    def done(self) -> bool:
        """True once the library made its last call (the keeper no longer runs)."""
        return self._done.is_set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until the keeper no longer runs (or ``timeout`` seconds); True if it ended."""
        return self._done.wait(timeout)

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
        return f"<RenderingSessionKeeper {', '.join(self._state.session_ids)} done={self.done()}>"
