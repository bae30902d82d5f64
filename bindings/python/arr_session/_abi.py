"""The C ABI as ctypes sees it: constants, enums, callback types, the prototype table and the typed library.

Generated from include/arr_session.h by scripts/gen_bindings.py; do not edit (the test command fails
when this file differs from a fresh one). Regenerate with: python3 scripts/gen_bindings.py
"""

import ctypes
from ctypes import POINTER, c_bool, c_char_p, c_int32, c_int64, c_size_t, c_uint32, c_uint64, c_void_p
from typing import Any, Callable, Dict, List, Optional, Tuple

# Keeps every name imported above in use, whatever the header declares.
_TYPES = (POINTER, c_bool, c_char_p, c_int32, c_int64, c_size_t, c_uint32, c_uint64, c_void_p)

ABI_VERSION = 2
MAX_LEASE_MINUTES = 1440

# arr_status
STATUS_OK = 0
STATUS_NULL_ARGUMENT = 1
STATUS_INVALID_ARGUMENT = 2
STATUS_NOT_FOUND = 3
STATUS_CONFLICT = 4
STATUS_UNAUTHORIZED = 5
STATUS_FORBIDDEN = 6
STATUS_THROTTLED = 7
STATUS_SERVICE_ERROR = 8
STATUS_NETWORK = 9
STATUS_TIMEOUT = 10
STATUS_CANCELLED = 11
STATUS_DECODE = 12
STATUS_SESSION_ENDED = 13
STATUS_PANIC = 14
STATUS_SHUTDOWN = 15
STATUS_BLOCKING_IN_CALLBACK = 16
STATUS_CLOSED = 17
STATUS_FORKED = 18
STATUS_NAMES: Dict[int, str] = {
    0: "ARR_STATUS_OK",
    1: "ARR_STATUS_NULL_ARGUMENT",
    2: "ARR_STATUS_INVALID_ARGUMENT",
    3: "ARR_STATUS_NOT_FOUND",
    4: "ARR_STATUS_CONFLICT",
    5: "ARR_STATUS_UNAUTHORIZED",
    6: "ARR_STATUS_FORBIDDEN",
    7: "ARR_STATUS_THROTTLED",
    8: "ARR_STATUS_SERVICE_ERROR",
    9: "ARR_STATUS_NETWORK",
    10: "ARR_STATUS_TIMEOUT",
    11: "ARR_STATUS_CANCELLED",
    12: "ARR_STATUS_DECODE",
    13: "ARR_STATUS_SESSION_ENDED",
    14: "ARR_STATUS_PANIC",
    15: "ARR_STATUS_SHUTDOWN",
    16: "ARR_STATUS_BLOCKING_IN_CALLBACK",
    17: "ARR_STATUS_CLOSED",
    18: "ARR_STATUS_FORKED",
}

# arr_log_level
LOG_LEVEL_OFF = 0
LOG_LEVEL_ERROR = 1
LOG_LEVEL_WARN = 2
LOG_LEVEL_INFO = 3
LOG_LEVEL_DEBUG = 4
LOG_LEVEL_TRACE = 5
LOG_LEVEL_NAMES: Dict[int, str] = {
    0: "ARR_LOG_LEVEL_OFF",
    1: "ARR_LOG_LEVEL_ERROR",
    2: "ARR_LOG_LEVEL_WARN",
    3: "ARR_LOG_LEVEL_INFO",
    4: "ARR_LOG_LEVEL_DEBUG",
    5: "ARR_LOG_LEVEL_TRACE",
}

# arr_token_kind
TOKEN_KIND_ACCESS_TOKEN = 0
TOKEN_KIND_AAD = 1
TOKEN_KIND_NAMES: Dict[int, str] = {
    0: "ARR_TOKEN_KIND_ACCESS_TOKEN",
    1: "ARR_TOKEN_KIND_AAD",
}

