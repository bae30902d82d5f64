"""Typed models built from the library's JSON (REST field names of api-version 2021-01-01).

``status`` and ``size`` are open strings: compare them with the constants of :class:`SessionStatus` and
:class:`SessionSize`, and expect other values (the service once answered ``Tiny``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Dict, Mapping, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .exceptions import ArrError

__all__ = ["RenderingSession", "SessionStatus", "SessionSize", "SessionWaitResult", "SessionStopResult"]


class SessionStatus:
    """Known values of :attr:`RenderingSession.status` (an open string)."""

    STARTING = "Starting"
    READY = "Ready"
    STOPPED = "Stopped"
    EXPIRED = "Expired"
    ERROR = "Error"
    TERMINAL = frozenset({STOPPED, EXPIRED, ERROR})


class SessionSize:
    """Sizes accepted when creating a session (answers may carry others)."""

    STANDARD = "Standard"
    PREMIUM = "Premium"


_FRACTION = re.compile(r"\.(\d+)")


def _parse_time(text: str) -> Optional[datetime.datetime]:
    # The service sends 0 to 7 fraction digits and ``Z`` or ``+00:00``; fromisoformat takes at most 6.
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class RenderingSession:
    """A rendering session as the service last described it. Fields the service did not send are ``None``."""

    id: str
    status: str
    size: str
    max_lease_time_minutes: Optional[int] = None
    elapsed_time_minutes: Optional[int] = None
    hostname: Optional[str] = None
    handshake_port: Optional[int] = None
    arr_inspector_port: Optional[int] = None
    teraflops: Optional[float] = None
    creation_time: Optional[str] = None
    #: The service's error object (``code``, ``message``, ...) for a session in status Error.
    error: Optional[Dict[str, Any]] = field(default=None, compare=False, hash=False)
    #: The JSON object this was built from, including fields newer than this package.
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    _WIRE: ClassVar[Dict[str, str]] = {
        "id": "id",
        "status": "status",
        "size": "size",
        "maxLeaseTimeMinutes": "max_lease_time_minutes",
        "elapsedTimeMinutes": "elapsed_time_minutes",
        "hostname": "hostname",
        "handshakePort": "handshake_port",
        "arrInspectorPort": "arr_inspector_port",
        "teraflops": "teraflops",
        "creationTime": "creation_time",
        "error": "error",
    }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RenderingSession":
        values = {attr: data.get(key) for key, attr in cls._WIRE.items() if key in data}
        return cls(raw=dict(data), **values)

    def to_dict(self) -> Dict[str, Any]:
        """The session with its wire names (fields that are ``None`` left out)."""
        out = {key: getattr(self, attr) for key, attr in self._WIRE.items()}
        return {k: v for k, v in out.items() if v is not None}

    @property
    def created_on(self) -> Optional[datetime.datetime]:
        """``creation_time`` as an aware ``datetime``, when present and readable."""
        return _parse_time(self.creation_time) if self.creation_time else None

    @property
    def lease_time_minutes(self) -> Optional[int]:
        """Alias of ``max_lease_time_minutes`` (the Azure SDK's name)."""
        return self.max_lease_time_minutes

    @property
    def is_ready(self) -> bool:
        return self.status == SessionStatus.READY

    @property
    def is_terminal(self) -> bool:
        """Error, Expired or Stopped: the session will never become Ready."""
        return self.status in SessionStatus.TERMINAL


@dataclass(frozen=True)
class SessionWaitResult:
    """One entry of :meth:`RemoteRenderingClient.wait_for_sessions`: the session, or why waiting failed."""

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
    def from_dict(cls, data: Mapping[str, Any]) -> "SessionWaitResult":
        import json

        from .exceptions import error_from_json

        raw_session = data.get("session")
        raw_error = data.get("error")
        error = error_from_json(data["status"], json.dumps(raw_error)) if raw_error else None
        session = RenderingSession.from_dict(raw_session) if raw_session else getattr(error, "session", None)
        return cls(id=data["id"], status=data["status"], session=session, error=error)


@dataclass(frozen=True)
class SessionStopResult(SessionWaitResult):
    """One entry of ``stop_owned_sessions()``: ``ok``, or the ``status`` and ``error`` of a failed stop."""
