"""The native client handle shared by the sync and asyncio clients, and the config JSON built from arguments.

Only marshalling happens here: keyword arguments become the library's config JSON (snake_case keys turned
into camelCase), and the library validates them.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import threading
import weakref
from enum import Enum
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from . import _callbacks, _closer, _ffi
from ._abi import STATUS_OK, TOKEN_KIND_AAD, TOKEN_KIND_ACCESS_TOKEN
from ._ffi import lib
from ._response import RawResponse
from .credentials import Resolved, resolve, sts_scope
from .exceptions import error_from_json

TOKEN_KINDS = {"access_token": TOKEN_KIND_ACCESS_TOKEN, "aad": TOKEN_KIND_AAD}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {camel(str(k)): _camel_keys(v) for k, v in value.items()}
    return value


def require_str(name: str, value: Any, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")


def require_u32(name: str, value: Any) -> int:
    """An int that fits the ABI's ``uint32_t`` (ctypes would silently wrap a negative one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"{name} must be between 0 and 4294967295, not {value}")
    return value


def seconds_to_ms(name: str, seconds: Optional[float]) -> Optional[int]:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(seconds).__name__}")
    if not seconds > 0:  # also NaN; the library checks the upper bounds
        raise ValueError(f"{name} must be a positive number of seconds, not {seconds}")
    return max(1, math.ceil(seconds * 1000)) if seconds < 1e12 else 2**53


def wait_options(timeout: Optional[float], polling_interval: Optional[float]) -> Optional[bytes]:
    options = {"timeoutMs": seconds_to_ms("timeout", timeout), "pollIntervalMs": seconds_to_ms("polling_interval", polling_interval)}
    options = {k: v for k, v in options.items() if v is not None}
    return json.dumps(options).encode() if options else None


def create_options(size: Any, lease_time_minutes: Any, session_id: Any, owned: Any = None) -> bytes:
    if isinstance(size, Enum):
        size = size.value
    require_str("size", size)
    require_str("session_id", session_id, optional=True)
    # The lease goes to the service as given, negative included: the service refuses that with HTTP 400, the
    # HttpResponseError Microsoft's client raises (the library refuses more than 1440 minutes itself).
    if isinstance(lease_time_minutes, bool) or not isinstance(lease_time_minutes, int):
        raise TypeError(f"lease_time_minutes must be an int, not {type(lease_time_minutes).__name__}")
    if not -(2**31) <= lease_time_minutes <= 0xFFFFFFFF:
        raise ValueError(f"lease_time_minutes must be between -2147483648 and 4294967295, not {lease_time_minutes}")
    options: Dict[str, Any] = {"size": size, "maxLeaseTimeMinutes": lease_time_minutes}
    if session_id is not None:
        options["id"] = session_id
    if owned is not None:
        if not isinstance(owned, bool):
            raise TypeError(f"owned must be a bool, not {type(owned).__name__}")
        options["owned"] = owned
    return _ffi.encode(json.dumps(options))


def timeout_ms_arg(timeout: Any) -> int:
    """A timeout in seconds as the ABI's ``uint32_t`` milliseconds."""
    ms = seconds_to_ms("timeout", timeout)
    assert ms is not None
    return require_u32("timeout", ms) if ms <= 0xFFFFFFFF else 0xFFFFFFFF


def session_id_arg(session_id: Any) -> bytes:
    require_str("session_id", session_id)
    return _ffi.encode(session_id)


def session_ids_arg(session_ids: Any) -> bytes:
    """A sequence of session ids as the library's JSON array."""
    if isinstance(session_ids, (str, bytes)) or not isinstance(session_ids, Sequence):
        raise TypeError("session_ids must be a sequence of str")
    for session_id in session_ids:
        require_str("session_ids[]", session_id)
    return _ffi.encode(json.dumps(list(session_ids)))


#: azure-core pipeline options Microsoft's client passes to its pipeline. The library has its own transport,
#: retry and logging, so these are accepted and ignored (the ones with an equivalent are mapped above them).
AZURE_CORE_OPTIONS = frozenset({
    "logging_policy", "logging_enable", "http_logging_policy", "retry_policy", "transport", "headers",
    "user_agent_policy", "proxy_policy", "redirect_policy", "custom_hook_policy", "per_call_policies",
    "per_retry_policies", "distributed_tracing_policy", "headers_policy", "authentication_policy", "policies",
    "session", "connection_verify", "connection_cert", "retry_connect", "retry_read", "retry_status",
    "retry_mode", "retry_on_status_codes", "permit_redirects", "redirect_max", "sdk_moniker", "tracing_enabled",
    "connection_data_block_size", "logger", "network_span_namer", "read_timeout", "timeout", "proxies",
})


