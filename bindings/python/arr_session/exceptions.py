"""Exceptions shaped like ``azure.core.exceptions``.

With azure-core installed, each exception here also derives from azure-core's class of the same name
(``HttpResponseError``, ``ResourceNotFoundError``, ``ResourceExistsError``, ``ClientAuthenticationError``,
``ServiceRequestError``, and ``AzureError`` for all of them), so ``except azure.core.exceptions.X`` catches
what it catches with Microsoft's SDK. Without azure-core they stand alone, with the same attributes.

Every exception raised for a failed call carries the library's error JSON:

- ``status_code``: the HTTP status of the last response, if there was one;
- ``error``: the service's error as a :class:`~arr_session.RemoteRenderingServiceError` (``code``,
  ``message``), or ``None``; ``error_code`` is its code;
- ``message``; ``ms_cv`` (quote it to support); ``retry_after`` (seconds); ``details`` (a list);
- ``status``: the library's ``ARR_STATUS_*`` name, e.g. ``"ARR_STATUS_NOT_FOUND"``.

Bad arguments raise ``ValueError`` / ``TypeError`` before any request is sent.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional

from .models import AssetConversion, RemoteRenderingServiceError, RenderingSession

__all__ = [
    "ArrError",
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
    "ArrInvalidArgumentError",
    "AZURE_CORE_EXCEPTIONS",
]


class _NoBase:
    """Stands in for an azure-core base class when azure-core is not installed."""


class _NoHttp(_NoBase):
    pass


class _NoNotFound(_NoBase):
    pass


class _NoExists(_NoBase):
    pass


class _NoAuth(_NoBase):
    pass


class _NoRequest(_NoBase):
    pass


if TYPE_CHECKING:
    _AzureError = Exception
    _CoreHttp = _NoHttp
    _CoreNotFound = _NoNotFound
    _CoreExists = _NoExists
    _CoreAuth = _NoAuth
    _CoreRequest = _NoRequest
    AZURE_CORE_EXCEPTIONS = False
else:
    try:
        from azure.core.exceptions import AzureError as _AzureError
        from azure.core.exceptions import ClientAuthenticationError as _CoreAuth
        from azure.core.exceptions import HttpResponseError as _CoreHttp
        from azure.core.exceptions import ResourceExistsError as _CoreExists
        from azure.core.exceptions import ResourceNotFoundError as _CoreNotFound
        from azure.core.exceptions import ServiceRequestError as _CoreRequest

        #: True when these exceptions derive from azure-core's.
        AZURE_CORE_EXCEPTIONS = True
    except ImportError:
        _AzureError = Exception
        _CoreHttp, _CoreNotFound, _CoreExists, _CoreAuth, _CoreRequest = _NoHttp, _NoNotFound, _NoExists, _NoAuth, _NoRequest
        AZURE_CORE_EXCEPTIONS = False


class ArrError(_AzureError):
    """Base class of every error the arr-session library reports (also a panic, a shutdown, a blocking call
    made from inside a callback). An ``azure.core.exceptions.AzureError`` when azure-core is installed."""

    def __init__(self, message: str, *, error: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        error = error or {}
        self.message: str = message
        self.status: str = error.get("status") or "ARR_STATUS_UNKNOWN"
        self.status_code: Optional[int] = error.get("httpStatus")
        self.error_code: Optional[str] = error.get("code")
        self.error: Optional[RemoteRenderingServiceError] = (
            RemoteRenderingServiceError.from_dict({**error, "message": message}) if error.get("code") else None
        )
        self.ms_cv: Optional[str] = error.get("msCv")
        self.retry_after: Optional[float] = error.get("retryAfterSeconds")
        self.details: List[Any] = list(error.get("details") or [])
        #: The library's error JSON as it came.
        self.raw_error: Dict[str, Any] = error
        #: Set by ``begin_rendering_session`` when the session exists but waiting for it could not start.
        self.created_session: Optional[RenderingSession] = None

    def __str__(self) -> str:
        parts = [self.message]
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        if self.error_code:
            parts.append(f"code {self.error_code}")
        if self.ms_cv:
            parts.append(f"MS-CV {self.ms_cv}")
        return f"({self.status}) " + "; ".join(parts)


class HttpResponseError(ArrError, _CoreHttp):
    """The service answered with an error (the base of the three below; also 429 and 5xx after the retries,
    an unreadable body, or a 400/422 about a request the library considered valid)."""


class ClientAuthenticationError(HttpResponseError, _CoreAuth):
    """401/403: missing, wrong or expired credentials, or credentials not valid for this account."""


class ResourceNotFoundError(HttpResponseError, _CoreNotFound):
    """404: no such session."""


class ResourceExistsError(HttpResponseError, _CoreExists):
    """409: a session with that id exists with other settings."""


class SessionEndedError(HttpResponseError):
    """A wait for Ready ended because the session reached Error, Expired or Stopped; ``session`` is its last
    state (Microsoft's poller raises an ``HttpResponseError`` for a session in an error state, too)."""

    def __init__(self, message: str, *, error: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message, error=error)
        raw = (error or {}).get("session")
        self.session: Optional[RenderingSession] = RenderingSession.from_dict(raw) if raw else None
        if self.session is not None and self.session.error is not None:
            self.error = self.session.error


class AssetConversionFailedError(HttpResponseError):
    """A conversion poller's ``result()`` for a conversion that ended Failed (Microsoft's poller raises an
    ``HttpResponseError`` then, too): ``error`` is the conversion's error as the service gave it (``code``
    such as ``InputContainerError``, ``message``), ``conversion`` the conversion as it ended, and
    ``status_code`` / ``ms_cv`` those of the answer that showed it Failed."""

    def __init__(self, conversion: AssetConversion) -> None:
        service_error = conversion.error
        message = (service_error.message if service_error is not None else None) \
            or f"conversion {conversion.id} failed"
        answer = conversion.response
        super().__init__(message, error={
            "status": "ARR_STATUS_SERVICE_ERROR",
            "code": service_error.code if service_error is not None else None,
            "httpStatus": answer.status_code if answer is not None else None,
            "msCv": answer.ms_cv if answer is not None else None,
        })
        self.error = service_error
        self.conversion: AssetConversion = conversion


class ServiceRequestError(ArrError, _CoreRequest):
    """The service could not be reached, or the connection broke."""


class ArrTimeoutError(ArrError, TimeoutError):
    """A request or a wait ran past its configured time."""


class ArrCancelledError(ArrError):
    """The operation was cancelled (``cancel()``, closing the client, or library shutdown). A call that the
    library refuses because its client was already closed (``ARR_STATUS_CLOSED``) raises it too."""


class ArrForkedError(ArrError):
    """The client was created in the parent process before ``fork()`` (``ARR_STATUS_FORKED``): it cannot be
    used in the child. Create a new client in the child; ``close()`` the inherited one (it frees only the
    child's copy). Operations that were in flight at the fork end with it in the child, too."""


class ArrInvalidArgumentError(ArrError, ValueError):
    """An argument the library refused (ARR_STATUS_INVALID_ARGUMENT / NULL_ARGUMENT without an HTTP status).
    It is a ``ValueError``; no request was sent."""


_BY_STATUS = {
    "ARR_STATUS_NULL_ARGUMENT": ArrInvalidArgumentError,
    "ARR_STATUS_INVALID_ARGUMENT": ArrInvalidArgumentError,
    "ARR_STATUS_NOT_FOUND": ResourceNotFoundError,
    "ARR_STATUS_CONFLICT": ResourceExistsError,
    "ARR_STATUS_UNAUTHORIZED": ClientAuthenticationError,
    "ARR_STATUS_FORBIDDEN": ClientAuthenticationError,
    "ARR_STATUS_THROTTLED": HttpResponseError,
    "ARR_STATUS_SERVICE_ERROR": HttpResponseError,
    "ARR_STATUS_DECODE": HttpResponseError,
    "ARR_STATUS_NETWORK": ServiceRequestError,
    "ARR_STATUS_TIMEOUT": ArrTimeoutError,
    "ARR_STATUS_CANCELLED": ArrCancelledError,
    "ARR_STATUS_CLOSED": ArrCancelledError,
    "ARR_STATUS_SESSION_ENDED": SessionEndedError,
    "ARR_STATUS_FORKED": ArrForkedError,
}


def error_from_dict(error: Mapping[str, Any], status_name: Optional[str] = None) -> ArrError:
    """Builds the exception for the library's error object (``arr_last_error``, an async callback's error, a
    keeper event's ``error``): the class from its ``status`` (or ``status_name``), the rest as attributes."""
    error = dict(error)
    if status_name is not None:
        error.setdefault("status", status_name)
    name = str(error.get("status") or "ARR_STATUS_UNKNOWN")
    cls = _BY_STATUS.get(name, ArrError)
    if cls is ArrInvalidArgumentError and error.get("httpStatus") is not None:
        cls = HttpResponseError  # the service refused a request the library considered valid
    return cls(error.get("message") or name, error=error)


def error_from_json(status_name: str, text: Optional[str]) -> ArrError:
    """Builds the exception for a failed call from its status and error JSON."""
    error: Dict[str, Any]
    try:
        loaded = json.loads(text) if text else {}
        error = loaded if isinstance(loaded, dict) else {}
    except ValueError:
        error = {"message": text}
    return error_from_dict(error, status_name)
