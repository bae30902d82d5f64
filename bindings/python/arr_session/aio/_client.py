"""``AsyncRemoteRenderingClient``: the asyncio twin, built on the ``_async`` functions of the C ABI.

Each call registers a completion, starts the operation (which never blocks), and awaits a future that the
library's callback resolves through ``loop.call_soon_threadsafe``. Cancelling the awaiting task cancels the
operation (``arr_client_cancel``); cancelling a wait never stops the session.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, List, Optional, Sequence, TypeVar

from .. import _ffi
from .._base import ClientBase
from .._client import session_ids_arg
from .._native import (
    create_options,
    require_u32,
    session_id_arg,
    timeout_ms_arg,
    wait_options,
)
from ..exceptions import ArrError, SessionEndedError, error_from_json
from ..models import RenderingSession, SessionStopResult, SessionWaitResult

T = TypeVar("T")


def _settle(future: "asyncio.Future[T]", status: int, text: Optional[str], parse: Callable[[Optional[str]], T]) -> None:
    """Runs on the event loop: resolves the future (unless the awaiting task was cancelled)."""
    if future.done():
        return
    try:
        if status == _ffi.OK:
            future.set_result(parse(text))
        else:
            future.set_exception(error_from_json(_ffi.status_name(status), text))
    except BaseException as error:  # noqa: BLE001 - a failure to parse goes to the awaiting side
        if not future.done():
            future.set_exception(error)
        else:
            raise


def _session(text: Optional[str]) -> RenderingSession:
    return RenderingSession.from_dict(json.loads(text or "{}"))


class AsyncRemoteRenderingClient(ClientBase):
    """The asyncio form of :class:`arr_session.RemoteRenderingClient` (same arguments, same errors).

    Use ``async with``, or ``await client.close()``. Every coroutine may be cancelled; the operation is then
    cancelled in the library too.
    """

    async def close(self) -> None:
        """Closes and frees the native client (idempotent, ``arr_client_close`` then ``arr_client_free``);
        operations in flight end with ``ArrCancelledError``, calls made afterwards raise ``RuntimeError``. With
        ``stop_owned_sessions_on_close=True`` the library also stops the sessions this client owns."""
        if self._native is not None and not self._native.closed:
            # arr_client_free blocks (stopping owned sessions, if configured): keep the loop free meanwhile.
            await asyncio.get_running_loop().run_in_executor(None, self._native.close)

    @property
    def closed(self) -> bool:
        return self._native is None or self._native.closed

    async def __aenter__(self) -> "AsyncRemoteRenderingClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __del__(self) -> None:
        try:
            if self._native is not None:
                self._native.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _start(self, function_name: str, *args: Any, parse: Callable[[Optional[str]], T]) -> "tuple[asyncio.Future[T], int]":
        loop = asyncio.get_running_loop()
        future: "asyncio.Future[T]" = loop.create_future()

        def handler(status: int, text: Optional[str]) -> None:  # on a library thread; text is borrowed
            loop.call_soon_threadsafe(_settle, future, status, text, parse)

        operation = self._client().start(function_name, *args, handler=handler)
        return future, operation

    async def _run(self, function_name: str, *args: Any, parse: Callable[[Optional[str]], T]) -> T:
        future, operation = self._start(function_name, *args, parse=parse)
        try:
            return await future
        except asyncio.CancelledError:
            if self._native is not None:
                self._native.cancel(operation)
            raise

    # -- operations ------------------------------------------------------------------------------------

    async def create_session(
        self, *, size: str, lease_time_minutes: int, session_id: Optional[str] = None, owned: Optional[bool] = None
    ) -> RenderingSession:
        options = create_options(size, lease_time_minutes, session_id, owned)
        return await self._run("arr_client_create_session_async", options, parse=_session)

    async def begin_session(
        self,
        *,
        size: str,
        lease_time_minutes: int,
        session_id: Optional[str] = None,
        owned: Optional[bool] = None,
        timeout: Optional[float] = None,
        polling_interval: Optional[float] = None,
    ) -> "AsyncSessionPoller":
        """Creates a session and returns a poller waiting for it to be Ready (see :class:`AsyncSessionPoller`)."""
        options = wait_options(timeout, polling_interval)
        session = await self.create_session(size=size, lease_time_minutes=lease_time_minutes, session_id=session_id, owned=owned)
        try:
            return AsyncSessionPoller(self, session, options)
        except ArrError as error:
            # The wait options are checked by the library only when the wait starts, after the create
            # (see README, "Known gaps"): hand the running session to the caller instead of losing it.
            error.created_session = session
            raise

    async def get_session(self, session_id: str) -> RenderingSession:
        return await self._run("arr_client_get_session_async", session_id_arg(session_id), parse=_session)

    async def update_session(self, session_id: str, lease_time_minutes: int) -> RenderingSession:
        minutes = require_u32("lease_time_minutes", lease_time_minutes)
        return await self._run("arr_client_update_session_async", session_id_arg(session_id), minutes, parse=_session)

    async def extend_session(self, session_id: str, by_minutes: int) -> RenderingSession:
        minutes = require_u32("by_minutes", by_minutes)
        return await self._run("arr_client_extend_session_async", session_id_arg(session_id), minutes, parse=_session)

    async def stop_session(self, session_id: str) -> None:
        await self._run("arr_client_stop_session_async", session_id_arg(session_id), parse=lambda _: None)

    async def list_sessions(self) -> List[RenderingSession]:
        return await self._run(
            "arr_client_list_sessions_async",
            parse=lambda text: [RenderingSession.from_dict(item) for item in json.loads(text or "[]")],
        )

    def owned_sessions(self) -> List[str]:
        """The ids of the sessions this client owns (not blocking: no request is sent)."""
        return json.loads(self._client().call("arr_client_get_owned_sessions") or "[]")

    async def stop_owned_sessions(self, timeout: float = 10.0) -> List[SessionStopResult]:
        """Stops every session this client created (unless ``owned=False``) within ``timeout`` seconds."""
        return await self._run(
            "arr_client_stop_owned_sessions_async",
            timeout_ms_arg(timeout),
            parse=lambda text: [SessionStopResult.from_dict(item) for item in json.loads(text or "[]")],
        )

    async def get_access_token(self) -> str:
        return await self._run("arr_client_get_access_token_async", parse=lambda text: json.loads(text or "{}")["accessToken"])

    async def wait_until_ready(
        self, session_id: str, *, timeout: Optional[float] = None, polling_interval: Optional[float] = None
    ) -> RenderingSession:
        args = (session_id_arg(session_id), wait_options(timeout, polling_interval))
        return await self._run("arr_client_wait_until_ready_async", *args, parse=_session)

    async def wait_for_sessions(
        self, session_ids: Sequence[str], *, timeout: Optional[float] = None, polling_interval: Optional[float] = None
    ) -> List[SessionWaitResult]:
        args = (session_ids_arg(session_ids), wait_options(timeout, polling_interval))
        return await self._run(
            "arr_client_wait_for_sessions_async",
            *args,
            parse=lambda text: [SessionWaitResult.from_dict(item) for item in json.loads(text or "[]")],
        )

    def __repr__(self) -> str:
        return f"<AsyncRemoteRenderingClient {'closed' if self.closed else 'open'}>"


class AsyncSessionPoller:
    """Waits for a created session to become Ready, in the library (no Python polling).

    ``await poller.result()`` gives the Ready session or raises (``SessionEndedError``, ``ArrTimeoutError``,
    ``ArrCancelledError`` after ``cancel()``); ``status()`` is the last known session status; ``cancel()``
    stops waiting but never stops the session; ``done()``.
    """

    def __init__(self, client: AsyncRemoteRenderingClient, session: RenderingSession, options: Optional[bytes]) -> None:
        self._client = client
        self._session = session
        self._future, self._operation = client._start(
            "arr_client_wait_until_ready_async", _ffi.encode(session.id), options, parse=_session
        )
        self._future.add_done_callback(self._update)

    def _update(self, future: "asyncio.Future[RenderingSession]") -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            self._session = future.result()
        elif isinstance(error, SessionEndedError) and error.session is not None:
            self._session = error.session

    @property
    def session_id(self) -> str:
        return self._session.id

    @property
    def session(self) -> RenderingSession:
        return self._session

    def status(self) -> str:
        return self._session.status

    def done(self) -> bool:
        return self._future.done()

    def cancel(self) -> bool:
        """Stops waiting (never stops the session); ``result()`` then raises ``ArrCancelledError``."""
        native = self._client._native
        return native.cancel(self._operation) if native is not None else False

    async def result(self, timeout: Optional[float] = None) -> RenderingSession:
        """The Ready session. With ``timeout`` (seconds), raises ``asyncio.TimeoutError`` and keeps waiting."""
        return await asyncio.wait_for(asyncio.shield(self._future), timeout)

    def __repr__(self) -> str:
        return f"<AsyncSessionPoller {self.session_id} status={self.status()!r} done={self.done()}>"
