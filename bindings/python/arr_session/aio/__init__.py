"""The asyncio client: ``from arr_session.aio import RemoteRenderingClient`` (as
``azure.mixedreality.remoterendering.aio``)."""

from ._client import RemoteRenderingClient
from ._paging import AsyncRenderingSessionPager
from ._polling import AsyncRenderingSessionPoller

__all__ = ["RemoteRenderingClient", "AsyncRenderingSessionPoller", "AsyncRenderingSessionPager"]
