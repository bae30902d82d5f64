"""``AsyncRenderingSessionPager``: ``list_rendering_sessions()`` of the asyncio client, shaped like azure-core's
``AsyncItemPaged``. Use it as Microsoft's samples do (``pager = await client.list_rendering_sessions()`` then
``async for``) or directly (``async for session in client.list_rendering_sessions()``). Lazy: nothing is
requested until it is iterated."""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable, Generator, Iterator, List, Optional

from ..models import RenderingSession


class AsyncRenderingSessionPager:
    def __init__(self, fetch: Callable[[], Awaitable[List[RenderingSession]]]) -> None:
        self._fetch = fetch
        self._items: Optional[Iterator[RenderingSession]] = None

    def __await__(self) -> Generator[Any, None, "AsyncRenderingSessionPager"]:
        """``await client.list_rendering_sessions()`` gives the pager itself (as Microsoft's async client)."""
        if False:  # pragma: no cover - makes this a generator without suspending
            yield None
        return self

    def by_page(self, continuation_token: Optional[str] = None) -> AsyncIterator[AsyncIterator[RenderingSession]]:
        """An async iterator of pages (the library reads every page: there is one, holding every session)."""
        if continuation_token is not None:
            raise ValueError("the library reads every page at once: there is no continuation token to resume from")
        return self._pages()

    async def _pages(self) -> AsyncIterator[AsyncIterator[RenderingSession]]:
        yield _AsyncList(await self._fetch())

    def __aiter__(self) -> "AsyncRenderingSessionPager":
        return self

    async def __anext__(self) -> RenderingSession:
        if self._items is None:
            self._items = iter(await self._fetch())
        try:
            return next(self._items)
        except StopIteration:
            raise StopAsyncIteration from None

    def __repr__(self) -> str:
        return "<AsyncRenderingSessionPager>"


class _AsyncList:
    def __init__(self, items: List[RenderingSession]) -> None:
        self._items = iter(items)

    def __aiter__(self) -> "_AsyncList":
        return self

    async def __anext__(self) -> RenderingSession:
        try:
            return next(self._items)
        except StopIteration:
            raise StopAsyncIteration from None