def _seconds_option(name: str, value: Any) -> int:
    ms = seconds_to_ms(name, value)
    assert ms is not None
    return ms


def build_config(
    endpoint: Any,
    account_id: Any,
    account_domain: Any,
    credential: Any,
    *,
    allow_async: bool,
    tokens_used_as_they_are: bool = False,
    **kwargs: Any,
) -> "tuple[Dict[str, Any], Resolved]":
    """The library's config JSON object, and what the credential resolved to.

    ``kwargs``: Microsoft's (``api_version``, ``polling_interval`` in seconds, ``authentication_endpoint_url``;
    ``user_agent``, ``connection_timeout``, ``retry_total``, ``retry_backoff_factor``, ``retry_backoff_max``
    mapped to the library's; other azure-core pipeline options ignored), then the library's own config keys
    in snake_case (validated by the library: an unknown key raises ``ValueError``).
    """
    # Missing values raise ValueError, as Microsoft's client does (a migrating caller catches that); a value
    # of the wrong type stays a TypeError.
    for name, value in (("endpoint", endpoint), ("account_id", account_id)):
        if value is None or value == "":
            raise ValueError(f"{name} cannot be None")
        require_str(name, value)
    require_str("account_domain", account_domain, optional=True)
    sts_url = kwargs.pop("authentication_endpoint_url", None)
    require_str("authentication_endpoint_url", sts_url, optional=True)
    if sts_url is not None and not sts_url.lower().startswith(("https://", "http://")):
        raise ValueError(f"authentication_endpoint_url must be an http(s) URL, not {sts_url!r}")
    resolved = resolve(credential, sts_scope(account_domain, sts_url), allow_async)
    # The account domain names the STS (https://sts.<account_domain>): required, as Microsoft's client requires
    # it, unless the STS is given as authentication_endpoint_url or no STS is used (access tokens as they are).
    if not account_domain and sts_url is None and resolved.access_token is None and not tokens_used_as_they_are:
        raise ValueError("account_domain cannot be None (it names the STS; or give authentication_endpoint_url)")
    config: Dict[str, Any] = {"endpoint": endpoint, "accountId": account_id}
    retry: Dict[str, Any] = {}
    for key, value in (("accountDomain", account_domain), ("stsEndpoint", sts_url),
                       ("accountKey", resolved.account_key), ("accessToken", resolved.access_token)):
        if value is not None:
            config[key] = value
    api_version = kwargs.pop("api_version", None)
    if api_version is not None:
        config["apiVersion"] = str(getattr(api_version, "value", api_version))
    polling_interval = kwargs.pop("polling_interval", None)
    if polling_interval is not None:
        config["pollIntervalMs"] = _seconds_option("polling_interval", polling_interval)
    user_agent = kwargs.pop("user_agent", None)
    if user_agent is not None:
        config["userAgentSuffix"] = user_agent
    connection_timeout = kwargs.pop("connection_timeout", None)
    if connection_timeout is not None:
        config["connectTimeoutMs"] = _seconds_option("connection_timeout", connection_timeout)
    if kwargs.get("retry_total") is not None:
        retry["maxRetries"] = require_u32("retry_total", kwargs.pop("retry_total"))
    if kwargs.get("retry_backoff_factor") is not None:
        retry["baseDelayMs"] = _seconds_option("retry_backoff_factor", kwargs.pop("retry_backoff_factor"))
    if kwargs.get("retry_backoff_max") is not None:
        retry["maxDelayMs"] = _seconds_option("retry_backoff_max", kwargs.pop("retry_backoff_max"))
    for name, value in kwargs.items():
        if name in AZURE_CORE_OPTIONS or name.startswith("retry_"):
            continue
        config[camel(name)] = _camel_keys(value)
    if retry:
        config["retry"] = {**retry, **(config.get("retry") or {})}
    return config, resolved


