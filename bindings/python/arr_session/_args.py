"""Argument builders: Python arguments checked (the error names the argument) and marshalled into what the C
ABI takes (UTF-8 bytes, ``uint32_t``, the library's option and config JSON, snake_case keys turned into
camelCase). The library validates the values themselves; nothing here calls it.
"""

from __future__ import annotations

import json
import math
from enum import Enum
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from . import _ffi
from .credentials import Resolved, resolve, sts_scope
from .models import AssetConversionInputSettings, AssetConversionOutputSettings, AssetConversionSettings


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {camel(str(k)): _camel_keys(v) for k, v in value.items()}
    return value


def require_str(name: str, value: Any, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")


def require_u32(name: str, value: Any) -> int:
    """An int that fits the ABI's ``uint32_t`` (ctypes would silently wrap a negative one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"{name} must be between 0 and 4294967295, not {value}")
    return value


def seconds_to_ms(name: str, seconds: Optional[float]) -> Optional[int]:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(seconds).__name__}")
    if not seconds > 0:  # also NaN; the library checks the upper bounds
        raise ValueError(f"{name} must be a positive number of seconds, not {seconds}")
    return max(1, math.ceil(seconds * 1000)) if seconds < 1e12 else 2**53


def wait_options(timeout: Optional[float], polling_interval: Optional[float]) -> Optional[bytes]:
    options = {"timeoutMs": seconds_to_ms("timeout", timeout), "pollIntervalMs": seconds_to_ms("polling_interval", polling_interval)}
    options = {k: v for k, v in options.items() if v is not None}
    return json.dumps(options).encode() if options else None


def create_options(size: Any, lease_time_minutes: Any, session_id: Any, owned: Any = None) -> bytes:
    if isinstance(size, Enum):
        size = size.value
    require_str("size", size)
    require_str("session_id", session_id, optional=True)
    # The lease goes to the service as given, negative included: the service refuses that with HTTP 400, the
    # HttpResponseError Microsoft's client raises (the library refuses more than 1440 minutes itself).
    if isinstance(lease_time_minutes, bool) or not isinstance(lease_time_minutes, int):
        raise TypeError(f"lease_time_minutes must be an int, not {type(lease_time_minutes).__name__}")
    if not -(2**31) <= lease_time_minutes <= 0xFFFFFFFF:
        raise ValueError(f"lease_time_minutes must be between -2147483648 and 4294967295, not {lease_time_minutes}")
    options: Dict[str, Any] = {"size": size, "maxLeaseTimeMinutes": lease_time_minutes}
    if session_id is not None:
        options["id"] = session_id
    if owned is not None:
        if not isinstance(owned, bool):
            raise TypeError(f"owned must be a bool, not {type(owned).__name__}")
        options["owned"] = owned
    return _ffi.encode(json.dumps(options))


def timeout_ms_arg(timeout: Any) -> int:
    """A timeout in seconds as the ABI's ``uint32_t`` milliseconds."""
    ms = seconds_to_ms("timeout", timeout)
    assert ms is not None
    return require_u32("timeout", ms) if ms <= 0xFFFFFFFF else 0xFFFFFFFF


def session_id_arg(session_id: Any) -> bytes:
    require_str("session_id", session_id)
    return _ffi.encode(session_id)


def session_ids_arg(session_ids: Any) -> bytes:
    """A sequence of session ids as the library's JSON array."""
    if isinstance(session_ids, (str, bytes)) or not isinstance(session_ids, Sequence):
        raise TypeError("session_ids must be a sequence of str")
    for session_id in session_ids:
        require_str("session_ids[]", session_id)
    return _ffi.encode(json.dumps(list(session_ids)))


#: azure-core pipeline options Microsoft's client passes to its pipeline. The library has its own transport,
#: retry and logging, so these are accepted and ignored (the ones with an equivalent are mapped above them).
AZURE_CORE_OPTIONS = frozenset({
    "logging_policy", "logging_enable", "http_logging_policy", "retry_policy", "transport", "headers",
    "user_agent_policy", "proxy_policy", "redirect_policy", "custom_hook_policy", "per_call_policies",
    "per_retry_policies", "distributed_tracing_policy", "headers_policy", "authentication_policy", "policies",
    "session", "connection_verify", "connection_cert", "retry_connect", "retry_read", "retry_status",
    "retry_mode", "retry_on_status_codes", "permit_redirects", "redirect_max", "sdk_moniker", "tracing_enabled",
    "connection_data_block_size", "logger", "network_span_namer", "read_timeout", "timeout", "proxies",
})


def _seconds_option(name: str, value: Any) -> int:
    ms = seconds_to_ms(name, value)
    assert ms is not None
    return ms


def build_config(
    endpoint: Any,
    account_id: Any,
    account_domain: Any,
    credential: Any,
    *,
    allow_async: bool,
    tokens_used_as_they_are: bool = False,
    **kwargs: Any,
) -> "Tuple[Dict[str, Any], Resolved]":
    """The library's config JSON object, and what the credential resolved to.

    ``kwargs``: Microsoft's (``api_version``, ``polling_interval`` in seconds, ``authentication_endpoint_url``;
    ``user_agent``, ``connection_timeout``, ``retry_total``, ``retry_backoff_factor``, ``retry_backoff_max``
    mapped to the library's; other azure-core pipeline options ignored), then the library's own config keys
    in snake_case (validated by the library: an unknown key raises ``ValueError``).
    """
    # Missing values raise ValueError, as Microsoft's client does (a migrating caller catches that); a value
    # of the wrong type stays a TypeError.
    for name, value in (("endpoint", endpoint), ("account_id", account_id)):
        if value is None or value == "":
            raise ValueError(f"{name} cannot be None")
        require_str(name, value)
    require_str("account_domain", account_domain, optional=True)
    sts_url = kwargs.pop("authentication_endpoint_url", None)
    require_str("authentication_endpoint_url", sts_url, optional=True)
    if sts_url is not None and not sts_url.lower().startswith(("https://", "http://")):
        raise ValueError(f"authentication_endpoint_url must be an http(s) URL, not {sts_url!r}")
    resolved = resolve(credential, sts_scope(account_domain, sts_url), allow_async)
    # The account domain names the STS (https://sts.<account_domain>): required, as Microsoft's client requires
    # it, unless the STS is given as authentication_endpoint_url or no STS is used (access tokens as they are).
    if not account_domain and sts_url is None and resolved.access_token is None and not tokens_used_as_they_are:
        raise ValueError("account_domain cannot be None (it names the STS; or give authentication_endpoint_url)")
    config: Dict[str, Any] = {"endpoint": endpoint, "accountId": account_id}
    retry: Dict[str, Any] = {}
    for key, value in (("accountDomain", account_domain), ("stsEndpoint", sts_url),
                       ("accountKey", resolved.account_key), ("accessToken", resolved.access_token)):
        if value is not None:
            config[key] = value
    api_version = kwargs.pop("api_version", None)
    if api_version is not None:
        config["apiVersion"] = str(getattr(api_version, "value", api_version))
    polling_interval = kwargs.pop("polling_interval", None)
    if polling_interval is not None:
        config["pollIntervalMs"] = _seconds_option("polling_interval", polling_interval)
    user_agent = kwargs.pop("user_agent", None)
    if user_agent is not None:
        config["userAgentSuffix"] = user_agent
    connection_timeout = kwargs.pop("connection_timeout", None)
    if connection_timeout is not None:
        config["connectTimeoutMs"] = _seconds_option("connection_timeout", connection_timeout)
    if kwargs.get("retry_total") is not None:
        retry["maxRetries"] = require_u32("retry_total", kwargs.pop("retry_total"))
    if kwargs.get("retry_backoff_factor") is not None:
        retry["baseDelayMs"] = _seconds_option("retry_backoff_factor", kwargs.pop("retry_backoff_factor"))
    if kwargs.get("retry_backoff_max") is not None:
        retry["maxDelayMs"] = _seconds_option("retry_backoff_max", kwargs.pop("retry_backoff_max"))
    for name, value in kwargs.items():
        if name in AZURE_CORE_OPTIONS or name.startswith("retry_"):
            continue
        config[camel(name)] = _camel_keys(value)
    if retry:
        config["retry"] = {**retry, **(config.get("retry") or {})}
    return config, resolved


def conversion_id_arg(conversion_id: Any) -> bytes:
    require_str("conversion_id", conversion_id)
    return _ffi.encode(conversion_id)


def conversion_settings_arg(input_settings: Any, output_settings: Any) -> bytes:
    """The REST ``conversion_settings`` JSON (it carries the SAS values: never log it)."""
    if not isinstance(input_settings, AssetConversionInputSettings):
        raise TypeError(f"input_settings must be an AssetConversionInputSettings, not {type(input_settings).__name__}")
    if not isinstance(output_settings, AssetConversionOutputSettings):
        raise TypeError(f"output_settings must be an AssetConversionOutputSettings, not {type(output_settings).__name__}")
    settings = AssetConversionSettings(input_settings=input_settings, output_settings=output_settings)
    return _ffi.encode(json.dumps(settings.to_dict()))


def _minutes(name: str, value: Any) -> Optional[int]:
    return None if value is None else require_u32(name, value)


def keep_options(
    extend_by_minutes: Any = None,
    renew_below_minutes: Any = None,
    max_total_minutes: Any = None,
    warn_at_minutes: Any = None,
    polling_interval: Any = None,
) -> Optional[bytes]:
    """The options JSON of ``arr_client_keep_session(s)`` (``None`` values left to the library's defaults)."""
    options: Dict[str, Any] = {
        "extendByMinutes": _minutes("extend_by_minutes", extend_by_minutes),
        "renewBelowMinutes": _minutes("renew_below_minutes", renew_below_minutes),
        "maxTotalMinutes": _minutes("max_total_minutes", max_total_minutes),
        "pollIntervalMs": seconds_to_ms("polling_interval", polling_interval),
    }
    if warn_at_minutes is not None:
        if isinstance(warn_at_minutes, (str, bytes)) or not hasattr(warn_at_minutes, "__iter__"):
            raise TypeError("warn_at_minutes must be a sequence of minutes")
        options["warnAtMinutes"] = [require_u32("warn_at_minutes", m) for m in warn_at_minutes]
    options = {k: v for k, v in options.items() if v is not None}
    return json.dumps(options).encode() if options else None


def keeper_options(
    extend_by_minutes: Any = None,
    renew_below_minutes: Any = None,
    max_total_minutes: Any = None,
    warn_at_minutes: Any = None,
    polling_interval: Any = None,
    budget_minutes: Any = None,
    budget_amount: Any = None,
    prices: Any = None,
) -> Optional[bytes]:
    """The keeper's options JSON (``keep_options``) with its budget (``budgetMinutes``, or ``budgetAmount`` and
    ``prices``)."""
    options = keep_options(extend_by_minutes, renew_below_minutes, max_total_minutes, warn_at_minutes, polling_interval)
    budget = {"budgetMinutes": budget_minutes, "budgetAmount": budget_amount, "prices": prices}
    budget = {k: v for k, v in budget.items() if v is not None}
    if not budget:
        return options
    merged: Dict[str, Any] = json.loads(options) if options else {}
    merged.update(budget)
    return json.dumps(merged).encode()


def json_arg(value: Any) -> Optional[bytes]:
    """A JSON argument (``None`` stays NULL: the library's default)."""
    return None if value is None else json.dumps(value).encode()


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
