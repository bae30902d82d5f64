"""``arr_session.aio.RemoteRenderingClient``: the asyncio twin, built on the ``_async`` functions of the C ABI.

Each call registers a completion, starts the operation (which never blocks), and awaits a future that the
library's callback resolves through ``loop.call_soon_threadsafe``. Cancelling the awaiting task cancels the
operation (``arr_client_cancel``); cancelling a wait never stops the session. A completion that arrives after
its event loop was closed (an operation left running at exit) is dropped quietly.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable, List, Optional, Sequence, Tuple, TypeVar, Union

from .. import _callbacks, _ffi
from .._abi import STATUS_OK
from .._base import ClientBase, session_args
from .._native import (
    conversion_id_arg,
    conversion_settings_arg,
    create_options,
    keep_options,
    require_u32,
    session_id_arg,
    session_ids_arg,
    timeout_ms_arg,
    wait_options,
)
from .._response import RawResponse, ResponseHook, call_hook
from .._preflight import InputLint, lint_options, results_options
from ..credentials import Resolved, token_text
from ..exceptions import ArrError, error_from_json
from ..models import (
    AssetConversion,
    AssetConversionInputSettings,
    AssetConversionOutputSettings,
    RenderingSession,
    RenderingSessionSize,
    SessionStopResult,
    SessionWaitResult,
)
from ._keeper import AsyncRenderingSessionKeeper
from ._paging import AsyncAssetConversionPager, AsyncRenderingSessionPager
from ._polling import AsyncAssetConversionPoller, AsyncRenderingSessionPoller

T = TypeVar("T")
_log = logging.getLogger("arr_session")


#: Builds an operation's result from its JSON and the service's answer behind it.
Parse = Callable[[Optional[str], Optional[RawResponse]], T]


def _settle(
    future: "asyncio.Future[T]",
    status: int,
    text: Optional[str],
    response: Optional[str],
    parse: "Parse[T]",
    hook: Optional[ResponseHook],
) -> None:
    """Runs on the event loop: resolves the future (unless the awaiting task was cancelled), after the
    ``raw_response_hook`` has seen the answer."""
    if future.done():
        return
    try:
        if status == STATUS_OK:
            raw = RawResponse.from_json(response)
            value = parse(text, raw)
            call_hook(hook, raw)
            future.set_result(value)
        else:
            future.set_exception(error_from_json(_ffi.status_name(status), text))
    except BaseException as error:  # noqa: BLE001 - a failure to parse goes to the awaiting side
        if not future.done():
            future.set_exception(error)
        else:
            raise


class _LoopBox:
    """The event loop of a client's latest call, shared by the client and its async token provider."""

    __slots__ = ("loop",)

    def __init__(self) -> None:
        self.loop: Optional[asyncio.AbstractEventLoop] = None


def _session(text: Optional[str], response: Optional[RawResponse]) -> RenderingSession:
    return RenderingSession.from_json(text, response)


def _conversion(text: Optional[str], response: Optional[RawResponse]) -> AssetConversion:
    return AssetConversion.from_json(text, response)


def _sessions(text: Optional[str], _response: Optional[RawResponse]) -> List[RenderingSession]:
    return [RenderingSession.from_dict(item) for item in json.loads(text or "[]")]


def _conversions(text: Optional[str], _response: Optional[RawResponse]) -> List[AssetConversion]:
    return [AssetConversion.from_dict(item) for item in json.loads(text or "[]")]


def _nothing(_text: Optional[str], _response: Optional[RawResponse]) -> None:
    return None


