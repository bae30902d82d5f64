"""Conversions that fail early and explain themselves: settings files checked locally, the input linted from
storage before a conversion is created, the service's result files read back after it ends, and container SAS
tokens signed with the least permissions. The rules live in the native library (``docs/conversion-preflight.md``
lists them and their sources); this module only marshals."""

from __future__ import annotations

import ctypes
import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _ffi
from ._abi import STATUS_OK
from ._native import camel, require_str
from .exceptions import error_from_json

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


def _findings(items: Any) -> List[Finding]:
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
            findings=_findings(data.get("findings")),
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


def _call(function_name: str, *args: Any) -> Optional[str]:
    """A client-free ABI call whose last argument is a ``char **`` out-string."""
    out = ctypes.c_void_p()
    status = getattr(_ffi.lib, function_name)(*args, ctypes.byref(out))
    if status != STATUS_OK:
        raise error_from_json(_ffi.status_name(status), _ffi.last_error())
    return _ffi.take_string(out.value)


def check_conversion_settings(file_name: str, text: str, input_asset: Optional[str] = None) -> List[Finding]:
    """Checks a ``<model>.ConversionSettings.json``, ``conversionSettings.json`` or
    ``<model>.MaterialOverrides.json`` (``file_name`` decides the kind and names the file in the findings)
    against the service's published rules, locally. ``input_asset`` (the model's name) enables the
    point-cloud rules. An empty list means the file is fine."""
    require_str("file_name", file_name)
    require_str("text", text)
    require_str("input_asset", input_asset, optional=True)
    asset = _ffi.encode(input_asset) if input_asset is not None else None
    text_out = _call("arr_conversion_check_settings", _ffi.encode(file_name), _ffi.encode(text), asset)
    return _findings(json.loads(text_out or "[]"))


def sign_container_sas(
    container_uri: str,
    account_key: str,
    purpose: str,
    *,
    permissions: Optional[str] = None,
    valid_for: Optional[float] = None,
    account_name: Optional[str] = None,
) -> str:
    """Signs a container SAS from a storage account key with the least permissions a conversion needs:
    ``purpose="input"`` gives read+list, ``"output"`` write+read (read for the result files). ``valid_for``
    is in whole seconds, 1 s to 365 days (default a day). Returns ``?sv=...&sig=...``: a secret, never log
    it."""
    for name, value in (("container_uri", container_uri), ("account_key", account_key), ("purpose", purpose)):
        require_str(name, value)
    require_str("permissions", permissions, optional=True)
    require_str("account_name", account_name, optional=True)
    options: Dict[str, Any] = {"purpose": purpose}
    if permissions is not None:
        options["permissions"] = permissions
    if valid_for is not None:
        if isinstance(valid_for, bool) or not isinstance(valid_for, (int, float)):
            raise TypeError(f"valid_for must be a number of seconds, not {type(valid_for).__name__}")
        if not math.isfinite(valid_for):  # JSON cannot carry it to the library
            raise ValueError(f"valid_for must be a finite number of seconds, not {valid_for}")
        # The library checks the value (whole seconds, 1 s to 365 days) and names the field.
        whole = isinstance(valid_for, float) and valid_for.is_integer()
        options["validForSeconds"] = int(valid_for) if whole else valid_for
    if account_name is not None:
        options["accountName"] = account_name
    sas = _call(
        "arr_storage_sign_container_sas",
        _ffi.encode(container_uri),
        _ffi.encode(account_key),
        _ffi.encode(json.dumps(options)),
    )
    return sas or ""


def _options(**values: Any) -> Optional[bytes]:
    """The options JSON of the storage calls (camelCase keys, ``None`` left out); ``None`` when empty."""
    present = {camel(k): v for k, v in values.items() if v is not None}
    for key, value in present.items():
        if key != "scanBytes":
            require_str(key, value)
    return _ffi.encode(json.dumps(present)) if present else None


def lint_options(
    storage_account_key: Optional[str], storage_account_name: Optional[str], scan_bytes: Optional[int]
) -> Optional[bytes]:
    return _options(
        storage_account_key=storage_account_key, storage_account_name=storage_account_name, scan_bytes=scan_bytes
    )


def results_options(
    output_sas: Optional[str], storage_account_key: Optional[str], storage_account_name: Optional[str]
) -> Optional[bytes]:
    return _options(
        output_sas=output_sas, storage_account_key=storage_account_key, storage_account_name=storage_account_name
    )
