"""The native client handle shared by the sync and asyncio clients, and the config JSON built from arguments.

Only marshalling happens here: keyword arguments become the library's config JSON (snake_case keys turned
into camelCase), and the library validates them.
"""

from __future__ import annotations

import ctypes
import json
import math
import threading
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, Mapping, Optional

from . import _callbacks, _ffi
from ._ffi import lib
from .exceptions import error_from_json

TOKEN_KINDS = {"access_token": _ffi.TOKEN_KIND_ACCESS_TOKEN, "aad": _ffi.TOKEN_KIND_AAD}
#: The scope of Mixed Reality STS tokens, asked of a ``TokenCredential`` (azure-identity).
STS_SCOPE = "https://sts.mixedreality.azure.com/.default"


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
    require_str("size", size)
    require_str("session_id", session_id, optional=True)
    options: Dict[str, Any] = {"size": size, "maxLeaseTimeMinutes": require_u32("lease_time_minutes", lease_time_minutes)}
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


def build_config(
    endpoint: Any,
    account_id: Any,
    account_domain: Any = None,
    account_key: Any = None,
    access_token: Any = None,
    api_version: Any = None,
    credential: Any = None,
    **options: Any,
) -> "tuple[Dict[str, Any], Optional[Callable[[], str]], str]":
    """The config JSON object, plus a token provider and its kind when ``credential`` asks for one."""
    require_str("endpoint", endpoint)
    require_str("account_id", account_id)
    for name, value in (("account_domain", account_domain), ("account_key", account_key),
                        ("access_token", access_token), ("api_version", api_version)):
        require_str(name, value, optional=True)
    provider: Optional[Callable[[], str]] = None
    kind = "access_token"
    if credential is not None:
        # Duck-typed azure.core credentials: AzureKeyCredential (.key), AccessToken (.token),
        # TokenCredential (.get_token(scope), an Entra ID token exchanged at the STS).
        if hasattr(credential, "get_token"):
            provider, kind = (lambda: credential.get_token(STS_SCOPE).token), "aad"
        elif isinstance(getattr(credential, "key", None), str):
            account_key = credential.key
        elif isinstance(getattr(credential, "token", None), str):
            access_token = credential.token
        else:
            raise TypeError("credential must be an AzureKeyCredential, an AccessToken or a TokenCredential")
    config: Dict[str, Any] = {"endpoint": endpoint, "accountId": account_id}
    for key, value in (("accountDomain", account_domain), ("accountKey", account_key),
                       ("accessToken", access_token), ("apiVersion", api_version)):
        if value is not None:
            config[key] = value
    for name, value in options.items():
        config[camel(name)] = _camel_keys(value)
    return config, provider, kind


class NativeClient:
    """Owns one ``arr_client *``. ``close()`` closes and frees it once; calls made after that raise
    ``RuntimeError``.

    ``close()`` first calls ``arr_client_close``, which may run while other threads are inside calls with
    the pointer: blocking calls in progress on other threads return ``ARR_STATUS_CANCELLED`` (they raise
    ``ArrCancelledError``), ``_async`` operations call back cancelled, and owned sessions are stopped if so
    configured. Calls are counted while they hold the pointer, so ``arr_client_free`` never runs while
    another thread is inside a call with it (the ABI forbids that): ``close()`` then waits for those calls
    to return, which they now do promptly.
    """

    def __init__(self, config: Mapping[str, Any], token_provider: Optional[Callable[[], str]], token_kind: str) -> None:
        self._ptr: Optional[int] = None
        self._provider_id: Optional[int] = None
        self._busy = 0
        self._closed = False
        self._cond = threading.Condition()
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a mapping, not {type(config).__name__}")
        if token_provider is not None and not callable(token_provider):
            raise TypeError("token_provider must be a callable returning a str")
        if token_kind not in TOKEN_KINDS:
            raise ValueError(f"token_kind must be one of {sorted(TOKEN_KINDS)}, not {token_kind!r}")
        _callbacks.sync_log_level()
        text = _ffi.encode(json.dumps(dict(config)))
        out = ctypes.c_void_p()
        if token_provider is None:
            status = lib.arr_client_new(text, ctypes.byref(out))
        else:
            self._provider_id = _callbacks.add_provider(token_provider)
            status = lib.arr_client_new_with_token_provider(
                text, TOKEN_KINDS[token_kind], _callbacks.ON_TOKEN, self._provider_id, ctypes.byref(out)
            )
        if status != _ffi.OK:
            error = error_from_json(_ffi.status_name(status), _ffi.last_error())
            if self._provider_id is not None:
                _callbacks.remove_provider(self._provider_id)
            raise error
        self._ptr = out.value

    @property
    def closed(self) -> bool:
        return self._closed

    @contextmanager
    def use(self) -> Iterator[int]:
        with self._cond:
            if self._closed or self._ptr is None:
                raise RuntimeError("the RemoteRenderingClient is closed")
            self._busy += 1
        try:
            yield self._ptr
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def call(self, function_name: str, *args: Any) -> Optional[str]:
        """A blocking ABI call whose last argument is a ``char **`` out-string: the decoded string, freed."""
        out = ctypes.c_void_p()
        with self.use() as ptr:
            status = getattr(lib, function_name)(ptr, *args, ctypes.byref(out))
            if status != _ffi.OK:
                raise error_from_json(_ffi.status_name(status), _ffi.last_error())
        return _ffi.take_string(out.value)

    def call_no_out(self, function_name: str, *args: Any) -> None:
        with self.use() as ptr:
            status = getattr(lib, function_name)(ptr, *args)
            if status != _ffi.OK:
                raise error_from_json(_ffi.status_name(status), _ffi.last_error())

    def start(self, function_name: str, *args: Any, handler: _callbacks.Handler) -> int:
        """Starts an ``_async`` call; ``handler(status, json)`` runs once on a library thread."""
        with self.use() as ptr:
            return _callbacks.start(function_name, ptr, *args, handler=handler)

    def cancel(self, operation_id: int) -> bool:
        """Cancels an operation; False if it was no longer in flight (or the client is closed)."""
        with self._cond:
            if self._closed or self._ptr is None:
                return False
            self._busy += 1
        try:
            return lib.arr_client_cancel(self._ptr, operation_id) == _ffi.OK
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True  # no new call takes the pointer from here on
            ptr = self._ptr
        if ptr is not None:
            # Interrupts the calls of other threads (and stops owned sessions, if configured); returns once
            # the callbacks of the cancelled operations have run.
            lib.arr_client_close(ptr)
        with self._cond:
            while self._busy:
                self._cond.wait()
            ptr, self._ptr = self._ptr, None
        lib.arr_client_free(ptr)  # nothing is left in flight; no callback runs after this returns
        if self._provider_id is not None:
            _callbacks.remove_provider(self._provider_id)
