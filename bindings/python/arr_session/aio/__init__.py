"""The asyncio client: ``from arr_session.aio import RemoteRenderingClient`` (as
``azure.mixedreality.remoterendering.aio``)."""

from ._client import RemoteRenderingClient
from ._keeper import AsyncRenderingSessionKeeper
from ._paging import AsyncAssetConversionPager, AsyncRenderingSessionPager
from ._polling import AsyncAssetConversionPoller, AsyncRenderingSessionPoller

__all__ = [
    "RemoteRenderingClient",
    "AsyncRenderingSessionPoller",
    "AsyncRenderingSessionPager",
    "AsyncAssetConversionPoller",
    "AsyncAssetConversionPager",
    "AsyncRenderingSessionKeeper",
]
