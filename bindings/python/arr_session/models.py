"""Typed models built from the library's JSON (REST field names of api-version 2021-01-01), with the names of
Microsoft's ``azure-mixedreality-remoterendering`` (``RenderingSession.hostname``, ``lease_time_minutes``,
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
from typing import Any, Dict, List, Mapping, Optional, Protocol, Sequence, Type, TypeVar, Union

from ._response import RawResponse



class FailedCall(Protocol):
    """What models say of a failed call: the package's exceptions (``ArrError``) have these attributes. (A
    protocol, so models stay below exceptions: an exception carries models, never the other way round.)"""

    message: str
    status_code: Optional[int]
    error_code: Optional[str]
    ms_cv: Optional[str]
    retry_after: Optional[float]

__all__ = [
    "RenderingSession",
    "RenderingSessionStatus",
    "RenderingSessionSize",
    "RemoteRenderingServiceError",
    "SessionWaitResult",
    "SessionStopResult",
    "AssetConversion",
    "AssetConversionStatus",
    "AssetConversionSettings",
    "AssetConversionInputSettings",
    "AssetConversionOutputSettings",
    "AssetConversionOutput",
    "KeepEvent",
    "KeepEventKind",
    "Finding",
    "InputLint",
    "ResultMessage",
    "ConversionResults",
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
        if type(value) is str:
            # The exact value, as the library sends it: a dict lookup instead of EnumMeta.__call__.
            member = cls._value2member_map_.get(value)
            if member is not None:
                return member  # type: ignore[return-value]
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
#: What the library emits (RFC 3339, 7 fraction digits, UTC as +00:00): "2026-11-28T10:12:50.7527947+00:00".
_LIBRARY_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00", re.ASCII)


def _parse_time(text: Any) -> Optional[datetime.datetime]:
    # The service sends 0 to 7 fraction digits and ``Z`` or ``+00:00``; fromisoformat takes at most 6.
    if not isinstance(text, str):
        return None
    if _LIBRARY_TIME.fullmatch(text):
        # The library's own form (every answer): drop the 7th digit, as the general path below truncates it.
        try:
            return datetime.datetime.fromisoformat(text[:26] + "+00:00")
        except ValueError:  # a well-formed but impossible date (month 13)
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
        if data is None:  # the usual case, checked first: isinstance against typing.Mapping is slow
            return None
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
    #: Where a renderer connects, once Ready (Microsoft's name; ``host`` is the same value).
    hostname: Optional[str] = None
    handshake_port: Optional[int] = None
    arr_inspector_port: Optional[int] = None
    teraflops: Optional[float] = None
    #: Why the session is in status Error (or a message the service attached).
    error: Optional[RemoteRenderingServiceError] = field(default=None, compare=False)
    #: The JSON object this was built from, including fields newer than this package.
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)
    #: The service's answer it came from (``status_code``, ``ms_cv``), for a session returned by one call
    #: (get, create, update, extend, a wait); None inside a list or an error.
    response: Optional[RawResponse] = field(default=None, repr=False, compare=False, hash=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], response: Optional[RawResponse] = None) -> "RenderingSession":
        return cls(
            id=str(data.get("id", "")),
            size=RenderingSessionSize.parse(data.get("size", "")),
            status=RenderingSessionStatus.parse(data.get("status", "")),
            lease_time_minutes=data.get("maxLeaseTimeMinutes"),
            elapsed_time_minutes=data.get("elapsedTimeMinutes"),
            created_on=_parse_time(data.get("creationTime")),
            hostname=data.get("hostname"),
            handshake_port=data.get("handshakePort"),
            arr_inspector_port=data.get("arrInspectorPort"),
            teraflops=data.get("teraflops"),
            error=RemoteRenderingServiceError.from_dict(data.get("error")),
            raw=dict(data),
            response=response,
        )

    @classmethod
    def from_json(cls, text: Optional[str], response: Optional[RawResponse] = None) -> "RenderingSession":
        return cls.from_dict(json.loads(text or "{}"), response)

    def to_dict(self) -> Dict[str, Any]:
        """The session with its wire names, as the library sent it."""
        return dict(self.raw)

    @property
    def host(self) -> Optional[str]:
        """``hostname`` under the name this package gave it first (kept for existing callers)."""
        return self.hostname

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
    error: Optional[FailedCall] = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ARR_STATUS_OK"

    @classmethod
    def from_dict(cls: Type[W], data: Mapping[str, Any], error: Optional[FailedCall] = None) -> W:
        """The entry, with ``error`` built from its ``error`` object by the caller (``_decode``, which knows
        the exceptions); a failed session ended keeps the session that error carries."""
        raw_session = data.get("session")
        session = RenderingSession.from_dict(raw_session) if raw_session else getattr(error, "session", None)
        return cls(id=data["id"], status=data["status"], session=session, error=error)


@dataclass(frozen=True)
class SessionStopResult(SessionWaitResult):
    """One entry of ``stop_owned_rendering_sessions()``: ``ok``, or the ``status`` and ``error`` of a failed stop."""


# --- conversion preflight: findings, lint, the service's result files ------------------------------------


@dataclass(frozen=True)
class Finding:
    """One problem found before the service would find it: ``severity`` (``error``, ``warning``, ``info``), a
    stable ``rule`` id (e.g. ``enum``, ``reference-absolute``), the ``file`` (a local path, a blob name or a
    settings field), the JSON Pointer ``path`` inside it (empty for the whole file), and a ``message``."""

    severity: str
    rule: str
    file: str
    path: str
    message: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Finding":
        return cls(
            severity=str(data.get("severity", "")),
            rule=str(data.get("rule", "")),
            file=str(data.get("file", "")),
            path=str(data.get("path", "")),
            message=str(data.get("message", "")),
        )

    def __str__(self) -> str:
        where = f"{self.file} {self.path}" if self.path else self.file
        return f"{self.severity:<7} {where} [{self.rule}]: {self.message}"


def findings_from(items: Any) -> List[Finding]:
    return [Finding.from_dict(item) for item in items or [] if isinstance(item, Mapping)]


def has_errors(findings: Sequence[Finding]) -> bool:
    """Whether any finding is an error (the conversion would fail, or lose something)."""
    return any(f.severity == "error" for f in findings)


@dataclass(frozen=True)
class InputLint:
    """What ``lint_asset_conversion_input`` found, errors first, and what the service will download."""

    findings: List[Finding]
    input_blob: str
    input_size: Optional[int]
    listed: bool
    blob_count: int
    total_bytes: int
    settings_files: List[str]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_json(cls, text: Optional[str]) -> "InputLint":
        data = json.loads(text or "{}")
        return cls(
            findings=findings_from(data.get("findings")),
            input_blob=str(data.get("inputBlob", "")),
            input_size=data.get("inputSize"),
            listed=bool(data.get("listed")),
            blob_count=int(data.get("blobCount") or 0),
            total_bytes=int(data.get("totalBytes") or 0),
            settings_files=[str(f) for f in data.get("settingsFiles") or []],
            raw=data,
        )

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)


@dataclass(frozen=True)
class ResultMessage:
    """One entry of the service's result file: ``kind`` (``error``, ``internal error``, ``warning``,
    ``internal warning``), its ``code`` and ``title``, and ``details`` as written."""

    kind: str
    code: str
    title: str
    details: Any = None

    @property
    def is_error(self) -> bool:
        return self.kind.endswith("error")


@dataclass(frozen=True)
class ConversionResults:
    """What the service wrote about a conversion in its output container: the result file's ``outcome``
    (``succeeded``, ``failed``, ``succeeded with warnings``) and ``messages``, and the info file (``info``, its
    statistics as written). ``result_file`` is ``None`` when the service wrote none."""

    result_file: Optional[str]
    outcome: Optional[str]
    messages: List[ResultMessage]
    internal_conversion_id: Optional[str]
    info_file: Optional[str]
    info: Optional[Dict[str, Any]]
    looked_for: List[str]

    @classmethod
    def from_dict(cls, data: Any) -> Optional["ConversionResults"]:
        if not isinstance(data, Mapping):
            return None
        messages = [
            ResultMessage(
                kind=str(m.get("kind", "")),
                code=str(m.get("code", "")),
                title=str(m.get("title", "")),
                details=m.get("details"),
            )
            for m in data.get("messages") or []
            if isinstance(m, Mapping)
        ]
        return cls(
            result_file=data.get("resultFile"),
            outcome=data.get("outcome"),
            messages=messages,
            internal_conversion_id=data.get("internalConversionId"),
            info_file=data.get("infoFile"),
            info=data.get("info"),
            looked_for=[str(n) for n in data.get("lookedFor") or []],
        )

    @property
    def error(self) -> Optional[ResultMessage]:
        """The error (the service writes at most one), if any."""
        return next((m for m in self.messages if m.is_error), None)



# --- asset conversions -------------------------------------------------------------------------------


class AssetConversionStatus(_OpenEnum):
    """The status of an asset conversion (an open set: other values are kept as strings). Cancelled, Failed
    and Succeeded are final."""

    NOT_STARTED = "NotStarted"
    RUNNING = "Running"
    CANCELLED = "Cancelled"
    FAILED = "Failed"
    SUCCEEDED = "Succeeded"


#: Cancelled, Failed and Succeeded: the conversion will not change any more.
FINAL_CONVERSION_STATUSES = frozenset(
    {AssetConversionStatus.CANCELLED, AssetConversionStatus.FAILED, AssetConversionStatus.SUCCEEDED}
)


def _put(target: Dict[str, Any], key: str, value: Any, name: str) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    target[key] = value


@dataclass
class AssetConversionInputSettings:
    """Where the model to convert is: ``storage_container_uri`` (the blob container), ``relative_input_asset_path``
    (from ``blob_prefix``, or the container root), ``blob_prefix`` (only blobs under it are downloaded) and
    ``storage_container_read_list_sas`` (a read+list SAS; not needed when the storage account is linked to the
    ARR account). The SAS is a secret: it never appears in ``repr``/``str``, and the service never sends it
    back."""

    storage_container_uri: str
    relative_input_asset_path: str
    blob_prefix: Optional[str] = None
    storage_container_read_list_sas: Optional[str] = field(default=None, repr=False)

    def to_dict(self) -> Dict[str, Any]:
        """The REST ``inputLocation`` (SAS included: it is what the service needs)."""
        out: Dict[str, Any] = {}
        _put(out, "storageContainerUri", self.storage_container_uri, "storage_container_uri")
        _put(out, "storageContainerReadListSas", self.storage_container_read_list_sas, "storage_container_read_list_sas")
        _put(out, "blobPrefix", self.blob_prefix, "blob_prefix")
        _put(out, "relativeInputAssetPath", self.relative_input_asset_path, "relative_input_asset_path")
        return out

    @classmethod
    def from_dict(cls, data: Any) -> "AssetConversionInputSettings":
        data = data if isinstance(data, Mapping) else {}
        return cls(
            storage_container_uri=str(data.get("storageContainerUri", "")),
            relative_input_asset_path=str(data.get("relativeInputAssetPath", "")),
            blob_prefix=data.get("blobPrefix"),
            storage_container_read_list_sas=data.get("storageContainerReadListSas"),
        )


@dataclass
class AssetConversionOutputSettings:
    """Where the ``.arrAsset`` goes: ``storage_container_uri``, ``blob_prefix`` (a virtual folder),
    ``output_asset_filename`` (ending in ``.arrAsset``; by default the input's name) and
    ``storage_container_write_sas`` (a write SAS; not needed for a linked storage account). The SAS never
    appears in ``repr``/``str``."""

    storage_container_uri: str
    blob_prefix: Optional[str] = None
    output_asset_filename: Optional[str] = None
    storage_container_write_sas: Optional[str] = field(default=None, repr=False)

    def to_dict(self) -> Dict[str, Any]:
        """The REST ``outputLocation`` (SAS included)."""
        out: Dict[str, Any] = {}
        _put(out, "storageContainerUri", self.storage_container_uri, "storage_container_uri")
        _put(out, "storageContainerWriteSas", self.storage_container_write_sas, "storage_container_write_sas")
        _put(out, "blobPrefix", self.blob_prefix, "blob_prefix")
        _put(out, "outputAssetFilename", self.output_asset_filename, "output_asset_filename")
        return out

    @classmethod
    def from_dict(cls, data: Any) -> "AssetConversionOutputSettings":
        data = data if isinstance(data, Mapping) else {}
        return cls(
            storage_container_uri=str(data.get("storageContainerUri", "")),
            blob_prefix=data.get("blobPrefix"),
            output_asset_filename=data.get("outputAssetFilename"),
            storage_container_write_sas=data.get("storageContainerWriteSas"),
        )


@dataclass
class AssetConversionSettings:
    """A conversion's ``input_settings`` and ``output_settings``, as the service normalised them (no SAS)."""

    input_settings: AssetConversionInputSettings
    output_settings: AssetConversionOutputSettings

    def to_dict(self) -> Dict[str, Any]:
        """The REST ``conversion_settings`` (SAS included)."""
        return {"inputLocation": self.input_settings.to_dict(), "outputLocation": self.output_settings.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> "AssetConversionSettings":
        data = data if isinstance(data, Mapping) else {}
        return cls(
            input_settings=AssetConversionInputSettings.from_dict(data.get("inputLocation")),
            output_settings=AssetConversionOutputSettings.from_dict(data.get("outputLocation")),
        )


@dataclass(frozen=True)
class AssetConversionOutput:
    """The result of a Succeeded conversion: ``asset_uri``, the ``.arrAsset`` to load in a session."""

    asset_uri: Optional[str] = None


@dataclass(frozen=True)
class AssetConversion:
    """An asset conversion as the service last described it (``output`` once Succeeded, ``error`` once
    Failed). It never holds a SAS: the service does not send them back."""

    id: str
    settings: AssetConversionSettings
    status: Union[AssetConversionStatus, str]
    error: Optional[RemoteRenderingServiceError] = field(default=None, compare=False)
    output: Optional[AssetConversionOutput] = None
    created_on: Optional[datetime.datetime] = None
    #: What the service wrote about it in the output container (result and info files), when read with
    #: ``get_asset_conversion_results``.
    results: Optional[ConversionResults] = field(default=None, compare=False)
    #: The JSON object this was built from, including fields newer than this package.
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)
    #: The service's answer it came from (``status_code``, ``ms_cv``), for a conversion returned by one call;
    #: None inside a list.
    response: Optional[RawResponse] = field(default=None, repr=False, compare=False, hash=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], response: Optional[RawResponse] = None) -> "AssetConversion":
        output = data.get("output")
        return cls(
            id=str(data.get("id", "")),
            settings=AssetConversionSettings.from_dict(data.get("settings")),
            status=AssetConversionStatus.parse(data.get("status", "")),
            error=RemoteRenderingServiceError.from_dict(data.get("error")),
            output=AssetConversionOutput(asset_uri=output.get("outputAssetUri")) if isinstance(output, Mapping) else None,
            created_on=_parse_time(data.get("creationTime")),
            results=ConversionResults.from_dict(data.get("results")),
            raw=dict(data),
            response=response,
        )

    @classmethod
    def from_json(cls, text: Optional[str], response: Optional[RawResponse] = None) -> "AssetConversion":
        return cls.from_dict(json.loads(text or "{}"), response)

    def to_dict(self) -> Dict[str, Any]:
        """The conversion with its wire names, as the library sent it."""
        return dict(self.raw)

    @property
    def is_final(self) -> bool:
        """Cancelled, Failed or Succeeded."""
        return self.status in FINAL_CONVERSION_STATUSES


