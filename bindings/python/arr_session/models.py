"""Typed models built from the library's JSON (REST field names of api-version 2021-01-01), with the names of
Microsoft's ``azure-mixedreality-remoterendering`` (``RenderingSession.host``, ``lease_time_minutes``,
``created_on``, ``error`` as a :class:`RemoteRenderingServiceError`).

``status`` and ``size`` are :class:`RenderingSessionStatus` / :class:`RenderingSessionSize` members when the
value is known, and the plain string otherwise (the service once answered ``Tiny``): both compare equal to
their string, so ``session.status == "Ready"`` and ``session.status == RenderingSessionStatus.READY`` agree.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Type, TypeVar, Union

if TYPE_CHECKING:  # pragma: no cover
    from .exceptions import ArrError

__all__ = [
    "RenderingSession",
    "RenderingSessionStatus",
    "RenderingSessionSize",
    "RemoteRenderingServiceError",
    "SessionWaitResult",
    "SessionStopResult",
]

E = TypeVar("E", bound="_OpenEnum")
W = TypeVar("W", bound="SessionWaitResult")


class _OpenEnum(str, Enum):
    """A str enum whose lookups ignore case; :meth:`parse` keeps unknown values as plain strings."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            for member in cls:
                if member.value.lower() == value.lower():
                    return member
        return None

    @classmethod
    def parse(cls: Type[E], value: Any) -> Union[E, str]:
        try:
            return cls(value)
        except ValueError:
            return str(value)

    def __str__(self) -> str:
        return str(self.value)


class RenderingSessionStatus(_OpenEnum):
    """The status of a rendering session (an open set: other values are kept as strings)."""

    UNKNOWN = "Unknown"
    STARTING = "Starting"
    READY = "Ready"
    STOPPED = "Stopped"
    EXPIRED = "Expired"
    ERROR = "Error"


#: Error, Expired and Stopped: a session in one of these will never become Ready.
TERMINAL_STATUSES = frozenset({RenderingSessionStatus.STOPPED, RenderingSessionStatus.EXPIRED, RenderingSessionStatus.ERROR})


class RenderingSessionSize(_OpenEnum):
    """The size of a rendering session's server (answers may carry other values, kept as strings)."""

    STANDARD = "Standard"
    PREMIUM = "Premium"


_FRACTION = re.compile(r"\.(\d+)")


def _parse_time(text: Any) -> Optional[datetime.datetime]:
    # The service sends 0 to 7 fraction digits and ``Z`` or ``+00:00``; fromisoformat takes at most 6.
    if not isinstance(text, str):
        return None
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class RemoteRenderingServiceError:
    """The service's error object (``code``, ``message``, ``details``, ``target``, ``inner_error``)."""

    code: Optional[str] = None
    message: Optional[str] = None
    target: Optional[str] = None
    details: List["RemoteRenderingServiceError"] = field(default_factory=list)
    inner_error: Optional["RemoteRenderingServiceError"] = None

    @classmethod
    def from_dict(cls, data: Any) -> Optional["RemoteRenderingServiceError"]:
        if not isinstance(data, Mapping):
            return None
        details = [d for d in (cls.from_dict(item) for item in data.get("details") or []) if d is not None]
        inner = data.get("innerError", data.get("innererror"))
        return cls(
            code=data.get("code"),
            message=data.get("message"),
            target=data.get("target"),
            details=details,
            inner_error=cls.from_dict(inner),
        )

    def __str__(self) -> str:
        return f"({self.code}) {self.message}" if self.code else str(self.message)


@dataclass(frozen=True)
class RenderingSession:
    """A rendering session as the service last described it. Fields the service did not send are ``None``."""

    id: str
    size: Union[RenderingSessionSize, str]
    status: Union[RenderingSessionStatus, str]
    lease_time_minutes: Optional[int] = None
    elapsed_time_minutes: Optional[int] = None
    created_on: Optional[datetime.datetime] = None
    host: Optional[str] = None
    handshake_port: Optional[int] = None
    arr_inspector_port: Optional[int] = None
    teraflops: Optional[float] = None
    #: Why the session is in status Error (or a message the service attached).
    error: Optional[RemoteRenderingServiceError] = field(default=None, compare=False)
    #: The JSON object this was built from, including fields newer than this package.
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RenderingSession":
        return cls(
            id=str(data.get("id", "")),
            size=RenderingSessionSize.parse(data.get("size", "")),
            status=RenderingSessionStatus.parse(data.get("status", "")),
            lease_time_minutes=data.get("maxLeaseTimeMinutes"),
            elapsed_time_minutes=data.get("elapsedTimeMinutes"),
            created_on=_parse_time(data.get("creationTime")),
            host=data.get("hostname"),
            handshake_port=data.get("handshakePort"),
            arr_inspector_port=data.get("arrInspectorPort"),
            teraflops=data.get("teraflops"),
            error=RemoteRenderingServiceError.from_dict(data.get("error")),
            raw=dict(data),
        )

    @classmethod
    def from_json(cls, text: Optional[str]) -> "RenderingSession":
        return cls.from_dict(json.loads(text or "{}"))

    def to_dict(self) -> Dict[str, Any]:
        """The session with its wire names, as the library sent it."""
        return dict(self.raw)

    @property
    def is_ready(self) -> bool:
        return self.status == RenderingSessionStatus.READY

    @property
    def is_terminal(self) -> bool:
        """Error, Expired or Stopped: the session will never become Ready."""
        return self.status in TERMINAL_STATUSES


@dataclass(frozen=True)
class SessionWaitResult:
    """One entry of ``wait_for_rendering_sessions``: the session, or why waiting for it failed."""

    id: str
    #: ``"ARR_STATUS_OK"`` or the failure's ``ARR_STATUS_*`` name (e.g. ``ARR_STATUS_TIMEOUT``).
    status: str
    #: The Ready session; for ``ARR_STATUS_SESSION_ENDED`` the session as it ended.
    session: Optional[RenderingSession] = None
    error: Optional["ArrError"] = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ARR_STATUS_OK"

    @classmethod
    def from_dict(cls: Type[W], data: Mapping[str, Any]) -> W:
        from .exceptions import error_from_json

        raw_session = data.get("session")
        raw_error = data.get("error")
        error = error_from_json(data["status"], json.dumps(raw_error)) if raw_error else None
        session = RenderingSession.from_dict(raw_session) if raw_session else getattr(error, "session", None)
        return cls(id=data["id"], status=data["status"], session=session, error=error)


@dataclass(frozen=True)
class SessionStopResult(SessionWaitResult):
    """One entry of ``stop_owned_rendering_sessions()``: ``ok``, or the ``status`` and ``error`` of a failed stop."""
