"""Loading ``libarr_session`` and the one prototype table of the C ABI (``include/arr_session.h``).

Everything that touches ``ctypes`` lives here or in ``_callbacks.py``. Strings the library hands to the
caller are declared ``c_void_p`` (never ``c_char_p``, which would copy and leak them) and freed with
``arr_string_free`` by :func:`take_string`.
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import POINTER, c_char_p, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import List, Optional

#: The ABI this package was written against (``ARR_ABI_VERSION`` in ``arr_session.h``).
ABI_VERSION = 1

#: ``arr_status`` values by number; the names are those of the header (and of the error JSON).
STATUS_NAMES = (
    "ARR_STATUS_OK",
    "ARR_STATUS_NULL_ARGUMENT",
    "ARR_STATUS_INVALID_ARGUMENT",
    "ARR_STATUS_NOT_FOUND",
    "ARR_STATUS_CONFLICT",
    "ARR_STATUS_UNAUTHORIZED",
    "ARR_STATUS_FORBIDDEN",
    "ARR_STATUS_THROTTLED",
    "ARR_STATUS_SERVICE_ERROR",
    "ARR_STATUS_NETWORK",
    "ARR_STATUS_TIMEOUT",
    "ARR_STATUS_CANCELLED",
    "ARR_STATUS_DECODE",
    "ARR_STATUS_SESSION_ENDED",
    "ARR_STATUS_PANIC",
    "ARR_STATUS_SHUTDOWN",
    "ARR_STATUS_BLOCKING_IN_CALLBACK",
    "ARR_STATUS_CLOSED",
    "ARR_STATUS_FORKED",
)
OK = 0
NOT_FOUND = 3
FORKED = 18

TOKEN_KIND_ACCESS_TOKEN = 0
TOKEN_KIND_AAD = 1

ENV_VAR = "ARR_SESSION_LIBRARY"

if sys.platform == "win32":
    _FILE_NAMES = ["arr_session.dll"]
elif sys.platform == "darwin":
    _FILE_NAMES = ["libarr_session.dylib"]
else:
    _FILE_NAMES = ["libarr_session.so"]

# Callback signatures (arr_callback, arr_log_callback, arr_token_callback).
CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_uint32, c_void_p)
LOG_CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_uint32, c_char_p, c_char_p)
TOKEN_CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_void_p)

_OUT_STR = POINTER(c_void_p)
_OUT_ID = POINTER(c_uint64)
_CLIENT = c_void_p

# name: (restype, argtypes). Every exported function of the header. (The blocking conversion waits are
# declared but unused: the clients wait through the `_async` forms.)
PROTOTYPES = {
    "arr_version": (c_char_p, []),
    "arr_abi_version": (c_uint32, []),
    "arr_shutdown": (None, []),
    "arr_client_new": (c_uint32, [c_char_p, POINTER(c_void_p)]),
    "arr_client_new_with_token_provider": (c_uint32, [c_char_p, c_uint32, TOKEN_CALLBACK, c_void_p, POINTER(c_void_p)]),
    "arr_client_free": (None, [_CLIENT]),
    "arr_client_close": (c_uint32, [_CLIENT]),
    "arr_client_cancel": (c_uint32, [_CLIENT, c_uint64]),
    "arr_last_error": (c_void_p, []),
    "arr_set_log_callback": (c_uint32, [LOG_CALLBACK, c_void_p, c_uint32]),
    "arr_client_create_session": (c_uint32, [_CLIENT, c_char_p, _OUT_STR]),
    "arr_client_create_session_async": (c_uint32, [_CLIENT, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_get_session": (c_uint32, [_CLIENT, c_char_p, _OUT_STR]),
    "arr_client_get_session_async": (c_uint32, [_CLIENT, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_update_session": (c_uint32, [_CLIENT, c_char_p, c_uint32, _OUT_STR]),
    "arr_client_update_session_async": (c_uint32, [_CLIENT, c_char_p, c_uint32, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_extend_session": (c_uint32, [_CLIENT, c_char_p, c_uint32, _OUT_STR]),
    "arr_client_extend_session_async": (c_uint32, [_CLIENT, c_char_p, c_uint32, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_stop_session": (c_uint32, [_CLIENT, c_char_p]),
    "arr_client_stop_session_async": (c_uint32, [_CLIENT, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_list_sessions": (c_uint32, [_CLIENT, _OUT_STR]),
    "arr_client_list_sessions_async": (c_uint32, [_CLIENT, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_wait_until_ready": (c_uint32, [_CLIENT, c_char_p, c_char_p, _OUT_STR]),
    "arr_client_wait_until_ready_async": (c_uint32, [_CLIENT, c_char_p, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_wait_for_sessions": (c_uint32, [_CLIENT, c_char_p, c_char_p, _OUT_STR]),
    "arr_client_wait_for_sessions_async": (c_uint32, [_CLIENT, c_char_p, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_create_conversion": (c_uint32, [_CLIENT, c_char_p, c_char_p, _OUT_STR]),
    "arr_client_create_conversion_async": (c_uint32, [_CLIENT, c_char_p, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_get_conversion": (c_uint32, [_CLIENT, c_char_p, _OUT_STR]),
    "arr_client_get_conversion_async": (c_uint32, [_CLIENT, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_list_conversions": (c_uint32, [_CLIENT, _OUT_STR]),
    "arr_client_list_conversions_async": (c_uint32, [_CLIENT, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_wait_for_conversion": (c_uint32, [_CLIENT, c_char_p, c_char_p, _OUT_STR]),
    "arr_client_wait_for_conversion_async": (c_uint32, [_CLIENT, c_char_p, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_keep_session": (c_uint32, [_CLIENT, c_char_p, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_conversion_check_settings": (c_uint32, [c_char_p, c_char_p, c_char_p, _OUT_STR]),
    "arr_client_lint_conversion_input": (c_uint32, [_CLIENT, c_char_p, c_char_p, _OUT_STR]),
    "arr_client_lint_conversion_input_async": (c_uint32, [_CLIENT, c_char_p, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_get_conversion_results": (c_uint32, [_CLIENT, c_char_p, c_char_p, _OUT_STR]),
    "arr_client_get_conversion_results_async": (c_uint32, [_CLIENT, c_char_p, c_char_p, CALLBACK, c_void_p, _OUT_ID]),
    "arr_storage_sign_container_sas": (c_uint32, [c_char_p, c_char_p, c_char_p, _OUT_STR]),
    "arr_client_get_access_token": (c_uint32, [_CLIENT, _OUT_STR]),
    "arr_client_get_access_token_async": (c_uint32, [_CLIENT, CALLBACK, c_void_p, _OUT_ID]),
    "arr_client_get_owned_sessions": (c_uint32, [_CLIENT, _OUT_STR]),
    "arr_client_stop_owned_sessions": (c_uint32, [_CLIENT, c_uint32, _OUT_STR]),
    "arr_client_stop_owned_sessions_async": (c_uint32, [_CLIENT, c_uint32, CALLBACK, c_void_p, _OUT_ID]),
    "arr_string_free": (None, [c_void_p]),
    "arr_token_request_complete": (c_uint32, [c_void_p, c_char_p]),
    "arr_token_request_fail": (c_uint32, [c_void_p, c_char_p]),
}


class LibraryNotFoundError(ImportError):
    """``libarr_session`` could not be loaded; the message lists every place that was tried."""


def _candidates() -> List[str]:
    tried: List[str] = []
    override = os.environ.get(ENV_VAR)
    if override:
        tried.append(override)
    here = Path(__file__).resolve().parent
    tried.extend(str(here / name) for name in _FILE_NAMES)
    tried.extend(_FILE_NAMES)  # the system loader (LD_LIBRARY_PATH, ldconfig, ...)
    return tried


def _load() -> ctypes.CDLL:
    problems = []
    override = os.environ.get(ENV_VAR)
    for candidate in _candidates():
        is_path = os.sep in candidate
        if is_path and not os.path.exists(candidate):
            problems.append(f"  {candidate}: no such file")
            continue
        try:
            lib = ctypes.CDLL(candidate)
        except OSError as error:
            problems.append(f"  {candidate}: {error}")
            if override and candidate == override:
                break  # an explicit override that fails is not silently replaced by another library
            continue
        return lib
    raise LibraryNotFoundError(
        "cannot load the arr-session native library; tried:\n"
        + "\n".join(problems)
        + f"\nSet {ENV_VAR} to the full path of {_FILE_NAMES[0]}, or install a wheel that bundles it."
    )


def _declare(lib: ctypes.CDLL) -> None:
    missing = [name for name in PROTOTYPES if not hasattr(lib, name)]
    if missing:
        raise ImportError(
            f"arr-session native library {lib._name} lacks {', '.join(missing)}: it is older than this Python "
            "package; install matching versions"
        )
    for name, (restype, argtypes) in PROTOTYPES.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


def _check_abi(lib: ctypes.CDLL) -> None:
    found = lib.arr_abi_version()
    if found != ABI_VERSION:
        raise ImportError(
            f"arr-session native library {getattr(lib, '_name', '?')} has ABI version {found}, "
            f"but this Python package needs ABI version {ABI_VERSION}; install matching versions"
        )


lib = _load()
_declare(lib)
_check_abi(lib)

#: The native library's version string, e.g. ``"0.1.0"``.
NATIVE_VERSION: str = lib.arr_version().decode("utf-8")
#: Where the library was loaded from.
LIBRARY_PATH: str = lib._name


def take_string(pointer: Optional[int]) -> Optional[str]:
    """Decodes a string owned by the caller and frees it with ``arr_string_free``."""
    if not pointer:
        return None
    try:
        # c_char_p(pointer).value copies up to the NUL as string_at does, without string_at's own foreign
        # call (it is never None here: `or b""` is for the type checker).
        return (ctypes.c_char_p(pointer).value or b"").decode("utf-8")
    finally:
        lib.arr_string_free(pointer)


def borrowed_string(pointer: Optional[int]) -> Optional[str]:
    """Decodes a string borrowed for a callback's duration (never freed)."""
    if not pointer:
        return None
    return ctypes.string_at(pointer).decode("utf-8")


def status_name(status: int) -> str:
    return STATUS_NAMES[status] if status < len(STATUS_NAMES) else f"ARR_STATUS_{status}"


def last_error() -> Optional[str]:
    """The calling thread's last-error JSON (must be read on the thread of the failed call)."""
    return take_string(lib.arr_last_error())


def encode(value: str) -> bytes:
    """A str argument as UTF-8 bytes; an interior NUL would silently truncate, so it is refused."""
    data = value.encode("utf-8")
    if b"\0" in data:
        raise ValueError("strings passed to arr-session must not contain NUL characters")
    return data
