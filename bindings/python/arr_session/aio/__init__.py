"""asyncio clients of arr-session: ``AsyncRemoteRenderingClient`` and ``AsyncSessionPoller``."""

from ._client import AsyncRemoteRenderingClient, AsyncSessionPoller

__all__ = ["AsyncRemoteRenderingClient", "AsyncSessionPoller"]
