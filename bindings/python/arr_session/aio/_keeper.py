"""``AsyncRenderingSessionKeeper``: the library's lease keeper for asyncio (``async with`` / ``async for``), of
one session or of several.

The library's event callback (on a library thread) hands each event to the event loop with
``loop.call_soon_threadsafe``, which keeps their order; nothing blocks there. If the loop is closed while the
keeper runs (nobody can read its events any more), the keeper is cancelled: the lease stays as it is.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional, Tuple

from .._abi import STATUS_OK
from .._keeper import KeeperBase, KeeperState, start_keeper
from ..models import KeepEvent
from ._base import AsyncClientBase

_log = logging.getLogger("arr_session")
_Call = Tuple[int, Optional[str]]


class AsyncRenderingSessionKeeper(KeeperBase):
    """Keeps sessions' leases alive; ``client.keep_rendering_session(...)`` and ``keep_rendering_sessions(...)``
    of the asyncio client.

    ``async with`` it and ``async for`` its :class:`~arr_session.KeepEvent` events: the iteration ends as the
    sync keeper's does (once no kept session is left; a keeper of one session raises its ``failed`` event's
    exception), or raises the error that stopped the keeper. Leaving the ``async with`` block (or
    ``await close()``, or ``cancel()``) stops the keeper and leaves the lease as it is.
    """

    def __init__(self, client: AsyncClientBase, session_ids: Any, options: Optional[bytes], *, many: bool) -> None:
        loop = client.running_loop()
        self._owner = client  # keeps the client open while the keeper runs
        self._loop = loop
        self._queue: "asyncio.Queue[_Call]" = asyncio.Queue()
        self._done = asyncio.Event()
        kept, self._operation = start_keeper(client, session_ids, options, many, self._on_call)
        self._state = KeeperState(kept)

    def _on_call(self, status: int, text: Optional[str]) -> None:  # on a library thread
        try:
            self._loop.call_soon_threadsafe(self._deliver, (status, text))
        except RuntimeError:
            if not self._loop.is_closed():
                raise
            # Nobody can read the events any more: stop renewing (the lease stays as it is).
            _log.debug("arr_session: keeper of %s stopped: its event loop was closed", self._state.session_ids)
            if status == STATUS_OK:
                self.cancel()

    def _deliver(self, call: _Call) -> None:  # on the event loop
        self._queue.put_nowait(call)
        if call[0] != STATUS_OK:
            self._done.set()

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
        return f"<AsyncRenderingSessionKeeper {', '.join(self._state.session_ids)} done={self.done()}>"
