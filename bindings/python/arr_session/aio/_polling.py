"""``AsyncRenderingSessionPoller``: shaped like azure-core's ``AsyncLROPoller[RenderingSession]``."""

from __future__ import annotations

import asyncio
from typing import Any, Generator, Optional, Union

from .. import _ffi
from .._ffi import lib
from ..exceptions import AssetConversionFailedError, SessionEndedError
from ..models import AssetConversion, AssetConversionStatus, RenderingSession, RenderingSessionStatus
from ._base import AsyncClientBase



class AsyncRenderingSessionPoller:
    """Waits for a session to become Ready, in the library (no Python polling); holds its client open.

    ``await poller.result()`` (or ``await poller``) gives the Ready session or raises (``SessionEndedError``,
    ``ArrTimeoutError``, ``ArrCancelledError`` after ``cancel()``); ``await poller.wait()``; ``status()``;
    ``done()``; ``continuation_token()``. ``cancel()`` (ours) stops waiting but never stops the session.
    """

    def __init__(self, client: AsyncClientBase, session: RenderingSession, options: Optional[bytes]) -> None:
        self._owner = client
        self._session = session
        self._future, self._operation = client._start(
            lib.arr_client_wait_until_ready_async, _ffi.encode(session.id), options, parse=RenderingSession.from_json
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

    def status(self) -> Union[RenderingSessionStatus, str]:
        return self._session.status

    def done(self) -> bool:
        return self._future.done()

    def continuation_token(self) -> str:
        return self._owner._continuation_token(self._session.id)

    def cancel(self) -> bool:
        """Stops waiting (never stops the session); ``result()`` then raises ``ArrCancelledError``."""
        native = self._owner._native
        return native.cancel(self._operation) if native is not None else False

    async def result(self, timeout: Optional[float] = None) -> RenderingSession:
        """The Ready session. With ``timeout`` (seconds), raises ``asyncio.TimeoutError`` and keeps waiting."""
        return await asyncio.wait_for(asyncio.shield(self._future), timeout)

    async def wait(self, timeout: Optional[float] = None) -> None:
        """Waits until done (or ``timeout`` seconds); never raises the operation's error."""
        await asyncio.wait({self._future}, timeout=timeout)

    def __await__(self) -> Generator[Any, None, RenderingSession]:
        return self.result().__await__()

    def __repr__(self) -> str:
        return f"<AsyncRenderingSessionPoller {self.session_id} status={str(self.status())!r} done={self.done()}>"


class AsyncAssetConversionPoller:
    """Waits for a conversion to end, in the library (no Python polling); shaped like azure-core's
    ``AsyncLROPoller[AssetConversion]``; holds its client open.

    ``await poller.result()`` (or ``await poller``) gives the conversion in its final state (Succeeded or
    Cancelled); a conversion that ended Failed raises ``AssetConversionFailedError`` (an ``HttpResponseError``
    with the conversion's ``error`` and the ``conversion``; ``poller.conversion`` has it too), as Microsoft's
    poller raises; it raises too when the wait itself failed (``ArrTimeoutError``, ``ArrCancelledError`` after
    ``cancel()``). ``await poller.wait()``; ``status()``; ``done()``; ``continuation_token()``. ``cancel()``
    (ours) stops waiting, never the conversion.
    """

    def __init__(self, client: AsyncClientBase, conversion: AssetConversion, options: Optional[bytes]) -> None:
        self._owner = client
        self._conversion = conversion
        self._future, self._operation = client._start(
            lib.arr_client_wait_for_conversion_async, _ffi.encode(conversion.id), options, parse=AssetConversion.from_json
        )
        self._future.add_done_callback(self._update)

    def _update(self, future: "asyncio.Future[AssetConversion]") -> None:
        if not future.cancelled() and future.exception() is None:
            self._conversion = future.result()

    @property
    def conversion_id(self) -> str:
        return self._conversion.id

    @property
    def conversion(self) -> AssetConversion:
        return self._conversion

    def status(self) -> Union[AssetConversionStatus, str]:
        return self._conversion.status

    def done(self) -> bool:
        return self._future.done()

    def continuation_token(self) -> str:
        return self._owner._continuation_token(self._conversion.id)

    def cancel(self) -> bool:
        """Stops waiting (never cancels the conversion); ``result()`` then raises ``ArrCancelledError``."""
        native = self._owner._native
        return native.cancel(self._operation) if native is not None else False

    async def result(self, timeout: Optional[float] = None) -> AssetConversion:
        """The conversion in its final state (a Failed one raises ``AssetConversionFailedError``). With
        ``timeout`` (seconds), raises ``asyncio.TimeoutError`` and keeps waiting."""
        conversion = await asyncio.wait_for(asyncio.shield(self._future), timeout)
        if conversion.status == AssetConversionStatus.FAILED:
            raise AssetConversionFailedError(conversion)
        return conversion

    async def wait(self, timeout: Optional[float] = None) -> None:
        """Waits until done (or ``timeout`` seconds); never raises the operation's error."""
        await asyncio.wait({self._future}, timeout=timeout)

    def __await__(self) -> Generator[Any, None, AssetConversion]:
        return self.result().__await__()

    def __repr__(self) -> str:
        return f"<AsyncAssetConversionPoller {self.conversion_id} status={str(self.status())!r} done={self.done()}>"
