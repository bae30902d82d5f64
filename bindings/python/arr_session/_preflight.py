"""Conversions that fail early and explain themselves, the client-free calls: settings files checked locally and
container SAS tokens signed with the least permissions. (Linting the input and reading the result files back
are client operations, ``_operations``; their models are in ``models``.) The rules live in the native library
(``docs/conversion-preflight.md`` lists them and their sources); this module only marshals."""

from __future__ import annotations

import ctypes
import json
import math
from typing import Any, Callable, Dict, List, Optional

from . import _ffi
from ._abi import STATUS_OK
from ._args import require_str
from .exceptions import error_from_json
from .models import Finding, findings_from

def _call(function: Callable[..., int], *args: Any) -> Optional[str]:
    """A client-free ABI call whose last argument is a ``char **`` out-string."""
    out = ctypes.c_void_p()
    status = function(*args, ctypes.byref(out))
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
    text_out = _call(_ffi.lib.arr_conversion_check_settings, _ffi.encode(file_name), _ffi.encode(text), asset)
    return findings_from(json.loads(text_out or "[]"))


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
        _ffi.lib.arr_storage_sign_container_sas,
        _ffi.encode(container_uri),
        _ffi.encode(account_key),
        _ffi.encode(json.dumps(options)),
    )
    return sas or ""
