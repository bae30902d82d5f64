"""``AsyncRenderingSessionKeeper``: the library's lease keeper for asyncio (``async with`` / ``async for``).

The library's event callback (on a library thread) hands each event to the event loop with
``loop.call_soon_threadsafe``, which keeps their order; nothing blocks there. If the loop is closed while the
keeper runs (nobody can read its events any more), the keeper is cancelled: the lease stays as it is.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Optional, Tuple

from .._keeper import KeeperState
from .._native import session_id_arg
from ..exceptions import ArrError
from ..models import KeepEvent

if TYPE_CHECKING:  # pragma: no cover
    from ._client import RemoteRenderingClient

_log = logging.getLogger("arr_session")
_Call = Tuple[int, Optional[str], bool]


class AsyncRenderingSessionKeeper:
    """Keeps a session's lease alive; ``client.keep_rendering_session(...)`` of the asyncio client.

    ``async with`` it and ``async for`` its :class:`~arr_session.KeepEvent` events: the iteration ends after
    the session ended, or raises the error that stopped the keeper. Leaving the ``async with`` block (or
    ``await close()``, or ``cancel()``) stops the keeper and leaves the lease as it is.
    """

    def __init__(self, client: "RemoteRenderingClient", session_id: str, options: Optional[bytes]) -> None:
        loop = asyncio.get_running_loop()
        client._loop = loop
        self._owner = client  # keeps the client open while the keeper runs
        self._loop = loop
        self._state = KeeperState(session_id)
        self._queue: "asyncio.Queue[_Call]" = asyncio.Queue()
        self._done = asyncio.Event()
        self._operation: Optional[int] = None
        self._operation = client._client().start_stream(
            "arr_client_keep_session", session_id_arg(session_id), options, handler=self._on_call
        )

    def _on_call(self, status: int, text: Optional[str], last: bool) -> None:  # on a library thread
        try:
            self._loop.call_soon_threadsafe(self._deliver, (status, text, last))
        except RuntimeError:
            if not self._loop.is_closed():
                raise
            # Nobody can read the events any more: stop renewing (the lease stays as it is).
            _log.debug("arr_session: keeper of %s stopped: its event loop was closed", self.session_id)
            if not last:
                self.cancel()

    def _deliver(self, call: _Call) -> None:  # on the event loop
        self._queue.put_nowait(call)
        if call[2]:
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
        """True once the library's last call has reached the event loop."""
        return self._done.is_set()

    async def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until the keeper no longer runs (or ``timeout`` seconds); True if it ended."""
        try:
            await asyncio.wait_for(asyncio.shield(self._done.wait()), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def cancel(self) -> bool:
        """Stops the keeper without waiting; the lease stays as it is. False if it was no longer running."""
        self._state._cancel_requested = True
        native = self._owner._native
        if native is None or self._operation is None:
            return False
        return native.cancel(self._operation)

    async def close(self) -> None:
        """Stops the keeper and waits for the library's last call."""
        self.cancel()
        await self._done.wait()

    async def __aenter__(self) -> "AsyncRenderingSessionKeeper":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __aiter__(self) -> "AsyncRenderingSessionKeeper":
        return self

    async def __anext__(self) -> KeepEvent:
        if self._state._finished:
            self._state.after_end()
            raise StopAsyncIteration
        event = self._state.consume(await self._queue.get())
        if event is None:
            raise StopAsyncIteration
        return event

    def __repr__(self) -> str:
        return f"<AsyncRenderingSessionKeeper {self.session_id} done={self.done()}>"
