"""arr-session: Azure Remote Rendering session management, over the arr-session native library, with the API
of Microsoft's ``azure-mixedreality-remoterendering`` (change ``from azure.mixedreality.remoterendering import``
to ``from arr_session import``).

The native library is loaded from ``$ARR_SESSION_LIBRARY``, then from this package's directory, then by
the system loader. Library logs go to the ``logging`` logger ``arr_session`` (and its children, e.g.
``arr_session.http``); call :func:`refresh_log_level` after changing that logger's level (clients do it
when they are created).
"""

from __future__ import annotations

import atexit

from . import _abi, _callbacks, _ffi
from ._client import RemoteRenderingClient
from ._keeper import RenderingSessionKeeper
from ._paging import AssetConversionPager, RenderingSessionPager
from ._polling import AssetConversionPoller, RenderingSessionPoller
from ._response import RawResponse
from ._preflight import check_conversion_settings, sign_container_sas
from .credentials import AccessToken, AzureKeyCredential
from .exceptions import (
    ArrCancelledError,
    ArrError,
    ArrForkedError,
    ArrInvalidArgumentError,
    ArrTimeoutError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    SessionEndedError,
    AssetConversionFailedError,
)
from .models import (
    ConversionResults,
    Finding,
    InputLint,
    ResultMessage,
    AssetConversion,
    AssetConversionInputSettings,
    AssetConversionOutput,
    AssetConversionOutputSettings,
    AssetConversionSettings,
    AssetConversionStatus,
    KeepEvent,
    KeepEventKind,
    RemoteRenderingServiceError,
    RenderingSession,
    RenderingSessionSize,
    RenderingSessionStatus,
    SessionStopResult,
    SessionWaitResult,
)

__version__ = "0.1.0"
#: The native library's version and where it was loaded from.
NATIVE_VERSION = _ffi.NATIVE_VERSION
LIBRARY_PATH = _ffi.LIBRARY_PATH
ABI_VERSION = _ffi.ABI_VERSION

__all__ = [
    "RemoteRenderingClient",
    "RenderingSessionPoller",
    "RenderingSessionPager",
    "RenderingSession",
    "RenderingSessionSize",
    "RenderingSessionStatus",
    "RemoteRenderingServiceError",
    "AssetConversionPoller",
    "AssetConversionPager",
    "AssetConversion",
    "AssetConversionStatus",
    "AssetConversionSettings",
    "AssetConversionInputSettings",
    "AssetConversionOutputSettings",
    "AssetConversionOutput",
    "RenderingSessionKeeper",
    "KeepEvent",
    "KeepEventKind",
    "AzureKeyCredential",
    "AccessToken",
    "SessionWaitResult",
    "SessionStopResult",
    "RawResponse",
    "ArrError",
    "ArrInvalidArgumentError",
    "ClientAuthenticationError",
    "ResourceNotFoundError",
    "ResourceExistsError",
    "HttpResponseError",
    "ServiceRequestError",
    "ArrTimeoutError",
    "ArrCancelledError",
    "ArrForkedError",
    "SessionEndedError",
    "AssetConversionFailedError",
    "Finding",
    "InputLint",
    "ConversionResults",
    "ResultMessage",
    "check_conversion_settings",
    "sign_container_sas",
    "refresh_log_level",
    "shutdown",
]


def refresh_log_level() -> None:
    """Lets the library's log lines through at the ``arr_session`` logger's current effective level."""
    _callbacks.sync_log_level()


def shutdown() -> None:
    """Cancels every operation in flight and stops the library's threads (``arr_shutdown``). Clients created
    before answer with ``ArrError`` (status ``ARR_STATUS_SHUTDOWN``); new clients work. Runs at exit."""
    _ffi.lib.arr_shutdown()


def _at_exit() -> None:
    # No callback into a finalizing interpreter: logging off, then every operation ended.
    _ffi.lib.arr_set_log_callback(_abi.LOG_CALLBACK(), None, 0)
    _ffi.lib.arr_shutdown()


_callbacks.sync_log_level()
atexit.register(_at_exit)
