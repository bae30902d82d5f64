"""The pagers of the sync client, shaped like azure-core's ``ItemPaged``: ``RenderingSessionPager``
(``list_rendering_sessions()``) and ``AssetConversionPager`` (``list_asset_conversions()``). They are lazy:
nothing is requested until they are iterated. The library follows the service's ``@nextLink`` pages itself,
so ``by_page()`` yields one page holding every item."""

from __future__ import annotations

from typing import Callable, Generic, Iterator, List, Optional, TypeVar

from .models import AssetConversion, RenderingSession

T = TypeVar("T")


class ItemPager(Generic[T]):
    def __init__(self, fetch: Callable[[], List[T]]) -> None:
        self._fetch = fetch
        self._items: Optional[Iterator[T]] = None

    def by_page(self, continuation_token: Optional[str] = None) -> Iterator[Iterator[T]]:
        """An iterator of pages, each an iterator of items."""
        if continuation_token is not None:
            raise ValueError("the library reads every page at once: there is no continuation token to resume from")
        yield iter(self._fetch())

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._items is None:
            self._items = iter(self._fetch())
        return next(self._items)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class RenderingSessionPager(ItemPager[RenderingSession]):
    """The account's Starting and Ready sessions."""


class AssetConversionPager(ItemPager[AssetConversion]):
    """Every conversion of the account, in every state."""
