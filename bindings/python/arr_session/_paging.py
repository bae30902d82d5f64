"""``RenderingSessionPager``: what ``list_rendering_sessions()`` returns, shaped like azure-core's
``ItemPaged``. It is lazy: nothing is requested until it is iterated. The library follows the service's
``@nextLink`` pages itself, so ``by_page()`` yields one page holding every session."""

from __future__ import annotations

from typing import Callable, Iterator, List, Optional

from .models import RenderingSession


class RenderingSessionPager:
    def __init__(self, fetch: Callable[[], List[RenderingSession]]) -> None:
        self._fetch = fetch
        self._items: Optional[Iterator[RenderingSession]] = None

    def by_page(self, continuation_token: Optional[str] = None) -> Iterator[Iterator[RenderingSession]]:
        """An iterator of pages, each an iterator of sessions."""
        if continuation_token is not None:
            raise ValueError("the library reads every page at once: there is no continuation token to resume from")
        yield iter(self._fetch())

    def __iter__(self) -> Iterator[RenderingSession]:
        return self

    def __next__(self) -> RenderingSession:
        if self._items is None:
            self._items = iter(self._fetch())
        return next(self._items)

    def __repr__(self) -> str:
        return "<RenderingSessionPager>"


