"""``AsyncClientBase``: how the asyncio client runs an operation (``_call`` awaits its ``_async`` form) and the
event loop it runs on, which its pollers, keepers and async token provider share.

Each call registers a completion, starts the operation (which never blocks), and awaits a future that the
library's callback resolves through ``loop.call_soon_threadsafe``. Cancelling the awaiting task cancels the
operation (``arr_client_cancel``); cancelling a wait never stops the session. A completion that arrives after
its event loop was closed (an operation left running at exit) is dropped quietly.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional, Tuple, TypeVar

from .. import _callbacks, _ffi
from .._abi import STATUS_OK
from .._base import ClientBase
from .._decode import Parse
from .._native import NativeFunction
from .._operations import Call
from .._response import RawResponse, ResponseHook, call_hook
from ..credentials import Resolved, token_text
from ..exceptions import error_from_json

T = TypeVar("T")
_log = logging.getLogger("arr_session")


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


class AsyncClientBase(ClientBase):
    """The asyncio client's engine; the public operations are in ``aio/_client.py``."""

    _ALLOW_ASYNC_CREDENTIAL = True
    _loop_box: Optional[_LoopBox] = None

    def running_loop(self) -> asyncio.AbstractEventLoop:
        """The running event loop, remembered as the loop of the client's latest call (where an async
        credential is awaited); raises ``RuntimeError`` outside a running loop."""
        loop = asyncio.get_running_loop()
        if self._loop_box is None:
            self._loop_box = _LoopBox()
        self._loop_box.loop = loop
        return loop

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

    def _start(
        self, function: NativeFunction, *args: Any, parse: "Parse[T]", hook: Optional[ResponseHook] = None
    ) -> "Tuple[asyncio.Future[T], int]":
        """Starts ``function`` (an ``_async`` form); the future its completion resolves, and the operation id."""
        loop = self.running_loop()
        future: "asyncio.Future[T]" = loop.create_future()

        def handler(status: int, text: Optional[str], response: Optional[str]) -> None:  # on a library thread
            try:
                loop.call_soon_threadsafe(_settle, future, status, text, response, parse, hook)
            except RuntimeError:
                if not loop.is_closed():
                    raise
                # Nobody can await this any more (asyncio.run ended with the operation still running).
                _log.debug("arr_session: %s ended after its event loop was closed", getattr(function, "__name__", "?"))

        operation = self._client().start(function, *args, handler=handler)
        return future, operation

    async def _call(self, call: Call[T]) -> T:
        """Awaits the operation's ``_async`` form; the result parsed, after the hook has seen the service's
        answer behind it."""
        operation = call.operation
        native_args = call.native_args()
        hook = call.hook
        future, operation_id = self._start(
            operation.started, *native_args, parse=operation.parse, hook=self._operation_hook(operation, hook)
        )
        try:
            return await future
        except asyncio.CancelledError:
            if self._native is not None:
                self._native.cancel(operation_id)
            raise
