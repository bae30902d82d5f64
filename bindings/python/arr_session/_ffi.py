"""Loading ``libarr_session``, checking its ABI version and declaring its functions.

The declarations (prototypes, statuses, callback types) come from ``_abi.py``, generated from
``include/arr_session.h``. Everything that touches ``ctypes`` lives here, in ``_abi.py`` or in
``_callbacks.py``. Strings the library hands to the caller are declared ``c_void_p`` (never ``c_char_p``,
which would copy and leak them) and freed with ``arr_string_free`` by :func:`take_string`.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import List, Optional

# The declarations themselves are generated from the header (scripts/gen_bindings.py): the prototype table,
# the typed Library over it, the ABI version, the status names and the callback types.
from ._abi import ABI_VERSION, PROTOTYPES, STATUS_NAMES, Library

__all__ = ["ABI_VERSION", "PROTOTYPES", "LibraryNotFoundError", "lib", "take_string", "status_name", "last_error",
           "last_response", "encode", "decode", "NATIVE_VERSION", "LIBRARY_PATH"]

ENV_VAR = "ARR_SESSION_LIBRARY"

if sys.platform == "win32":
    _FILE_NAMES = ["arr_session.dll"]
elif sys.platform == "darwin":
    _FILE_NAMES = ["libarr_session.dylib"]
else:
    _FILE_NAMES = ["libarr_session.so"]


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


def _declare(cdll: ctypes.CDLL) -> Library:
    missing = [name for name in PROTOTYPES if not hasattr(cdll, name)]
    if missing:
        raise ImportError(
            f"arr-session native library {cdll._name} lacks {', '.join(missing)}: it is older than this Python "
            "package; install matching versions"
        )
    return Library(cdll)


def _check_abi(lib: Library) -> None:
    found = lib.arr_abi_version()
    if found != ABI_VERSION:
        raise ImportError(
            f"arr-session native library {getattr(lib, '_name', '?')} has ABI version {found}, "
            f"but this Python package needs ABI version {ABI_VERSION}; install matching versions"
        )


#: The loaded library, every function of the header declared (the generated ``_abi.Library``).
lib = _declare(_load())
_check_abi(lib)

#: The native library's version string, e.g. ``"0.1.0"``.
NATIVE_VERSION: str = (lib.arr_version() or b"").decode("utf-8")
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


def decode(data: Optional[bytes]) -> Optional[str]:
    """A string the library lent to a callback (``const char *``, given to Python as bytes by ctypes)."""
    return None if data is None else data.decode("utf-8")


def status_name(status: int) -> str:
    """The header's name of an ``arr_status`` (the one spelling the error JSON uses too)."""
    return STATUS_NAMES.get(status, f"ARR_STATUS_{status}")


def last_error() -> Optional[str]:
    """The calling thread's last-error JSON (must be read on the thread of the failed call)."""
    return take_string(lib.arr_last_error())


def last_response() -> Optional[str]:
    """The JSON ``{"httpStatus", "msCv"}`` of the service's answer to this thread's last successful call (read
    it on that call's thread, or inside its async callback), or None."""
    return take_string(lib.arr_last_response())


def encode(value: str) -> bytes:
    """A str argument as UTF-8 bytes; an interior NUL would silently truncate, so it is refused."""
    data = value.encode("utf-8")
    if b"\0" in data:
        raise ValueError("strings passed to arr-session must not contain NUL characters")
    return data
