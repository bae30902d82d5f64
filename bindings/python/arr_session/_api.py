"""The clients' public operations, each said once: its signature, its documentation, and what it does as data
(a :class:`~arr_session._operations.Call` of an operation of the table, a poller's :class:`Start`, a keeper's
:class:`Keep`). The sync client turns each into a method that calls it, the asyncio client into one that awaits
it (``calling`` / ``awaiting``), so both clients have the same methods, arguments and documentation; the
asyncio client's return the same values as coroutines (pagers and keepers are returned at once, as Microsoft's).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _operations as op
from ._args import keeper_options, wait_options
from ._operations import Call, IdFromToken, Keep, Start
from ._response import ResponseHook
from .models import (
    AssetConversion,
    AssetConversionInputSettings,
    AssetConversionOutputSettings,
    InputLint,
    RenderingSession,
    RenderingSessionSize,
    SessionStopResult,
    SessionWaitResult,
)


def id_args(resource_id: Any = None, continuation_token: Any = None, name: str = "session_id") -> None:
    """Microsoft's rule (and messages) for a poller's ``session_id`` / ``conversion_id`` or its token."""
    if resource_id is None and continuation_token is None:
        raise ValueError(f"Either {name} or continuation_token needs to be supplied.")
    if resource_id is not None and continuation_token is not None:
        raise ValueError(f"Parameters {name} and continuation_token are mutual exclusive. Supply only one of the two.")


def _existing(
    get: "op.Operation[Any]", what: str, resource_id: Optional[str], token: Optional[str], kwargs: Dict[str, Any]
) -> "Any":
    """A poller's first call for an existing session or conversion: a get, by id or by continuation token."""

    def first(id_from_token: IdFromToken) -> Call[Any]:
        found = id_from_token(token, what) if token is not None else resource_id
        return Call(get, (found,), kwargs.get("raw_response_hook"))

    return first


# -- Microsoft's operations ----------------------------------------------------------------------------


def begin_rendering_session(
    session_id: Optional[str],
    size: Union[str, RenderingSessionSize],
    lease_time_minutes: int,
    *,
    owned: Optional[bool] = None,
    polling_interval: Optional[float] = None,
    timeout: Optional[float] = None,
    **kwargs: Any,
) -> Start[RenderingSession]:
    """Creates a session and returns a poller that waits for it to be Ready. ``session_id`` None lets the
    library choose one (required with api-version v1). Ours: ``owned=False`` keeps the session out of
    ``stop_owned_rendering_sessions()``; ``timeout`` (seconds) bounds the wait."""
    options = wait_options(timeout, polling_interval)
    create = Call(op.CREATE_SESSION, (session_id, size, lease_time_minutes, owned), kwargs.get("raw_response_hook"))
    # The wait options are checked by the library only when the wait starts, after the create (see README,
    # "Known gaps"): the running session is then handed to the caller instead of being lost.
    return Start(lambda _: create, options, created=True)


def get_rendering_session_poller(
    *,
    session_id: Optional[str] = None,
    continuation_token: Optional[str] = None,
    polling_interval: Optional[float] = None,
    timeout: Optional[float] = None,
    **kwargs: Any,
) -> Start[RenderingSession]:
    """A poller for an existing session, by ``session_id`` or by a poller's ``continuation_token()``."""
    id_args(session_id, continuation_token)
    options = wait_options(timeout, polling_interval)
    return Start(_existing(op.GET_SESSION, "rendering session", session_id, continuation_token, kwargs), options)


def get_rendering_session(session_id: str, **kwargs: Any) -> Call[RenderingSession]:
    """The session as the service describes it now."""
    return Call(op.GET_SESSION, (session_id,), kwargs.get("raw_response_hook"))


def update_rendering_session(
    session_id: str, lease_time_minutes: Optional[int] = None, **kwargs: Any
) -> Call[RenderingSession]:
    """Sets the lease to ``lease_time_minutes`` in total (absolute; more than the current lease). Without
    it, returns the session unchanged."""
    if lease_time_minutes is None:
        return get_rendering_session(session_id, **kwargs)
    return Call(op.UPDATE_SESSION, (session_id, lease_time_minutes), kwargs.get("raw_response_hook"))


def stop_rendering_session(session_id: str, **kwargs: Any) -> Call[None]:
    """Stops the session (billing ends). Stopping a stopped session succeeds."""
    return Call(op.STOP_SESSION, (session_id,), kwargs.get("raw_response_hook"))


def list_rendering_sessions(**kwargs: Any) -> Call[List[RenderingSession]]:
    """The account's Starting and Ready sessions, as a lazy pager (requested when iterated; the asyncio
    client's may be awaited, as Microsoft's, or iterated with ``async for`` directly)."""
    return Call(op.LIST_SESSIONS, (), kwargs.get("raw_response_hook"))