class RemoteRenderingClient(ClientBase):
    """The asyncio form of :class:`arr_session.RemoteRenderingClient`: same arguments, same errors, the
    operations as coroutines. ``credential`` may also be an async credential (``azure.identity.aio``):
    its ``get_token`` is awaited on the event loop of the client's latest call.

    Use ``async with``, or ``await client.close()``. Every coroutine may be cancelled; the operation is then
    cancelled in the library too.
    """

    _ALLOW_ASYNC_CREDENTIAL = True
    _loop_box: Optional[_LoopBox] = None

    @property
    def _loop(self) -> Optional[asyncio.AbstractEventLoop]:
        """The event loop of the client's latest call (where an async credential is awaited)."""
        box = self._loop_box
        return box.loop if box is not None else None

    @_loop.setter
    def _loop(self, loop: Optional[asyncio.AbstractEventLoop]) -> None:
        if self._loop_box is None:
            self._loop_box = _LoopBox()
        self._loop_box.loop = loop

    def _provider(self, resolved: Resolved) -> Optional[_callbacks.Provider]:
        get_token = resolved.get_token
        if get_token is None or not resolved.is_async:
            return super()._provider(resolved)

        async def fetch() -> str:
            return token_text(await get_token())

        # The provider shares the box, not the client: the registry must not keep the client alive, and a
        # client being collected (its weak references already cleared) may still need a token to close.
        box = self._loop_box = _LoopBox()
        return _callbacks.AsyncProvider(fetch, lambda: box.loop)

    async def close(self) -> None:
        """Closes and frees the native client (idempotent, ``arr_client_close`` then ``arr_client_free``);
        operations in flight end with ``ArrCancelledError``, calls made afterwards raise ``RuntimeError``. With
        ``stop_owned_sessions_on_close=True`` the library also stops the sessions this client owns."""
        if self._native is not None and not self._native.closed:
            # arr_client_close blocks (stopping owned sessions, if configured): keep the loop free meanwhile.
            await asyncio.get_running_loop().run_in_executor(None, self._native.close)

    @property
    def closed(self) -> bool:
        return self._native is None or self._native.closed

    async def __aenter__(self) -> "RemoteRenderingClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __del__(self) -> None:
        # Never blocks: this may run on the event loop's thread, which an async credential needs free to fetch
        # the token of a stop-on-close. The close happens on the package's closing thread (see _closer).
        try:
            if self._native is not None:
                self._native.close_from_finalizer()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _start(
        self, function_name: str, *args: Any, parse: "Parse[T]", hook: Optional[ResponseHook] = None
    ) -> "Tuple[asyncio.Future[T], int]":
        loop = asyncio.get_running_loop()
        self._loop = loop
        future: "asyncio.Future[T]" = loop.create_future()

        def handler(status: int, text: Optional[str], response: Optional[str]) -> None:  # on a library thread
            try:
                loop.call_soon_threadsafe(_settle, future, status, text, response, parse, hook)
            except RuntimeError:
                if not loop.is_closed():
                    raise
                # Nobody can await this any more (asyncio.run ended with the operation still running).
                _log.debug("arr_session: %s ended after its event loop was closed", function_name)

        operation = self._client().start(function_name, *args, handler=handler)
        return future, operation

    async def _run(
        self, function_name: str, *args: Any, parse: "Parse[T]", hook: Optional[ResponseHook] = None
    ) -> T:
        future, operation = self._start(function_name, *args, parse=parse, hook=hook)
        try:
            return await future
        except asyncio.CancelledError:
            if self._native is not None:
                self._native.cancel(operation)
            raise

    # -- Microsoft's operations ------------------------------------------------------------------------

    async def begin_rendering_session(
        self,
        session_id: Optional[str],
        size: Union[str, RenderingSessionSize],
        lease_time_minutes: int,
        *,
        owned: Optional[bool] = None,
        polling_interval: Optional[float] = None,
        timeout: Optional[float] = None,
        **kwargs: Any,
    ) -> AsyncRenderingSessionPoller:
        """Creates a session and returns a poller waiting for it to be Ready (see the sync client)."""
        options = wait_options(timeout, polling_interval)
        hook = self._hook(kwargs.get("raw_response_hook"))
        session = await self.create_rendering_session(
            session_id, size, lease_time_minutes, owned=owned, raw_response_hook=hook
        )
        try:
            return AsyncRenderingSessionPoller(self, session, options)
        except ArrError as error:
            # The wait options are checked by the library only when the wait starts, after the create
            # (see README, "Known gaps"): hand the running session to the caller instead of losing it.
            error.created_session = session
            raise

    async def get_rendering_session_poller(
        self,
        *,
        session_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
        polling_interval: Optional[float] = None,
        timeout: Optional[float] = None,
        **kwargs: Any,
    ) -> AsyncRenderingSessionPoller:
        session_args(session_id, continuation_token)
        if continuation_token is not None:
            session_id = self._session_from_token(continuation_token)
        assert session_id is not None
        options = wait_options(timeout, polling_interval)
        return AsyncRenderingSessionPoller(self, await self.get_rendering_session(session_id, **kwargs), options)

    async def get_rendering_session(self, session_id: str, **kwargs: Any) -> RenderingSession:
        hook = self._hook(kwargs.get("raw_response_hook"))
        return await self._run("arr_client_get_session_async", session_id_arg(session_id), parse=_session, hook=hook)

    async def update_rendering_session(
        self, session_id: str, lease_time_minutes: Optional[int] = None, **kwargs: Any
    ) -> RenderingSession:
        if lease_time_minutes is None:
            return await self.get_rendering_session(session_id, **kwargs)
        minutes = require_u32("lease_time_minutes", lease_time_minutes)
        hook = self._hook(kwargs.get("raw_response_hook"))
        return await self._run(
            "arr_client_update_session_async", session_id_arg(session_id), minutes, parse=_session, hook=hook
        )

    async def stop_rendering_session(self, session_id: str, **kwargs: Any) -> None:
        hook = self._hook(kwargs.get("raw_response_hook"))
        await self._run("arr_client_stop_session_async", session_id_arg(session_id), parse=_nothing, hook=hook)

    def list_rendering_sessions(self, **kwargs: Any) -> AsyncRenderingSessionPager:
        """A lazy async pager; ``await`` it (as Microsoft's async client) or ``async for`` over it directly."""
        self._client()
        hook = self._hook(kwargs.get("raw_response_hook"))

        async def fetch() -> List[RenderingSession]:
            return await self._run("arr_client_list_sessions_async", parse=_sessions, hook=hook)

        return AsyncRenderingSessionPager(fetch)

    async def begin_asset_conversion(
        self,
        conversion_id: str,
        input_settings: AssetConversionInputSettings,
        output_settings: AssetConversionOutputSettings,
        *,
        polling_interval: Optional[float] = None,
        timeout: Optional[float] = None,
        **kwargs: Any,
    ) -> AsyncAssetConversionPoller:
        """Starts converting a model; ``await poller.result()`` is the conversion in its final state (see the
        sync client)."""
        options = wait_options(timeout, polling_interval)
        settings = conversion_settings_arg(input_settings, output_settings)
        conversion = await self._run(
            "arr_client_create_conversion_async",
            conversion_id_arg(conversion_id),
            settings,
            parse=_conversion,
            hook=self._hook(kwargs.get("raw_response_hook")),
        )
        return AsyncAssetConversionPoller(self, conversion, options)

    async def get_asset_conversion_poller(
        self,
        *,
        conversion_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
        polling_interval: Optional[float] = None,
        timeout: Optional[float] = None,
        **kwargs: Any,
    ) -> AsyncAssetConversionPoller:
        session_args(conversion_id, continuation_token, name="conversion_id")
        if continuation_token is not None:
            conversion_id = self._id_from_token(continuation_token, "asset conversion")
        assert conversion_id is not None
        options = wait_options(timeout, polling_interval)
        return AsyncAssetConversionPoller(self, await self.get_asset_conversion(conversion_id, **kwargs), options)

    async def get_asset_conversion(self, conversion_id: str, **kwargs: Any) -> AssetConversion:
        hook = self._hook(kwargs.get("raw_response_hook"))
        return await self._run(
            "arr_client_get_conversion_async", conversion_id_arg(conversion_id), parse=_conversion, hook=hook
        )

    def list_asset_conversions(self, **kwargs: Any) -> AsyncAssetConversionPager:
        """A lazy async pager of every conversion; ``await`` it or ``async for`` over it directly."""
        self._client()
        hook = self._hook(kwargs.get("raw_response_hook"))

        async def fetch() -> List[AssetConversion]:
            return await self._run("arr_client_list_conversions_async", parse=_conversions, hook=hook)

        return AsyncAssetConversionPager(fetch)

    # -- ours ------------------------------------------------------------------------------------------

    async def create_rendering_session(
        self,
        session_id: Optional[str],
        size: Union[str, RenderingSessionSize],
        lease_time_minutes: int,
        *,
        owned: Optional[bool] = None,
        raw_response_hook: Optional[ResponseHook] = None,
    ) -> RenderingSession:
        options = create_options(size, lease_time_minutes, session_id, owned)
        hook = self._hook(raw_response_hook)
        return await self._run("arr_client_create_session_async", options, parse=_session, hook=hook)

    async def extend_rendering_session(
        self, session_id: str, by_minutes: int, *, raw_response_hook: Optional[ResponseHook] = None
    ) -> RenderingSession:
        minutes = require_u32("by_minutes", by_minutes)
        hook = self._hook(raw_response_hook)
        return await self._run(
            "arr_client_extend_session_async", session_id_arg(session_id), minutes, parse=_session, hook=hook
        )

    def keep_rendering_session(
        self,
        session_id: str,
        *,
        extend_by_minutes: Optional[int] = None,
        renew_below_minutes: Optional[int] = None,
        max_total_minutes: Optional[int] = None,
        warn_at_minutes: Optional[Sequence[int]] = None,
        polling_interval: Optional[float] = None,
    ) -> AsyncRenderingSessionKeeper:
        """Starts the library's lease keeper (call it inside a running event loop)::

            async with client.keep_rendering_session(session_id, extend_by_minutes=30) as keeper:
                async for event in keeper:
                    ...

        The options and events are those of the sync client's ``keep_rendering_session``. Leaving the
        ``async with`` block stops the keeper and leaves the lease as it is."""
        options = keep_options(extend_by_minutes, renew_below_minutes, max_total_minutes, warn_at_minutes, polling_interval)
        return AsyncRenderingSessionKeeper(self, session_id, options, many=False)

    def keep_rendering_sessions(
        self,
        session_ids: Sequence[str],
        *,
        extend_by_minutes: Optional[int] = None,
        renew_below_minutes: Optional[int] = None,
        max_total_minutes: Optional[int] = None,
        warn_at_minutes: Optional[Sequence[int]] = None,
        polling_interval: Optional[float] = None,
    ) -> AsyncRenderingSessionKeeper:
        """Keeps several sessions with one list request per poll (call it inside a running event loop); the
        options and events are those of the sync client's ``keep_rendering_sessions``."""
        options = keep_options(extend_by_minutes, renew_below_minutes, max_total_minutes, warn_at_minutes, polling_interval)
        return AsyncRenderingSessionKeeper(self, session_ids, options, many=True)

    def get_owned_session_ids(self) -> List[str]:
        """The ids of the sessions this client owns (not a coroutine: no request is sent)."""
        ids: List[str] = json.loads(self._client().call("arr_client_get_owned_sessions") or "[]")
        return ids

    async def stop_owned_rendering_sessions(self, timeout: float = 10.0) -> List[SessionStopResult]:
        """Stops every session this client created (unless ``owned=False``) within ``timeout`` seconds."""
        return await self._run(
            "arr_client_stop_owned_sessions_async",
            timeout_ms_arg(timeout),
            parse=lambda text, _: [SessionStopResult.from_dict(item) for item in json.loads(text or "[]")],
        )

    async def wait_for_rendering_sessions(
        self, session_ids: Sequence[str], *, timeout: Optional[float] = None, polling_interval: Optional[float] = None
    ) -> List[SessionWaitResult]:
        args = (session_ids_arg(session_ids), wait_options(timeout, polling_interval))
        return await self._run(
            "arr_client_wait_for_sessions_async",
            *args,
            parse=lambda text, _: [SessionWaitResult.from_dict(item) for item in json.loads(text or "[]")],
        )

    async def lint_asset_conversion_input(
        self,
        input_settings: AssetConversionInputSettings,
        output_settings: AssetConversionOutputSettings,
        *,
        storage_account_key: Optional[str] = None,
        storage_account_name: Optional[str] = None,
        scan_bytes: Optional[int] = None,
    ) -> InputLint:
        """The sync client's ``lint_asset_conversion_input``, awaited."""
        settings = conversion_settings_arg(input_settings, output_settings)
        options = lint_options(storage_account_key, storage_account_name, scan_bytes)
        return await self._run(
            "arr_client_lint_conversion_input_async", settings, options, parse=lambda text, _: InputLint.from_json(text)
        )

    async def get_asset_conversion_results(
        self,
        conversion_id: str,
        *,
        output_sas: Optional[str] = None,
        storage_account_key: Optional[str] = None,
        storage_account_name: Optional[str] = None,
        raw_response_hook: Optional[ResponseHook] = None,
    ) -> AssetConversion:
        """The sync client's ``get_asset_conversion_results``, awaited."""
        options = results_options(output_sas, storage_account_key, storage_account_name)
        return await self._run(
            "arr_client_get_conversion_results_async",
            conversion_id_arg(conversion_id),
            options,
            parse=_conversion,
            hook=self._hook(raw_response_hook),
        )

    async def get_access_token(self) -> str:
        def parse(text: Optional[str], _response: Optional[RawResponse]) -> str:
            token: str = json.loads(text or "{}")["accessToken"]
            return token

        return await self._run("arr_client_get_access_token_async", parse=parse)

    def __repr__(self) -> str:
        return f"<arr_session.aio.RemoteRenderingClient {'closed' if self.closed else 'open'}>"
