"""``RemoteRenderingClient``: the blocking client; its operations are ``_api``'s, each called."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple, TypeVar

from . import _api, _ffi
from ._abi import STATUS_OK
from ._base import ClientBase, keeping, method_like, paging
from ._keeper import RenderingSessionKeeper
from ._operations import Call, Operation, Start
from ._paging import AssetConversionPager, RenderingSessionPager
from ._polling import AssetConversionPoller, RenderingSessionPoller
from ._response import call_hook
from .exceptions import error_from_json

T = TypeVar("T")
R = TypeVar("R")
if TYPE_CHECKING:  # pragma: no cover - typing only (ParamSpec is Python 3.10's; the package runs on 3.8)
    from typing import Concatenate, ParamSpec

    P = ParamSpec("P")


def calling(build: "Callable[P, Call[T]]") -> "Callable[Concatenate[RemoteRenderingClient, P], T]":
    """The method that calls the operation ``build`` (an ``_api`` function) describes."""

    def method(self: RemoteRenderingClient, /, *args: "P.args", **kwargs: "P.kwargs") -> T:
        return self._call(build(*args, **kwargs))

    return method_like(build, method)


def polling(
    build: "Callable[P, Start[T]]", poller: "Callable[[RemoteRenderingClient, T, Optional[bytes]], R]"
) -> "Callable[Concatenate[RemoteRenderingClient, P], R]":
    """The method that calls a poller's first call (``build``'s) and returns ``poller`` waiting on its value."""

    def method(self: RemoteRenderingClient, /, *args: "P.args", **kwargs: "P.kwargs") -> R:
        start = build(*args, **kwargs)
        return start.poller(poller, self, self._call(start.first(self._id_from_token)))

    return method_like(build, method)


class RemoteRenderingClient(ClientBase):
    """Manages the rendering sessions of one Azure Remote Rendering account; Microsoft's
    ``azure.mixedreality.remoterendering.RemoteRenderingClient``, over the arr-session library.

    ``RemoteRenderingClient(endpoint, account_id, account_domain, credential, **kwargs)``:

    - ``endpoint``: the rendering endpoint URL, or a region name (``"westus2"``).
    - ``credential``: an ``AzureKeyCredential``, an ``AccessToken`` (used as it is), or any object with
      ``get_token(*scopes)`` (azure-identity), whose Entra ID tokens are exchanged at the STS; it is asked for
      the scope ``https://sts.<account_domain>/.default``. ``token_kind="access_token"`` (ours) says its
      tokens are Mixed Reality access tokens instead.
    - kwargs: ``api_version`` (``"2021-01-01"``, or ``"v1"`` for the legacy API), ``polling_interval``
      (seconds), ``authentication_endpoint_url``; azure-core's pipeline options (``logging_policy``, ...)
      are accepted and ignored (``user_agent``, ``connection_timeout``, ``retry_total``,
      ``retry_backoff_factor``, ``retry_backoff_max`` are mapped to the library's); then the library's config
      keys in snake_case (``request_timeout_ms``, ``proxy``, ``retry={...}``,
      ``stop_owned_sessions_on_close``, ...; an unknown one raises ``ValueError``).
    - ``raw_response_hook`` (azure-core's keyword, here and on each call): called with a
      :class:`~arr_session.RawResponse` (``http_response.status_code``, ``http_response.headers["MS-CV"]``)
      after each call that succeeded with one answer of the service (get, create, update, extend, stop, list
      and the conversion calls), on the calling thread; the returned models carry it as ``response``.

    Thread-safe. Use it as a context manager, or call ``close()``: closing interrupts the calls and waits in
    progress on other threads (it never stops a session unless configured with
    ``stop_owned_sessions_on_close=True``, or you call ``stop_rendering_session``).
    """

    # -- lifecycle -------------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes and frees the native client. Idempotent; may be called from any thread. Calls in progress
        on other threads (blocking calls, pollers) end at once with ``ArrCancelledError``; calls made
        afterwards raise ``RuntimeError``. Stops the sessions this client owns only if configured with
        ``stop_owned_sessions_on_close=True`` (within ``close_timeout_ms``)."""
        if self._native is not None:
            self._native.close()

    def __enter__(self) -> "RemoteRenderingClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # -- the operations (``_api``'s, each documented there) ---------------------------------------------

    begin_rendering_session = polling(_api.begin_rendering_session, RenderingSessionPoller)
    get_rendering_session_poller = polling(_api.get_rendering_session_poller, RenderingSessionPoller)
    get_rendering_session = calling(_api.get_rendering_session)
    update_rendering_session = calling(_api.update_rendering_session)
    stop_rendering_session = calling(_api.stop_rendering_session)
    list_rendering_sessions = paging(_api.list_rendering_sessions, RenderingSessionPager)
    begin_asset_conversion = polling(_api.begin_asset_conversion, AssetConversionPoller)
    get_asset_conversion_poller = polling(_api.get_asset_conversion_poller, AssetConversionPoller)
    get_asset_conversion = calling(_api.get_asset_conversion)
    list_asset_conversions = paging(_api.list_asset_conversions, AssetConversionPager)
    create_rendering_session = calling(_api.create_rendering_session)
    extend_rendering_session = calling(_api.extend_rendering_session)
    keep_rendering_session = keeping(_api.keep_rendering_session, RenderingSessionKeeper)
    keep_rendering_sessions = keeping(_api.keep_rendering_sessions, RenderingSessionKeeper)
    stop_owned_rendering_sessions = calling(_api.stop_owned_rendering_sessions)
    wait_for_rendering_sessions = calling(_api.wait_for_rendering_sessions)
    lint_asset_conversion_input = calling(_api.lint_asset_conversion_input)
    get_asset_conversion_results = calling(_api.get_asset_conversion_results)
    list_rendering_session_costs = calling(_api.list_rendering_session_costs)
    create_rendering_session_with_fallback = calling(_api.create_rendering_session_with_fallback)
    get_access_token = calling(_api.get_access_token)

    def _call(self, call: Call[T]) -> T:
        """Calls the operation's blocking form (or waits on its ``_async`` form); the result parsed, after the
        hook has seen the service's answer behind it."""
        operation = call.operation
        native_args = call.native_args()
        answer_hook = self._operation_hook(operation, call.hook)
        if operation.blocking is None:
            text, response = self._wait(operation, native_args), None
        elif operation.text:
            text, response = self._client().call_with_response(operation.blocking, *native_args)
        else:
            text, response = None, self._client().call_no_out(operation.blocking, *native_args)
        value = operation.parse(text, response)
        call_hook(answer_hook, response)
        return value

    def _wait(self, operation: Operation[Any], native_args: Tuple[Any, ...]) -> Optional[str]:
        """Runs a (possibly long) wait through its ``_async`` form, so Ctrl-C cancels it instead of hanging."""
        native = self._client()
        done = threading.Event()
        outcome: List[Any] = []

        def handler(status: int, text: Optional[str], response: Optional[str]) -> None:
            outcome.append((status, text))
            done.set()

        operation_id = native.start(operation.started, *native_args, handler=handler)
        try:
            while not done.wait(0.25):
                pass
        except BaseException:
            native.cancel(operation_id)
            raise
        status, text = outcome[0]
        if status != STATUS_OK:
            raise error_from_json(_ffi.status_name(status), text)
        return text if isinstance(text, str) else None

    def __repr__(self) -> str:
        return f"<RemoteRenderingClient {'closed' if self.closed else 'open'}>"