def begin_asset_conversion(
    conversion_id: str,
    input_settings: AssetConversionInputSettings,
    output_settings: AssetConversionOutputSettings,
    *,
    polling_interval: Optional[float] = None,
    timeout: Optional[float] = None,
    **kwargs: Any,
) -> Start[AssetConversion]:
    """Starts converting a model and returns a poller whose ``result()`` is the conversion in its final
    state (Succeeded with ``output.asset_uri``, or Cancelled); one that ended Failed raises
    ``AssetConversionFailedError`` (an ``HttpResponseError`` with its ``error``), as Microsoft's poller
    does. The library waits on its own threads (every ``polling_interval`` seconds, or the client's);
    ``timeout`` (seconds, ours) bounds the wait. Starting again with the same id and settings finds the
    running conversion."""
    options = wait_options(timeout, polling_interval)
    args = (conversion_id, input_settings, output_settings)
    create = Call(op.CREATE_CONVERSION, args, kwargs.get("raw_response_hook"))
    return Start(lambda _: create, options)


def get_asset_conversion_poller(
    *,
    conversion_id: Optional[str] = None,
    continuation_token: Optional[str] = None,
    polling_interval: Optional[float] = None,
    timeout: Optional[float] = None,
    **kwargs: Any,
) -> Start[AssetConversion]:
    """A poller for an existing conversion, by ``conversion_id`` or by a poller's ``continuation_token()``."""
    id_args(conversion_id, continuation_token, name="conversion_id")
    options = wait_options(timeout, polling_interval)
    return Start(_existing(op.GET_CONVERSION, "asset conversion", conversion_id, continuation_token, kwargs), options)


def get_asset_conversion(conversion_id: str, **kwargs: Any) -> Call[AssetConversion]:
    """The conversion as the service describes it now."""
    return Call(op.GET_CONVERSION, (conversion_id,), kwargs.get("raw_response_hook"))


def list_asset_conversions(**kwargs: Any) -> Call[List[AssetConversion]]:
    """Every conversion of the account (every state), as a lazy pager (requested when iterated)."""
    return Call(op.LIST_CONVERSIONS, (), kwargs.get("raw_response_hook"))


# -- ours ------------------------------------------------------------------------------------------------


def create_rendering_session(
    session_id: Optional[str],
    size: Union[str, RenderingSessionSize],
    lease_time_minutes: int,
    *,
    owned: Optional[bool] = None,
    raw_response_hook: Optional[ResponseHook] = None,
) -> Call[RenderingSession]:
    """Creates a session (status Starting) without waiting. Creating again with the same id and settings
    returns that session. ``owned=False`` keeps it out of ``stop_owned_rendering_sessions()`` and of
    stopping on close."""
    return Call(op.CREATE_SESSION, (session_id, size, lease_time_minutes, owned), raw_response_hook)


def extend_rendering_session(
    session_id: str, by_minutes: int, *, raw_response_hook: Optional[ResponseHook] = None
) -> Call[RenderingSession]:
    """Extends the lease by ``by_minutes`` (the safe way to renew: no read-modify-write race)."""
    return Call(op.EXTEND_SESSION, (session_id, by_minutes), raw_response_hook)


def keep_rendering_session(
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
) -> Keep:
    """Starts the library's lease keeper for a session and returns it (a context manager, and an iterator
    of :class:`~arr_session.KeepEvent`)::

        with client.keep_rendering_session(session_id, extend_by_minutes=30, renew_below_minutes=10,
                                           max_total_minutes=240, warn_at_minutes=(10, 2)) as keeper:
            for event in keeper:   # ends after the session ended; raises if the keeper failed
                print(event.kind, event)

    (The asyncio client's: ``async with`` and ``async for``, called inside a running event loop.)

    When fewer than ``renew_below_minutes`` remain the lease is extended by ``extend_by_minutes`` (totals
    computed from the service's own counts), never beyond ``max_total_minutes``; ``warn_at_minutes``
    give ``expiringSoon`` events before an end that will not be renewed. The session is checked every
    ``polling_interval`` seconds. ``None`` leaves an option to the library's default. Leaving the
    ``with`` block stops the keeper and leaves the lease as it is (nothing stops the session).
    ``budget_minutes`` (billed minutes from create), or ``budget_amount`` at ``prices`` (``{"currency",
    "perHour": {size: price}}``), stops renewals at the budget with a ``budgetReached`` event."""
    options = keeper_options(extend_by_minutes, renew_below_minutes, max_total_minutes, warn_at_minutes,
                             polling_interval, budget_minutes, budget_amount, prices)
    return Keep(session_id, options, many=False)