# arr_callback
CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_uint32, c_char_p)
# arr_token_callback
TOKEN_CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_void_p)
# arr_log_callback
LOG_CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_uint32, c_char_p, c_char_p)

#: name: (restype, argtypes), for every exported function of the header.
PROTOTYPES: Dict[str, Tuple[Any, List[Any]]] = {
    "arr_version": (c_char_p, []),
    "arr_abi_version": (c_uint32, []),
    "arr_shutdown": (None, []),
    "arr_client_get_access_token": (c_uint32, [c_void_p, POINTER(c_void_p)]),
    "arr_client_get_access_token_async": (c_uint32, [c_void_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_create_session_with_fallback": (c_uint32, [c_void_p, c_char_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_create_session_with_fallback_async": (c_uint32, [c_void_p, c_char_p, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_new": (c_uint32, [c_char_p, POINTER(c_void_p)]),
    "arr_client_new_with_token_provider": (c_uint32, [c_char_p, c_uint32, TOKEN_CALLBACK, c_void_p, POINTER(c_void_p)]),
    "arr_client_close": (c_uint32, [c_void_p]),
    "arr_client_free": (None, [c_void_p]),
    "arr_client_cancel": (c_uint32, [c_void_p, c_uint64]),
    "arr_client_create_conversion": (c_uint32, [c_void_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_create_conversion_async": (c_uint32, [c_void_p, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_get_conversion": (c_uint32, [c_void_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_get_conversion_async": (c_uint32, [c_void_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_list_conversions": (c_uint32, [c_void_p, POINTER(c_void_p)]),
    "arr_client_list_conversions_async": (c_uint32, [c_void_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_wait_for_conversion": (c_uint32, [c_void_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_wait_for_conversion_async": (c_uint32, [c_void_p, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_list_session_costs": (c_uint32, [c_void_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_list_session_costs_async": (c_uint32, [c_void_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_diagnose": (c_uint32, [c_void_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_diagnose_async": (c_uint32, [c_void_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_last_error": (c_void_p, []),
    "arr_client_keep_session": (c_uint32, [c_void_p, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_keep_sessions": (c_uint32, [c_void_p, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_last_response": (c_void_p, []),
    "arr_set_log_callback": (c_uint32, [LOG_CALLBACK, c_void_p, c_uint32]),
    "arr_client_stop_owned_sessions": (c_uint32, [c_void_p, c_uint32, POINTER(c_void_p)]),
    "arr_client_get_owned_sessions": (c_uint32, [c_void_p, POINTER(c_void_p)]),
    "arr_client_stop_owned_sessions_async": (c_uint32, [c_void_p, c_uint32, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_conversion_check_settings": (c_uint32, [c_char_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_lint_conversion_input": (c_uint32, [c_void_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_lint_conversion_input_async": (c_uint32, [c_void_p, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_get_conversion_results": (c_uint32, [c_void_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_get_conversion_results_async": (c_uint32, [c_void_p, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_storage_sign_container_sas": (c_uint32, [c_char_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_reap_sessions": (c_uint32, [c_void_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_reap_sessions_async": (c_uint32, [c_void_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_create_session": (c_uint32, [c_void_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_create_session_async": (c_uint32, [c_void_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_get_session": (c_uint32, [c_void_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_get_session_async": (c_uint32, [c_void_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_update_session": (c_uint32, [c_void_p, c_char_p, c_uint32, POINTER(c_void_p)]),
    "arr_client_update_session_async": (c_uint32, [c_void_p, c_char_p, c_uint32, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_extend_session": (c_uint32, [c_void_p, c_char_p, c_uint32, POINTER(c_void_p)]),
    "arr_client_extend_session_async": (c_uint32, [c_void_p, c_char_p, c_uint32, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_stop_session": (c_uint32, [c_void_p, c_char_p]),
    "arr_client_stop_session_async": (c_uint32, [c_void_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_list_sessions": (c_uint32, [c_void_p, POINTER(c_void_p)]),
    "arr_client_list_sessions_async": (c_uint32, [c_void_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_string_free": (None, [c_void_p]),
    "arr_token_request_complete": (c_uint32, [c_void_p, c_char_p]),
    "arr_token_request_fail": (c_uint32, [c_void_p, c_char_p]),
    "arr_client_wait_until_ready": (c_uint32, [c_void_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_wait_until_ready_async": (c_uint32, [c_void_p, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
    "arr_client_wait_for_sessions": (c_uint32, [c_void_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "arr_client_wait_for_sessions_async": (c_uint32, [c_void_p, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(c_uint64)]),
}


def _declared(cdll: ctypes.CDLL, name: str) -> Any:
    """The function ``name`` of ``cdll`` with the prototype of the header."""
    function = getattr(cdll, name)
    function.restype, function.argtypes = PROTOTYPES[name]
    return function


class Library:
    """Every function of the header, declared on a loaded library, as a typed attribute: a misspelt name
    fails where it is first read (the bindings read each one at import) and under mypy."""

    def __init__(self, cdll: ctypes.CDLL) -> None:
        self._name: str = cdll._name
        self.arr_version: Callable[..., Optional[bytes]] = _declared(cdll, "arr_version")
        self.arr_abi_version: Callable[..., int] = _declared(cdll, "arr_abi_version")
        self.arr_shutdown: Callable[..., None] = _declared(cdll, "arr_shutdown")
        self.arr_client_get_access_token: Callable[..., int] = _declared(cdll, "arr_client_get_access_token")
        self.arr_client_get_access_token_async: Callable[..., int] = _declared(cdll, "arr_client_get_access_token_async")
        self.arr_client_create_session_with_fallback: Callable[..., int] = _declared(cdll, "arr_client_create_session_with_fallback")
        self.arr_client_create_session_with_fallback_async: Callable[..., int] = _declared(cdll, "arr_client_create_session_with_fallback_async")
        self.arr_client_new: Callable[..., int] = _declared(cdll, "arr_client_new")
        self.arr_client_new_with_token_provider: Callable[..., int] = _declared(cdll, "arr_client_new_with_token_provider")
        self.arr_client_close: Callable[..., int] = _declared(cdll, "arr_client_close")
        self.arr_client_free: Callable[..., None] = _declared(cdll, "arr_client_free")
        self.arr_client_cancel: Callable[..., int] = _declared(cdll, "arr_client_cancel")
        self.arr_client_create_conversion: Callable[..., int] = _declared(cdll, "arr_client_create_conversion")
        self.arr_client_create_conversion_async: Callable[..., int] = _declared(cdll, "arr_client_create_conversion_async")
        self.arr_client_get_conversion: Callable[..., int] = _declared(cdll, "arr_client_get_conversion")
        self.arr_client_get_conversion_async: Callable[..., int] = _declared(cdll, "arr_client_get_conversion_async")
        self.arr_client_list_conversions: Callable[..., int] = _declared(cdll, "arr_client_list_conversions")
        self.arr_client_list_conversions_async: Callable[..., int] = _declared(cdll, "arr_client_list_conversions_async")
        self.arr_client_wait_for_conversion: Callable[..., int] = _declared(cdll, "arr_client_wait_for_conversion")
        self.arr_client_wait_for_conversion_async: Callable[..., int] = _declared(cdll, "arr_client_wait_for_conversion_async")
        self.arr_client_list_session_costs: Callable[..., int] = _declared(cdll, "arr_client_list_session_costs")
        self.arr_client_list_session_costs_async: Callable[..., int] = _declared(cdll, "arr_client_list_session_costs_async")
        self.arr_client_diagnose: Callable[..., int] = _declared(cdll, "arr_client_diagnose")
        self.arr_client_diagnose_async: Callable[..., int] = _declared(cdll, "arr_client_diagnose_async")
        self.arr_last_error: Callable[..., Optional[int]] = _declared(cdll, "arr_last_error")
        self.arr_client_keep_session: Callable[..., int] = _declared(cdll, "arr_client_keep_session")
        self.arr_client_keep_sessions: Callable[..., int] = _declared(cdll, "arr_client_keep_sessions")
        self.arr_last_response: Callable[..., Optional[int]] = _declared(cdll, "arr_last_response")
        self.arr_set_log_callback: Callable[..., int] = _declared(cdll, "arr_set_log_callback")
        self.arr_client_stop_owned_sessions: Callable[..., int] = _declared(cdll, "arr_client_stop_owned_sessions")
        self.arr_client_get_owned_sessions: Callable[..., int] = _declared(cdll, "arr_client_get_owned_sessions")
        self.arr_client_stop_owned_sessions_async: Callable[..., int] = _declared(cdll, "arr_client_stop_owned_sessions_async")
        self.arr_conversion_check_settings: Callable[..., int] = _declared(cdll, "arr_conversion_check_settings")
        self.arr_client_lint_conversion_input: Callable[..., int] = _declared(cdll, "arr_client_lint_conversion_input")
        self.arr_client_lint_conversion_input_async: Callable[..., int] = _declared(cdll, "arr_client_lint_conversion_input_async")
        self.arr_client_get_conversion_results: Callable[..., int] = _declared(cdll, "arr_client_get_conversion_results")
        self.arr_client_get_conversion_results_async: Callable[..., int] = _declared(cdll, "arr_client_get_conversion_results_async")
        self.arr_storage_sign_container_sas: Callable[..., int] = _declared(cdll, "arr_storage_sign_container_sas")
        self.arr_client_reap_sessions: Callable[..., int] = _declared(cdll, "arr_client_reap_sessions")
        self.arr_client_reap_sessions_async: Callable[..., int] = _declared(cdll, "arr_client_reap_sessions_async")
        self.arr_client_create_session: Callable[..., int] = _declared(cdll, "arr_client_create_session")
        self.arr_client_create_session_async: Callable[..., int] = _declared(cdll, "arr_client_create_session_async")
        self.arr_client_get_session: Callable[..., int] = _declared(cdll, "arr_client_get_session")
        self.arr_client_get_session_async: Callable[..., int] = _declared(cdll, "arr_client_get_session_async")
        self.arr_client_update_session: Callable[..., int] = _declared(cdll, "arr_client_update_session")
        self.arr_client_update_session_async: Callable[..., int] = _declared(cdll, "arr_client_update_session_async")
        self.arr_client_extend_session: Callable[..., int] = _declared(cdll, "arr_client_extend_session")
        self.arr_client_extend_session_async: Callable[..., int] = _declared(cdll, "arr_client_extend_session_async")
        self.arr_client_stop_session: Callable[..., int] = _declared(cdll, "arr_client_stop_session")
        self.arr_client_stop_session_async: Callable[..., int] = _declared(cdll, "arr_client_stop_session_async")
        self.arr_client_list_sessions: Callable[..., int] = _declared(cdll, "arr_client_list_sessions")
        self.arr_client_list_sessions_async: Callable[..., int] = _declared(cdll, "arr_client_list_sessions_async")
        self.arr_string_free: Callable[..., None] = _declared(cdll, "arr_string_free")
        self.arr_token_request_complete: Callable[..., int] = _declared(cdll, "arr_token_request_complete")
        self.arr_token_request_fail: Callable[..., int] = _declared(cdll, "arr_token_request_fail")
        self.arr_client_wait_until_ready: Callable[..., int] = _declared(cdll, "arr_client_wait_until_ready")
        self.arr_client_wait_until_ready_async: Callable[..., int] = _declared(cdll, "arr_client_wait_until_ready_async")
        self.arr_client_wait_for_sessions: Callable[..., int] = _declared(cdll, "arr_client_wait_for_sessions")
        self.arr_client_wait_for_sessions_async: Callable[..., int] = _declared(cdll, "arr_client_wait_for_sessions_async")