# --- the lease keeper ------------------------------------------------------------------------------------


class KeepEventKind(_OpenEnum):
    """What a lease keeper reports (an open set: other values are kept as strings)."""

    EXTENDED = "extended"
    EXPIRING_SOON = "expiringSoon"
    CAP_REACHED = "capReached"
    ENDED = "ended"
    THROTTLED = "throttled"
    RETRYING = "retrying"
    FAILED = "failed"


@dataclass(frozen=True)
class KeepEvent:
    """One event of ``keep_rendering_session(s)``; ``session_id`` names its session. Only the fields of its
    ``kind`` are set:

    - ``extended``: ``from_minutes`` -> ``to_minutes`` (the lease in total);
    - ``expiringSoon``: ``remaining_minutes`` (the lease will not be renewed: the cap is reached);
    - ``capReached``: ``lease_time_minutes`` (the cap; no more renewals);
    - ``ended``: ``status`` (Expired, Stopped or Error) and ``error`` (the session's, for Error);
    - ``throttled`` (the keeper waits and carries on), ``retrying`` (it carries on) and ``failed`` (it stops
      keeping that session): ``exception``, the exception a call failing the same way raises
      (``HttpResponseError`` with ``retry_after`` for a 429, ``ResourceNotFoundError``,
      ``ClientAuthenticationError``, ...), with ``status_code``, ``error_code`` and ``ms_cv``; the event's
      ``retry_after``, ``message``, ``status_code``, ``error_code`` and ``ms_cv`` read it.
    """

    session_id: str
    kind: Union[KeepEventKind, str]
    from_minutes: Optional[int] = None
    to_minutes: Optional[int] = None
    remaining_minutes: Optional[int] = None
    lease_time_minutes: Optional[int] = None
    status: Union[RenderingSessionStatus, str, None] = None
    error: Optional[RemoteRenderingServiceError] = None
    exception: Optional[FailedCall] = field(default=None, compare=False)
    #: The event's JSON as it came.
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @property
    def retry_after(self) -> Optional[float]:
        """How long the service asked to wait (seconds), for ``throttled``."""
        return self.exception.retry_after if self.exception is not None else None

    @property
    def message(self) -> Optional[str]:
        return self.exception.message if self.exception is not None else None

    @property
    def status_code(self) -> Optional[int]:
        """The HTTP status of the failed answer, if there was one."""
        return self.exception.status_code if self.exception is not None else None

    @property
    def error_code(self) -> Optional[str]:
        """The service's error code, if it sent one."""
        return self.exception.error_code if self.exception is not None else None

    @property
    def ms_cv(self) -> Optional[str]:
        """The MS-CV of the failed answer (quote it to support)."""
        return self.exception.ms_cv if self.exception is not None else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], exception: Optional[FailedCall] = None) -> "KeepEvent":
        """The event, with ``exception`` built from its ``error`` object by the caller (``_decode``)."""
        kind = KeepEventKind.parse(data.get("kind", ""))
        status = data.get("status")
        # `sessionError`: the session's own error (on `ended`); `error` (on `throttled`, `retrying`, `failed`):
        # the library's error object, given here as `exception`, mapped as a failed call's.
        return cls(
            session_id=str(data.get("sessionId", "")),
            kind=kind,
            from_minutes=data.get("from"),
            to_minutes=data.get("to"),
            remaining_minutes=data.get("remaining"),
            lease_time_minutes=data.get("lease"),
            status=RenderingSessionStatus.parse(status) if status is not None else None,
            error=RemoteRenderingServiceError.from_dict(data.get("sessionError")),
            exception=exception,
            raw=dict(data),
        )