def keep_rendering_sessions(
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
) -> Keep:
    """Keeps several sessions with one list request per poll (``arr_client_keep_sessions``); the options
    are ``keep_rendering_session``'s, for each session::

        with client.keep_rendering_sessions([a, b, c], extend_by_minutes=30) as keeper:
            for event in keeper:   # each names its session; ends once none is left to keep
                if event.exception is not None:
                    print(event.session_id, event.kind, event.exception.status_code, event.ms_cv)

    A session that cannot be kept (unknown, credentials refused) has a ``failed`` event with its
    ``exception``, and the others are kept on; the iteration ends once every session ended or failed."""
    options = keeper_options(extend_by_minutes, renew_below_minutes, max_total_minutes, warn_at_minutes,
                             polling_interval, budget_minutes, budget_amount, prices)
    return Keep(session_ids, options, many=True)


def stop_owned_rendering_sessions(timeout: float = 10.0) -> Call[List[SessionStopResult]]:
    """Stops every session this client created (unless created with ``owned=False``), concurrently, within
    ``timeout`` seconds; one result per session. With ``stop_owned_sessions_on_close=True`` in the
    options, ``close()`` does this itself (within ``close_timeout_ms``)."""
    return Call(op.STOP_OWNED_SESSIONS, (timeout,))


def wait_for_rendering_sessions(
    session_ids: Sequence[str], *, timeout: Optional[float] = None, polling_interval: Optional[float] = None
) -> Call[List[SessionWaitResult]]:
    """Waits for many sessions with one list request per poll; one result per id, in order. A session that
    failed (ended, missing, still starting at ``timeout``) has ``ok == False`` and an ``error``."""
    return Call(op.WAIT_FOR_SESSIONS, (session_ids, timeout, polling_interval))


def lint_asset_conversion_input(
    input_settings: AssetConversionInputSettings,
    output_settings: AssetConversionOutputSettings,
    *,
    storage_account_key: Optional[str] = None,
    storage_account_name: Optional[str] = None,
    scan_bytes: Optional[int] = None,
) -> Call[InputLint]:
    """Checks a conversion before it is created (nothing is sent to the service): its SAS tokens, and,
    listing the input container under the prefix (with the input SAS, or a short one signed from
    ``storage_account_key``), the model, its settings files, the files it refers to, names the service
    mishandles and what will be downloaded. Problems are ``findings``, errors first."""
    args = (input_settings, output_settings, storage_account_key, storage_account_name, scan_bytes)
    return Call(op.LINT_CONVERSION_INPUT, args)


def get_asset_conversion_results(
    conversion_id: str,
    *,
    output_sas: Optional[str] = None,
    storage_account_key: Optional[str] = None,
    storage_account_name: Optional[str] = None,
    raw_response_hook: Optional[ResponseHook] = None,
) -> Call[AssetConversion]:
    """The conversion, with ``results`` read from its output container once it has ended: the result
    file's outcome and messages (code, title, details) and the info file's statistics. Needs the output
    SAS with read (``r``), or the storage account key. ``raw_response_hook`` sees the service's answer
    to the conversion's GET."""
    args = (conversion_id, output_sas, storage_account_key, storage_account_name)
    return Call(op.CONVERSION_RESULTS, args, raw_response_hook)


def list_rendering_session_costs(prices: Optional[Dict[str, Any]] = None) -> Call[Dict[str, Any]]:
    """The account's Starting and Ready sessions with the minutes each is billed so far (from create, as the
    service bills) and, with ``prices`` (``{"currency": "USD", "perHour": {"Standard": 3.0, ...}}``; no price
    is built in), their cost: ``{"sessions": [{"id", "size", "status", "billedMinutes", "cost"}],
    "totalMinutes", "totalCost", "currency"}`` (cost keys only with prices)."""
    return Call(op.SESSION_COSTS, (prices,))


def create_rendering_session_with_fallback(
    session_id: Optional[str],
    size: Union[str, RenderingSessionSize],
    lease_time_minutes: int,
    *,
    fallback_sizes: Sequence[str] = (),
    fallback_endpoints: Sequence[str] = (),
    capacity_codes: Sequence[str] = (),
    timeout: Optional[float] = None,
    polling_interval: Optional[float] = None,
) -> Call[Tuple[RenderingSession, List[Dict[str, Any]]]]:
    """Creates a session and waits until it is Ready; when it ends in Error for lack of capacity (error code
    ``CapacityExceeded``, or one of ``capacity_codes``), stops it and tries the next of ``fallback_sizes``,
    then every size at each of ``fallback_endpoints``. Returns the Ready session and the fallback steps
    (``failedSessionId``, ``failedSize``, ``failedEndpoint``, ``code``, ``message``, ``stopped``,
    ``nextSize``, ``nextEndpoint``). Any other failure raises as the wait would."""
    args = (session_id, size, lease_time_minutes, fallback_sizes, fallback_endpoints, capacity_codes, timeout,
            polling_interval)
    return Call(op.CREATE_SESSION_WITH_FALLBACK, args)


def get_access_token() -> Call[str]:
    """A valid Mixed Reality access token (a secret: never log it)."""
    return Call(op.ACCESS_TOKEN)
