"""``arr_session.aio.RemoteRenderingClient``: the asyncio twin of the sync client; its operations are ``_api``'s,
each awaited through its ``_async`` form (``aio/_base``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable, Coroutine, Optional, TypeVar

from .. import _api
from .._base import keeping, method_like, paging
from .._operations import Call, Start
from ._base import AsyncClientBase
from ._keeper import AsyncRenderingSessionKeeper
from ._paging import AsyncAssetConversionPager, AsyncRenderingSessionPager
from ._polling import AsyncAssetConversionPoller, AsyncRenderingSessionPoller

T = TypeVar("T")
R = TypeVar("R")
if TYPE_CHECKING:  # pragma: no cover - typing only (ParamSpec is Python 3.10's; the package runs on 3.8)
    from typing import Concatenate, ParamSpec

    P = ParamSpec("P")


def awaiting(build: "Callable[P, Call[T]]") -> "Callable[Concatenate[RemoteRenderingClient, P], Coroutine[Any, Any, T]]":
    """The coroutine method that awaits the operation ``build`` (an ``_api`` function) describes; its
    arguments are checked when it is awaited, as an ``async def``'s."""

    async def method(self: RemoteRenderingClient, /, *args: "P.args", **kwargs: "P.kwargs") -> T:
        return await self._call(build(*args, **kwargs))

    return method_like(build, method)


def awaiting_poller(
    build: "Callable[P, Start[T]]", poller: "Callable[[RemoteRenderingClient, T, Optional[bytes]], R]"
) -> "Callable[Concatenate[RemoteRenderingClient, P], Coroutine[Any, Any, R]]":
    """The coroutine method that awaits a poller's first call (``build``'s) and returns ``poller`` waiting on
    its value."""

    async def method(self: RemoteRenderingClient, /, *args: "P.args", **kwargs: "P.kwargs") -> R:
        start = build(*args, **kwargs)
        return start.poller(poller, self, await self._call(start.first(self._id_from_token)))

    return method_like(build, method)


class RemoteRenderingClient(AsyncClientBase):
    """The asyncio form of :class:`arr_session.RemoteRenderingClient`: same arguments, same errors, the
    operations as coroutines. ``credential`` may also be an async credential (``azure.identity.aio``):
    its ``get_token`` is awaited on the event loop of the client's latest call.

    Use ``async with``, or ``await client.close()``. Every coroutine may be cancelled; the operation is then
    cancelled in the library too.
    """

    async def close(self) -> None:
        """Closes and frees the native client (idempotent, ``arr_client_close`` then ``arr_client_free``);
        operations in flight end with ``ArrCancelledError``, calls made afterwards raise ``RuntimeError``. With
        ``stop_owned_sessions_on_close=True`` the library also stops the sessions this client owns."""
        if self._native is not None and not self._native.closed:
            # arr_client_close blocks (stopping owned sessions, if configured): keep the loop free meanwhile.
            await asyncio.get_running_loop().run_in_executor(None, self._native.close)

    async def __aenter__(self) -> "RemoteRenderingClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    # -- the operations (``_api``'s, each documented there), as coroutines -----------------------------

    begin_rendering_session = awaiting_poller(_api.begin_rendering_session, AsyncRenderingSessionPoller)
    get_rendering_session_poller = awaiting_poller(_api.get_rendering_session_poller, AsyncRenderingSessionPoller)
    get_rendering_session = awaiting(_api.get_rendering_session)
    update_rendering_session = awaiting(_api.update_rendering_session)
    stop_rendering_session = awaiting(_api.stop_rendering_session)
    list_rendering_sessions = paging(_api.list_rendering_sessions, AsyncRenderingSessionPager)
    begin_asset_conversion = awaiting_poller(_api.begin_asset_conversion, AsyncAssetConversionPoller)
    get_asset_conversion_poller = awaiting_poller(_api.get_asset_conversion_poller, AsyncAssetConversionPoller)
    get_asset_conversion = awaiting(_api.get_asset_conversion)
    list_asset_conversions = paging(_api.list_asset_conversions, AsyncAssetConversionPager)
    create_rendering_session = awaiting(_api.create_rendering_session)
    extend_rendering_session = awaiting(_api.extend_rendering_session)
    keep_rendering_session = keeping(_api.keep_rendering_session, AsyncRenderingSessionKeeper)
    keep_rendering_sessions = keeping(_api.keep_rendering_sessions, AsyncRenderingSessionKeeper)
    stop_owned_rendering_sessions = awaiting(_api.stop_owned_rendering_sessions)
    wait_for_rendering_sessions = awaiting(_api.wait_for_rendering_sessions)
    lint_asset_conversion_input = awaiting(_api.lint_asset_conversion_input)
    get_asset_conversion_results = awaiting(_api.get_asset_conversion_results)
    list_rendering_session_costs = awaiting(_api.list_rendering_session_costs)
    create_rendering_session_with_fallback = awaiting(_api.create_rendering_session_with_fallback)
    get_access_token = awaiting(_api.get_access_token)

    def __repr__(self) -> str:
        return f"<arr_session.aio.RemoteRenderingClient {'closed' if self.closed else 'open'}>"
