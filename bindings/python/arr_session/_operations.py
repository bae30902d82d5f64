"""The one table of the clients' operations. Each names its native functions (the blocking form and the
``_async`` form, read from the typed ``_ffi.lib`` when this module is imported, so a misspelt name fails at
import), its argument builder (the Python arguments checked and marshalled), its result parser, and whether
the call's ``raw_response_hook`` sees the service's answer. ``_api`` gives each public method's signature once,
building a :class:`Call` of an operation; the sync client runs it with ``call`` (``_client``), the asyncio
client with ``await`` (``aio/_base``), and neither says more about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, List, Optional, Tuple, TypeVar

from . import _args, _decode
from ._decode import Parse
from ._ffi import lib
from ._native import NativeFunction
from .exceptions import ArrError
from .models import AssetConversion, InputLint, RenderingSession, SessionStopResult, SessionWaitResult

T = TypeVar("T")
R = TypeVar("R")

#: Turns an operation's Python arguments into the native function's, after the client handle.
Build = Callable[..., Tuple[Any, ...]]


@dataclass(frozen=True)
class Operation(Generic[T]):
    """One row of the table."""

    #: The blocking form (its last argument a ``char **`` out-string when ``text``); None when the sync client
    #: waits on the ``_async`` form too (a long wait, which Ctrl-C must be able to cancel).
    blocking: Optional[NativeFunction]
    #: The ``_async`` form (its completion gives the same JSON).
    started: NativeFunction
    args: Build
    parse: "Parse[T]"
    #: One answer of the service is behind a success: the call's ``raw_response_hook`` (or the client's) sees it.
    answered: bool = False
    #: The blocking form writes an out-string (``arr_client_stop_session`` writes none).
    text: bool = True


@dataclass(frozen=True)
class Call(Generic[T]):
    """An operation about to run: its Python arguments (built into the native ones when it runs, so an asyncio
    client checks them when awaited, as an ``async def`` does) and the call's ``raw_response_hook``."""

    operation: Operation[T]
    args: Tuple[Any, ...] = ()
    hook: Any = None

    def native_args(self) -> Tuple[Any, ...]:
        return self.operation.args(*self.args)


#: ``ClientBase._id_from_token``: the id in a poller's continuation token, ``(token, what)``.
IdFromToken = Callable[[str, str], str]


@dataclass(frozen=True)
class Start(Generic[T]):
    """How a poller starts: ``first(id_from_token)`` is the call giving the value it waits on (a create or a
    get), ``options`` the wait's options JSON; ``created``: a wait that cannot start hands the created value to
    the caller on the error (``ArrError.created_session``) instead of losing it."""

    first: Callable[[IdFromToken], Call[T]]
    options: Optional[bytes]
    created: bool = False

    def poller(self, make: Callable[[Any, T, Optional[bytes]], R], client: Any, value: T) -> R:
        """``make(client, value, options)``: the poller waiting on ``value``, the first call's result."""
        try:
            return make(client, value, self.options)
        except ArrError as error:
            if self.created and isinstance(value, RenderingSession):
                error.created_session = value
            raise


@dataclass(frozen=True)
class Keep:
    """How a lease keeper starts: the session (``many`` False) or sessions, and its options JSON."""

    session_ids: Any
    options: Optional[bytes]
    many: bool


def _none() -> Tuple[Any, ...]:
    return ()


def _session_id(session_id: Any) -> Tuple[Any, ...]:
    return (_args.session_id_arg(session_id),)


def _session_minutes(name: str) -> Build:
    def build(session_id: Any, minutes: Any) -> Tuple[Any, ...]:
        return _args.session_id_arg(session_id), _args.require_u32(name, minutes)

    return build


def _create(session_id: Any, size: Any, lease_time_minutes: Any, owned: Any = None) -> Tuple[Any, ...]:
    return (_args.create_options(size, lease_time_minutes, session_id, owned),)


def _conversion_id(conversion_id: Any) -> Tuple[Any, ...]:
    return (_args.conversion_id_arg(conversion_id),)


def _create_conversion(conversion_id: Any, input_settings: Any, output_settings: Any) -> Tuple[Any, ...]:
    return _args.conversion_id_arg(conversion_id), _args.conversion_settings_arg(input_settings, output_settings)


def _wait_for_sessions(session_ids: Any, timeout: Any, polling_interval: Any) -> Tuple[Any, ...]:
    return _args.session_ids_arg(session_ids), _args.wait_options(timeout, polling_interval)