class NativeClient:
    """Owns one ``arr_client *``. ``close()`` closes and frees it once; calls made after that raise
    ``RuntimeError``.

    ``close()`` first calls ``arr_client_close``, which may run while other threads are inside calls with
    the pointer: blocking calls in progress on other threads return ``ARR_STATUS_CANCELLED`` (they raise
    ``ArrCancelledError``), ``_async`` operations call back cancelled, and owned sessions are stopped if so
    configured. Calls are counted while they hold the pointer, so ``arr_client_free`` never runs while
    another thread is inside a call with it (the ABI forbids that): ``close()`` then waits for those calls
    to return, which they now do promptly.

    ``close_from_finalizer()`` is the finalizers' form: it never blocks and takes no lock (see ``_closer``).
    """

    def __init__(self, config: Mapping[str, Any], token_provider: Optional[_callbacks.Provider], token_kind: str) -> None:
        self._ptr: Optional[int] = None
        self._provider_id: Optional[int] = None
        self._busy = 0
        self._closed = False  # no new call takes the pointer
        self._close_started = False  # close() has begun (it runs once)
        # A plain lock guards _ptr, _busy and _closed (close_from_finalizer sets _closed without it: a finalizer
        # takes no lock). Calls take it on the way in and out, and notify _idle (what close() waits on) only
        # once the client is closing, so a call never pays for a Condition.
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a mapping, not {type(config).__name__}")
        if token_provider is not None and not callable(token_provider) and not isinstance(token_provider, _callbacks.AsyncProvider):
            raise TypeError("token_provider must be a callable returning a str")
        if token_kind not in TOKEN_KINDS:
            raise ValueError(f"token_kind must be one of {sorted(TOKEN_KINDS)}, not {token_kind!r}")
        _callbacks.sync_log_level()
        _closer.ensure_started()
        text = _ffi.encode(json.dumps(dict(config)))
        out = ctypes.c_void_p()
        if token_provider is None:
            status = lib.arr_client_new(text, ctypes.byref(out))
        else:
            self._provider_id = _callbacks.add_provider(token_provider)
            status = lib.arr_client_new_with_token_provider(
                text, TOKEN_KINDS[token_kind], _callbacks.ON_TOKEN, self._provider_id, ctypes.byref(out)
            )
        if status != STATUS_OK:
            error = error_from_json(_ffi.status_name(status), _ffi.last_error())
            if self._provider_id is not None:
                _callbacks.remove_provider(self._provider_id)
            raise error
        self._ptr = out.value
        _live.add(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def _reset_after_fork(self) -> None:
        """In a child after ``fork()``: the threads that held this lock or were inside calls are not there."""
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0

    def _enter(self) -> int:
        """Counts a call in and returns the pointer; pair it with ``_exit()`` in a ``finally``. (Plain
        try/finally rather than a generator @contextmanager: this is on the path of every call.)"""
        with self._lock:
            ptr = self._ptr
            if self._closed or ptr is None:
                raise RuntimeError("the RemoteRenderingClient is closed")
            self._busy += 1
        return ptr

    def _exit(self) -> None:
        with self._lock:
            self._busy -= 1
            if self._closed and not self._busy:
                self._idle.notify_all()  # close() is waiting for the last call in flight

    def call(self, function_name: str, *args: Any) -> Optional[str]:
        """A blocking ABI call whose last argument is a ``char **`` out-string: the decoded string, freed."""
        return self.call_with_response(function_name, *args)[0]

    def call_with_response(self, function_name: str, *args: Any) -> Tuple[Optional[str], Optional[RawResponse]]:
        """As :meth:`call`, with the service's answer behind the result (``arr_last_response``, read on this
        thread right after the call), or None when it came from no single answer."""
        out = ctypes.c_void_p()
        ptr = self._enter()
        try:
            status = getattr(lib, function_name)(ptr, *args, ctypes.byref(out))
            if status != STATUS_OK:
                raise error_from_json(_ffi.status_name(status), _ffi.last_error())
            # Taken (and freed) first, so nothing that raises below leaks it; arr_string_free leaves
            # arr_last_response as it is.
            text = _ffi.take_string(out.value)
            response = RawResponse.from_json(_ffi.last_response())
        finally:
            self._exit()
        return text, response

    def call_no_out(self, function_name: str, *args: Any) -> Optional[RawResponse]:
        """A blocking ABI call without an out-string; gives the service's answer behind it (or None)."""
        ptr = self._enter()
        try:
            status = getattr(lib, function_name)(ptr, *args)
            if status != STATUS_OK:
                raise error_from_json(_ffi.status_name(status), _ffi.last_error())
            return RawResponse.from_json(_ffi.last_response())
        finally:
            self._exit()

    def start(self, function_name: str, *args: Any, handler: _callbacks.Handler) -> int:
        """Starts an ``_async`` call; ``handler(status, json, response)`` runs once on a library thread."""
        ptr = self._enter()
        try:
            return _callbacks.start(function_name, ptr, *args, handler=handler)
        finally:
            self._exit()

    def start_stream(self, function_name: str, *args: Any, handler: _callbacks.StreamHandler) -> int:
        """Starts an operation that reports many events (``arr_client_keep_session(s)``); ``handler(status,
        json)`` runs on a library thread for each, one at a time: events with ARR_STATUS_OK, then the last call,
        the first with another status."""
        ptr = self._enter()
        try:
            return _callbacks.start_stream(function_name, ptr, *args, handler=handler)
        finally:
            self._exit()

    def cancel(self, operation_id: int) -> bool:
        """Cancels an operation; False if it was no longer in flight (or the client is closed)."""
        try:
            ptr = self._enter()
        except RuntimeError:
            return False
        try:
            return bool(lib.arr_client_cancel(ptr, operation_id) == STATUS_OK)
        finally:
            self._exit()

    def close_from_finalizer(self) -> None:
        """What a client's ``__del__`` does: refuses new calls at once and has the close and free done on the
        package's closing thread. Never blocks and takes no lock: a finalizer may run on an event loop's
        thread, a library thread, or while its own thread holds a lock."""
        if self._close_started or self._ptr is None:
            return
        self._closed = True
        _closer.submit(self)

    def close(self) -> None:
        with self._lock:
            if self._close_started:
                return
            self._close_started = True
            self._closed = True  # no new call takes the pointer from here on
            ptr = self._ptr
        if ptr is not None:
            # Interrupts the calls of other threads (and stops owned sessions, if configured); returns once
            # the callbacks of the cancelled operations have run.
            lib.arr_client_close(ptr)
        with self._lock:
            while self._busy:
                self._idle.wait()
            ptr, self._ptr = self._ptr, None
        lib.arr_client_free(ptr)  # nothing is left in flight; no callback runs after this returns
        if self._provider_id is not None:
            _callbacks.remove_provider(self._provider_id)


#: Every client of this process, for the reset after fork.
_live: "weakref.WeakSet[NativeClient]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for native in list(_live):
        native._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def conversion_id_arg(conversion_id: Any) -> bytes:
    require_str("conversion_id", conversion_id)
    return _ffi.encode(conversion_id)


def conversion_settings_arg(input_settings: Any, output_settings: Any) -> bytes:
    """The REST ``conversion_settings`` JSON (it carries the SAS values: never log it)."""
    from .models import AssetConversionInputSettings, AssetConversionOutputSettings, AssetConversionSettings

    if not isinstance(input_settings, AssetConversionInputSettings):
        raise TypeError(f"input_settings must be an AssetConversionInputSettings, not {type(input_settings).__name__}")
    if not isinstance(output_settings, AssetConversionOutputSettings):
        raise TypeError(f"output_settings must be an AssetConversionOutputSettings, not {type(output_settings).__name__}")
    settings = AssetConversionSettings(input_settings=input_settings, output_settings=output_settings)
    return _ffi.encode(json.dumps(settings.to_dict()))


def _minutes(name: str, value: Any) -> Optional[int]:
    return None if value is None else require_u32(name, value)


def keep_options(
    extend_by_minutes: Any = None,
    renew_below_minutes: Any = None,
    max_total_minutes: Any = None,
    warn_at_minutes: Any = None,
    polling_interval: Any = None,
) -> Optional[bytes]:
    """The options JSON of ``arr_client_keep_session(s)`` (``None`` values left to the library's defaults)."""
    options: Dict[str, Any] = {
        "extendByMinutes": _minutes("extend_by_minutes", extend_by_minutes),
        "renewBelowMinutes": _minutes("renew_below_minutes", renew_below_minutes),
        "maxTotalMinutes": _minutes("max_total_minutes", max_total_minutes),
        "pollIntervalMs": seconds_to_ms("polling_interval", polling_interval),
    }
    if warn_at_minutes is not None:
        if isinstance(warn_at_minutes, (str, bytes)) or not hasattr(warn_at_minutes, "__iter__"):
            raise TypeError("warn_at_minutes must be a sequence of minutes")
        options["warnAtMinutes"] = [require_u32("warn_at_minutes", m) for m in warn_at_minutes]
    options = {k: v for k, v in options.items() if v is not None}
    return json.dumps(options).encode() if options else None

