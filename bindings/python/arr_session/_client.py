"""``RemoteRenderingClient``: the blocking client."""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple, TypeVar, Union

from . import _ffi
from ._abi import STATUS_OK
from ._base import ClientBase, session_args
from ._keeper import RenderingSessionKeeper
from ._native import (
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
from ._response import RawResponse, ResponseHook, call_hook
from ._paging import AssetConversionPager, RenderingSessionPager
from ._preflight import InputLint, lint_options, results_options
from ._polling import AssetConversionPoller, RenderingSessionPoller
from .exceptions import ArrError, error_from_json
from .models import (
    AssetConversion,
    AssetConversionInputSettings,
    AssetConversionOutputSettings,
    RenderingSession,
    RenderingSessionSize,
    SessionStopResult,
    SessionWaitResult,
)

_T = TypeVar("_T")


def _with_budget(
    options: Optional[bytes], minutes: Optional[int], amount: Optional[float], prices: Optional[Dict[str, Any]]
) -> Optional[bytes]:
    """The keeper's options JSON with its budget (``budgetMinutes``, or ``budgetAmount`` and ``prices``)."""
    budget = {"budgetMinutes": minutes, "budgetAmount": amount, "prices": prices}
    budget = {k: v for k, v in budget.items() if v is not None}
    if not budget:
        return options
    merged: Dict[str, Any] = json.loads(options) if options else {}
    merged.update(budget)
    return json.dumps(merged).encode()


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

    @property
    def closed(self) -> bool:
        return self._native is None or self._native.closed

    def __enter__(self) -> "RemoteRenderingClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # Never blocks: the close (and stop-on-close) happens on the package's closing thread (see _closer).
        try:
            if self._native is not None:
                self._native.close_from_finalizer()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    # -- Microsoft's operations ------------------------------------------------------------------------

    def begin_rendering_session(
        self,
        session_id: Optional[str],
        size: Union[str, RenderingSessionSize],
        lease_time_minutes: int,
        *,
        owned: Optional[bool] = None,
        polling_interval: Optional[float] = None,
        timeout: Optional[float] = None,
        **kwargs: Any,
    ) -> RenderingSessionPoller:
        """Creates a session and returns a poller that waits for it to be Ready. ``session_id`` None lets the
        library choose one (required with api-version v1). Ours: ``owned=False`` keeps the session out of
        ``stop_owned_rendering_sessions()``; ``timeout`` (seconds) bounds the wait."""
        options = wait_options(timeout, polling_interval)
        hook = self._hook(kwargs.get("raw_response_hook"))
        session = self.create_rendering_session(
            session_id, size, lease_time_minutes, owned=owned, raw_response_hook=hook
        )
        try:
            return RenderingSessionPoller(self, session, options)
        except ArrError as error:
            # The wait options are checked by the library only when the wait starts, after the create
            # (see README, "Known gaps"): hand the running session to the caller instead of losing it.
            error.created_session = session
            raise

    def get_rendering_session_poller(
        self,
        *,
        session_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
        polling_interval: Optional[float] = None,
        timeout: Optional[float] = None,
        **kwargs: Any,
    ) -> RenderingSessionPoller:
        """A poller for an existing session, by ``session_id`` or by a poller's ``continuation_token()``."""
        session_args(session_id, continuation_token)
        if continuation_token is not None:
            session_id = self._session_from_token(continuation_token)
        assert session_id is not None
        options = wait_options(timeout, polling_interval)
        return RenderingSessionPoller(self, self.get_rendering_session(session_id, **kwargs), options)

    def get_rendering_session(self, session_id: str, **kwargs: Any) -> RenderingSession:
        text, response = self._client().call_with_response("arr_client_get_session", session_id_arg(session_id))
        return self._answered(RenderingSession.from_json(text, response), response, kwargs.get("raw_response_hook"))

    def update_rendering_session(self, session_id: str, lease_time_minutes: Optional[int] = None, **kwargs: Any) -> RenderingSession:
        """Sets the lease to ``lease_time_minutes`` in total (absolute; more than the current lease). Without
        it, returns the session unchanged."""
        if lease_time_minutes is None:
            return self.get_rendering_session(session_id, **kwargs)
        minutes = require_u32("lease_time_minutes", lease_time_minutes)
        text, response = self._client().call_with_response("arr_client_update_session", session_id_arg(session_id), minutes)
        return self._answered(RenderingSession.from_json(text, response), response, kwargs.get("raw_response_hook"))

    def stop_rendering_session(self, session_id: str, **kwargs: Any) -> None:
        """Stops the session (billing ends). Stopping a stopped session succeeds."""
        response = self._client().call_no_out("arr_client_stop_session", session_id_arg(session_id))
        call_hook(self._hook(kwargs.get("raw_response_hook")), response)

    def list_rendering_sessions(self, **kwargs: Any) -> RenderingSessionPager:
        """The account's Starting and Ready sessions, as a lazy pager (requested when iterated)."""
        native = self._client()
        owner = self
        hook = self._hook(kwargs.get("raw_response_hook"))

        def fetch() -> List[RenderingSession]:
            _ = owner  # the pager keeps its client open
            text, response = native.call_with_response("arr_client_list_sessions")
            call_hook(hook, response)
            return [RenderingSession.from_dict(item) for item in json.loads(text or "[]")]

        return RenderingSessionPager(fetch)

    def begin_asset_conversion(
        self,
        conversion_id: str,
        input_settings: AssetConversionInputSettings,
        output_settings: AssetConversionOutputSettings,
        *,
        polling_interval: Optional[float] = None,
        timeout: Optional[float] = None,
        **kwargs: Any,
    ) -> AssetConversionPoller:
        """Starts converting a model and returns a poller whose ``result()`` is the conversion in its final
        state (Succeeded with ``output.asset_uri``, or Cancelled); one that ended Failed raises
        ``AssetConversionFailedError`` (an ``HttpResponseError`` with its ``error``), as Microsoft's poller
        does. The library waits on its own threads (every ``polling_interval`` seconds, or the client's); ``timeout`` (seconds, ours)
        bounds the wait. Starting again with the same id and settings finds the running conversion."""
        options = wait_options(timeout, polling_interval)
        settings = conversion_settings_arg(input_settings, output_settings)
        text, response = self._client().call_with_response(
            "arr_client_create_conversion", conversion_id_arg(conversion_id), settings
        )
        hook = kwargs.get("raw_response_hook")
        conversion = self._answered(AssetConversion.from_json(text, response), response, hook)
        return AssetConversionPoller(self, conversion, options)

    def get_asset_conversion_poller(
        self,
        *,
        conversion_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
        polling_interval: Optional[float] = None,
        timeout: Optional[float] = None,
        **kwargs: Any,
    ) -> AssetConversionPoller:
        """A poller for an existing conversion, by ``conversion_id`` or by a poller's ``continuation_token()``."""
        session_args(conversion_id, continuation_token, name="conversion_id")
        if continuation_token is not None:
            conversion_id = self._id_from_token(continuation_token, "asset conversion")
        assert conversion_id is not None
        options = wait_options(timeout, polling_interval)
        return AssetConversionPoller(self, self.get_asset_conversion(conversion_id, **kwargs), options)

    def get_asset_conversion(self, conversion_id: str, **kwargs: Any) -> AssetConversion:
        text, response = self._client().call_with_response("arr_client_get_conversion", conversion_id_arg(conversion_id))
        return self._answered(AssetConversion.from_json(text, response), response, kwargs.get("raw_response_hook"))

    def list_asset_conversions(self, **kwargs: Any) -> AssetConversionPager:
        """Every conversion of the account (every state), as a lazy pager (requested when iterated)."""
        native = self._client()
        owner = self
        hook = self._hook(kwargs.get("raw_response_hook"))

        def fetch() -> List[AssetConversion]:
            _ = owner  # the pager keeps its client open
            text, response = native.call_with_response("arr_client_list_conversions")
            call_hook(hook, response)
            return [AssetConversion.from_dict(item) for item in json.loads(text or "[]")]

        return AssetConversionPager(fetch)

    # -- ours ------------------------------------------------------------------------------------------

    def create_rendering_session(
        self,
        session_id: Optional[str],
        size: Union[str, RenderingSessionSize],
        lease_time_minutes: int,
        *,
        owned: Optional[bool] = None,
        raw_response_hook: Optional[ResponseHook] = None,
    ) -> RenderingSession:
        """Creates a session (status Starting) without waiting. Creating again with the same id and settings
        returns that session. ``owned=False`` keeps it out of ``stop_owned_rendering_sessions()`` and of
        stopping on close."""
        options = create_options(size, lease_time_minutes, session_id, owned)
        text, response = self._client().call_with_response("arr_client_create_session", options)
        return self._answered(RenderingSession.from_json(text, response), response, raw_response_hook)

    def extend_rendering_session(
        self, session_id: str, by_minutes: int, *, raw_response_hook: Optional[ResponseHook] = None
    ) -> RenderingSession:
        """Extends the lease by ``by_minutes`` (the safe way to renew: no read-modify-write race)."""
        minutes = require_u32("by_minutes", by_minutes)
        text, response = self._client().call_with_response("arr_client_extend_session", session_id_arg(session_id), minutes)
        return self._answered(RenderingSession.from_json(text, response), response, raw_response_hook)

    def keep_rendering_session(
        self,
        session_id: str,
        *,
        extend_by_minutes: Optional[int] = None,
        renew_below_minutes: Optional[int] = None,
        max_total_minutes: Optional[int] = None,
        warn_at_minutes: Optional[Sequence[int]] = None,
        polling_interval: Optional[float] = None,
        budget_minutes: Optional[int] = None,
        budget_amount: Optional[float] = None,
        prices: Optional[Dict[str, Any]] = None,
    ) -> RenderingSessionKeeper:
        """Starts the library's lease keeper for a session and returns it (a context manager, and an iterator
        of :class:`~arr_session.KeepEvent`)::

            with client.keep_rendering_session(session_id, extend_by_minutes=30, renew_below_minutes=10,
                                               max_total_minutes=240, warn_at_minutes=(10, 2)) as keeper:
                for event in keeper:   # ends after the session ended; raises if the keeper failed
                    print(event.kind, event)

        When fewer than ``renew_below_minutes`` remain the lease is extended by ``extend_by_minutes`` (totals
        computed from the service's own counts), never beyond ``max_total_minutes``; ``warn_at_minutes``
        give ``expiringSoon`` events before an end that will not be renewed. The session is checked every
        ``polling_interval`` seconds. ``None`` leaves an option to the library's default. Leaving the
        ``with`` block stops the keeper and leaves the lease as it is (nothing stops the session).
        ``budget_minutes`` (billed minutes from create), or ``budget_amount`` at ``prices`` (``{"currency",
        "perHour": {size: price}}``), stops renewals at the budget with a ``budgetReached`` event."""
        options = keep_options(extend_by_minutes, renew_below_minutes, max_total_minutes, warn_at_minutes, polling_interval)
        options = _with_budget(options, budget_minutes, budget_amount, prices)
        return RenderingSessionKeeper(self, session_id, options, many=False)

    def keep_rendering_sessions(
        self,
        session_ids: Sequence[str],
        *,
        extend_by_minutes: Optional[int] = None,
        renew_below_minutes: Optional[int] = None,
        max_total_minutes: Optional[int] = None,
        warn_at_minutes: Optional[Sequence[int]] = None,
        polling_interval: Optional[float] = None,
        budget_minutes: Optional[int] = None,
        budget_amount: Optional[float] = None,
        prices: Optional[Dict[str, Any]] = None,
    ) -> RenderingSessionKeeper:
        """Keeps several sessions with one list request per poll (``arr_client_keep_sessions``); the options
        are ``keep_rendering_session``'s, for each session::

            with client.keep_rendering_sessions([a, b, c], extend_by_minutes=30) as keeper:
                for event in keeper:   # each names its session; ends once none is left to keep
                    if event.exception is not None:
                        print(event.session_id, event.kind, event.exception.status_code, event.ms_cv)

        A session that cannot be kept (unknown, credentials refused) has a ``failed`` event with its
        ``exception``, and the others are kept on; the iteration ends once every session ended or failed."""
        options = keep_options(extend_by_minutes, renew_below_minutes, max_total_minutes, warn_at_minutes, polling_interval)
        options = _with_budget(options, budget_minutes, budget_amount, prices)
        return RenderingSessionKeeper(self, session_ids, options, many=True)

    def get_owned_session_ids(self) -> List[str]:
        """The ids of the sessions this client owns (created here unless ``owned=False``, not yet stopped)."""
        ids: List[str] = json.loads(self._client().call("arr_client_get_owned_sessions") or "[]")
        return ids

    def stop_owned_rendering_sessions(self, timeout: float = 10.0) -> List[SessionStopResult]:
        """Stops every session this client created (unless created with ``owned=False``), concurrently, within
        ``timeout`` seconds; one result per session. With ``stop_owned_sessions_on_close=True`` in the
        options, ``close()`` does this itself (within ``close_timeout_ms``)."""
        text = self._client().call("arr_client_stop_owned_sessions", timeout_ms_arg(timeout))
        return [SessionStopResult.from_dict(item) for item in json.loads(text or "[]")]

    def wait_for_rendering_sessions(
        self, session_ids: Sequence[str], *, timeout: Optional[float] = None, polling_interval: Optional[float] = None
    ) -> List[SessionWaitResult]:
        """Waits for many sessions with one list request per poll; one result per id, in order. A session that
        failed (ended, missing, still starting at ``timeout``) has ``ok == False`` and an ``error``."""
        args = (session_ids_arg(session_ids), wait_options(timeout, polling_interval))
        text = self._wait("arr_client_wait_for_sessions_async", *args)
        return [SessionWaitResult.from_dict(item) for item in json.loads(text or "[]")]

    def lint_asset_conversion_input(
        self,
        input_settings: AssetConversionInputSettings,
        output_settings: AssetConversionOutputSettings,
        *,
        storage_account_key: Optional[str] = None,
        storage_account_name: Optional[str] = None,
        scan_bytes: Optional[int] = None,
    ) -> InputLint:
        """Checks a conversion before it is created (nothing is sent to the service): its SAS tokens, and,
        listing the input container under the prefix (with the input SAS, or a short one signed from
        ``storage_account_key``), the model, its settings files, the files it refers to, names the service
        mishandles and what will be downloaded. Problems are ``findings``, errors first."""
        settings = conversion_settings_arg(input_settings, output_settings)
        options = lint_options(storage_account_key, storage_account_name, scan_bytes)
        return InputLint.from_json(self._client().call("arr_client_lint_conversion_input", settings, options))

    def get_asset_conversion_results(
        self,
        conversion_id: str,
        *,
        output_sas: Optional[str] = None,
        storage_account_key: Optional[str] = None,
        storage_account_name: Optional[str] = None,
        raw_response_hook: Optional[ResponseHook] = None,
    ) -> AssetConversion:
        """The conversion, with ``results`` read from its output container once it has ended: the result
        file's outcome and messages (code, title, details) and the info file's statistics. Needs the output
        SAS with read (``r``), or the storage account key. ``raw_response_hook`` sees the service's answer
        to the conversion's GET."""
        options = results_options(output_sas, storage_account_key, storage_account_name)
        text, response = self._client().call_with_response(
            "arr_client_get_conversion_results", conversion_id_arg(conversion_id), options
        )
        return self._answered(AssetConversion.from_json(text, response), response, raw_response_hook)

    def list_rendering_session_costs(self, prices: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """The account's Starting and Ready sessions with the minutes each is billed so far (from create, as the
        service bills) and, with ``prices`` (``{"currency": "USD", "perHour": {"Standard": 3.0, ...}}``; no price
        is built in), their cost: ``{"sessions": [{"id", "size", "status", "billedMinutes", "cost"}],
        "totalMinutes", "totalCost", "currency"}`` (cost keys only with prices)."""
        prices_json = json.dumps(prices).encode() if prices is not None else None
        costs: Dict[str, Any] = json.loads(self._client().call("arr_client_list_session_costs", prices_json) or "{}")
        return costs

    def create_rendering_session_with_fallback(
        self,
        session_id: Optional[str],
        size: Union[str, RenderingSessionSize],
        lease_time_minutes: int,
        *,
        fallback_sizes: Sequence[str] = (),
        fallback_endpoints: Sequence[str] = (),
        capacity_codes: Sequence[str] = (),
        timeout: Optional[float] = None,
        polling_interval: Optional[float] = None,
    ) -> Tuple[RenderingSession, List[Dict[str, Any]]]:
        """Creates a session and waits until it is Ready; when it ends in Error for lack of capacity (error code
        ``CapacityExceeded``, or one of ``capacity_codes``), stops it and tries the next of ``fallback_sizes``,
        then every size at each of ``fallback_endpoints``. Returns the Ready session and the fallback steps
        (``failedSessionId``, ``failedSize``, ``failedEndpoint``, ``code``, ``message``, ``stopped``,
        ``nextSize``, ``nextEndpoint``). Any other failure raises as the wait would."""
        fallback = {"sizes": list(fallback_sizes), "endpoints": list(fallback_endpoints), "codes": list(capacity_codes)}
        args = (
            create_options(size, lease_time_minutes, session_id),
            wait_options(timeout, polling_interval),
            json.dumps(fallback).encode(),
        )
        answer = json.loads(self._wait("arr_client_create_session_with_fallback_async", *args) or "{}")
        session = RenderingSession.from_dict(answer["session"])
        return session, list(answer["fallbacks"])

    def get_access_token(self) -> str:
        """A valid Mixed Reality access token (a secret: never log it)."""
        token: str = json.loads(self._client().call("arr_client_get_access_token") or "{}")["accessToken"]
        return token

    def _wait(self, function_name: str, *args: Any) -> Optional[str]:
        """Runs a (possibly long) wait through its ``_async`` form, so Ctrl-C cancels it instead of hanging."""
        native = self._client()
        done = threading.Event()
        outcome: List[Any] = []

        def handler(status: int, text: Optional[str], response: Optional[str]) -> None:
            outcome.append((status, text))
            done.set()

        operation = native.start(function_name, *args, handler=handler)
        try:
            while not done.wait(0.25):
                pass
        except BaseException:
            native.cancel(operation)
            raise
        status, text = outcome[0]
        if status != STATUS_OK:
            raise error_from_json(_ffi.status_name(status), text)
        return text if isinstance(text, str) else None

    def _answered(self, value: _T, response: Optional[RawResponse], hook: Any) -> _T:
        """``value`` after ``hook``, the call's ``raw_response_hook`` (or the client's), has seen ``response``."""
        call_hook(self._hook(hook), response)
        return value

    def __repr__(self) -> str:
        return f"<RemoteRenderingClient {'closed' if self.closed else 'open'}>"