def _lint(input_settings: Any, output_settings: Any, key: Any, name: Any, scan_bytes: Any) -> Tuple[Any, ...]:
    settings = _args.conversion_settings_arg(input_settings, output_settings)
    return settings, _args.lint_options(key, name, scan_bytes)


def _results(conversion_id: Any, output_sas: Any, key: Any, name: Any) -> Tuple[Any, ...]:
    return _args.conversion_id_arg(conversion_id), _args.results_options(output_sas, key, name)


def _costs(prices: Optional[Dict[str, Any]]) -> Tuple[Any, ...]:
    return (_args.json_arg(prices),)


def _with_fallback(
    session_id: Any, size: Any, lease_time_minutes: Any, fallback_sizes: Any, fallback_endpoints: Any,
    capacity_codes: Any, timeout: Any, polling_interval: Any,
) -> Tuple[Any, ...]:
    fallback = {"sizes": list(fallback_sizes), "endpoints": list(fallback_endpoints), "codes": list(capacity_codes)}
    return (
        _args.create_options(size, lease_time_minutes, session_id),
        _args.wait_options(timeout, polling_interval),
        _args.json_arg(fallback),
    )


def _stop_owned(timeout: Any) -> Tuple[Any, ...]:
    return (_args.timeout_ms_arg(timeout),)


GET_SESSION: Operation[RenderingSession] = Operation(
    lib.arr_client_get_session, lib.arr_client_get_session_async, _session_id, _decode.session, answered=True)
CREATE_SESSION: Operation[RenderingSession] = Operation(
    lib.arr_client_create_session, lib.arr_client_create_session_async, _create, _decode.session, answered=True)
UPDATE_SESSION: Operation[RenderingSession] = Operation(
    lib.arr_client_update_session, lib.arr_client_update_session_async, _session_minutes("lease_time_minutes"),
    _decode.session, answered=True)
EXTEND_SESSION: Operation[RenderingSession] = Operation(
    lib.arr_client_extend_session, lib.arr_client_extend_session_async, _session_minutes("by_minutes"),
    _decode.session, answered=True)
STOP_SESSION: Operation[None] = Operation(
    lib.arr_client_stop_session, lib.arr_client_stop_session_async, _session_id, _decode.nothing, answered=True,
    text=False)
LIST_SESSIONS: Operation[List[RenderingSession]] = Operation(
    lib.arr_client_list_sessions, lib.arr_client_list_sessions_async, _none, _decode.sessions, answered=True)
CREATE_CONVERSION: Operation[AssetConversion] = Operation(
    lib.arr_client_create_conversion, lib.arr_client_create_conversion_async, _create_conversion,
    _decode.conversion, answered=True)
GET_CONVERSION: Operation[AssetConversion] = Operation(
    lib.arr_client_get_conversion, lib.arr_client_get_conversion_async, _conversion_id, _decode.conversion,
    answered=True)
LIST_CONVERSIONS: Operation[List[AssetConversion]] = Operation(
    lib.arr_client_list_conversions, lib.arr_client_list_conversions_async, _none, _decode.conversions,
    answered=True)
CONVERSION_RESULTS: Operation[AssetConversion] = Operation(
    lib.arr_client_get_conversion_results, lib.arr_client_get_conversion_results_async, _results,
    _decode.conversion, answered=True)
LINT_CONVERSION_INPUT: Operation[InputLint] = Operation(
    lib.arr_client_lint_conversion_input, lib.arr_client_lint_conversion_input_async, _lint, _decode.input_lint)
STOP_OWNED_SESSIONS: Operation[List[SessionStopResult]] = Operation(
    lib.arr_client_stop_owned_sessions, lib.arr_client_stop_owned_sessions_async, _stop_owned,
    _decode.stop_results)
WAIT_FOR_SESSIONS: Operation[List[SessionWaitResult]] = Operation(
    None, lib.arr_client_wait_for_sessions_async, _wait_for_sessions, _decode.wait_results)
SESSION_COSTS: Operation[Dict[str, Any]] = Operation(
    lib.arr_client_list_session_costs, lib.arr_client_list_session_costs_async, _costs, _decode.costs)
CREATE_SESSION_WITH_FALLBACK: Operation[Tuple[RenderingSession, List[Dict[str, Any]]]] = Operation(
    None, lib.arr_client_create_session_with_fallback_async, _with_fallback, _decode.session_with_fallbacks)
ACCESS_TOKEN: Operation[str] = Operation(
    lib.arr_client_get_access_token, lib.arr_client_get_access_token_async, _none, _decode.access_token)
