"""The pagers of the asyncio client, shaped like azure-core's ``AsyncItemPaged``: ``AsyncRenderingSessionPager``
(``list_rendering_sessions()``) and ``AsyncAssetConversionPager`` (``list_asset_conversions()``). Use them as
Microsoft's samples do (``pager = await client.list_rendering_sessions()`` then ``async for``) or directly
(``async for session in client.list_rendering_sessions()``). Lazy: nothing is requested until iterated."""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable, Generator, Generic, Iterator, List, Optional, TypeVar

from ..models import AssetConversion, RenderingSession

T = TypeVar("T")
P = TypeVar("P", bound="AsyncItemPager[Any]")


class AsyncItemPager(Generic[T]):
    def __init__(self, fetch: Callable[[], Awaitable[List[T]]]) -> None:
        self._fetch = fetch
        self._items: Optional[Iterator[T]] = None

    def __await__(self: P) -> Generator[Any, None, P]:
        """``await client.list_...()`` gives the pager itself (as Microsoft's async client)."""
        if False:  # pragma: no cover - makes this a generator without suspending
            yield None
        return self

    def by_page(self, continuation_token: Optional[str] = None) -> AsyncIterator[AsyncIterator[T]]:
        """An async iterator of pages (the library reads every page: there is one, holding every item)."""
        if continuation_token is not None:
            raise ValueError("the library reads every page at once: there is no continuation token to resume from")
        return self._pages()

    async def _pages(self) -> AsyncIterator[AsyncIterator[T]]:
        yield _AsyncList(await self._fetch())

    def __aiter__(self: P) -> P:
        return self

    async def __anext__(self) -> T:
        if self._items is None:
            self._items = iter(await self._fetch())
        try:
            return next(self._items)
        except StopIteration:
            raise StopAsyncIteration from None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class AsyncRenderingSessionPager(AsyncItemPager[RenderingSession]):
    """The account's Starting and Ready sessions."""


class AsyncAssetConversionPager(AsyncItemPager[AssetConversion]):
    """Every conversion of the account, in every state."""


class _AsyncList(Generic[T]):
    def __init__(self, items: List[T]) -> None:
        self._items = iter(items)

    def __aiter__(self) -> "_AsyncList[T]":
        return self

    async def __anext__(self) -> T:
        try:
            return next(self._items)
        except StopIteration:
            raise StopAsyncIteration from None
