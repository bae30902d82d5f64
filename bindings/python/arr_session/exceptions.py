"""Exceptions, named like the Azure SDK for Python's (``azure.core.exceptions``).

Every exception raised for a failed call carries the library's error JSON:

- ``status``: the ``ARR_STATUS_*`` name, e.g. ``"ARR_STATUS_NOT_FOUND"``;
- ``status_code``: the HTTP status of the last response, if there was one;
- ``error_code``: the service's error code, if it sent one;
- ``message``, ``ms_cv`` (quote it to support), ``retry_after`` (seconds), ``details`` (a list).

Bad arguments raise ``ValueError`` / ``TypeError`` before any request is sent.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from .models import RenderingSession

__all__ = [
    "ArrError",
    "ClientAuthenticationError",
    "ResourceNotFoundError",
    "ResourceExistsError",
    "HttpResponseError",
    "ServiceRequestError",
    "ArrTimeoutError",
    "ArrCancelledError",
    "SessionEndedError",
    "ArrInvalidArgumentError",
]


class ArrError(Exception):
    """Base class of every error the arr-session library reports (also a panic, a shutdown, a blocking call
    made from inside a callback)."""

    def __init__(self, message: str, *, error: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        error = error or {}
        self.message: str = message
        self.error: Dict[str, Any] = error
        self.status: str = error.get("status") or "ARR_STATUS_UNKNOWN"
        self.status_code: Optional[int] = error.get("httpStatus")
        self.error_code: Optional[str] = error.get("code")
        self.ms_cv: Optional[str] = error.get("msCv")
        self.retry_after: Optional[float] = error.get("retryAfterSeconds")
        self.details: List[Any] = list(error.get("details") or [])

    def __str__(self) -> str:
        parts = [self.message]
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        if self.error_code:
            parts.append(f"code {self.error_code}")
        if self.ms_cv:
            parts.append(f"MS-CV {self.ms_cv}")
        return f"({self.status}) " + "; ".join(parts)


class ClientAuthenticationError(ArrError):
    """401/403: missing, wrong or expired credentials, or credentials not valid for this account."""


class ResourceNotFoundError(ArrError):
    """404: no such session."""


class ResourceExistsError(ArrError):
    """409: a session with that id exists with other settings."""


class HttpResponseError(ArrError):
    """The service answered with an error the retry policy could not get past (429, 5xx, an unreadable body,
    or a 400/422 about a request the library considered valid)."""


class ServiceRequestError(ArrError):
    """The service could not be reached, or the connection broke."""


class ArrTimeoutError(ArrError, TimeoutError):
    """A request or a wait ran past its configured time."""


class ArrCancelledError(ArrError):
    """The operation was cancelled (``cancel()``, closing the client, or library shutdown). A call that the
    library refuses because its client was already closed (``ARR_STATUS_CLOSED``) raises it too."""


class SessionEndedError(ArrError):
    """A wait ended because the session reached Error, Expired or Stopped; ``session`` is its last state."""

    def __init__(self, message: str, *, error: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message, error=error)
        raw = (error or {}).get("session")
        self.session: Optional[RenderingSession] = RenderingSession.from_dict(raw) if raw else None


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
}


def error_from_json(status_name: str, text: Optional[str]) -> ArrError:
    """Builds the exception for a failed call from its error JSON (``arr_last_error`` or a callback's)."""
    try:
        error = json.loads(text) if text else {}
        if not isinstance(error, dict):
            error = {}
    except ValueError:
        error = {"message": text}
    error.setdefault("status", status_name)
    name = error.get("status") or status_name
    cls = _BY_STATUS.get(name, ArrError)
    if cls is ArrInvalidArgumentError and error.get("httpStatus") is not None:
        cls = HttpResponseError  # the service refused a request the library considered valid
    return cls(error.get("message") or name, error=error)
