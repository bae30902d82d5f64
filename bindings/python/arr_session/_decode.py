"""Decoding: the library's result JSON into the package's models, each parser taking ``(json, response)`` (the
text the call returned, and the service's answer behind it, or None). The one place that builds models which
carry exceptions (wait and stop results, keeper events), so ``models`` stays below ``exceptions``.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Type, TypeVar

from ._response import RawResponse
from .exceptions import error_from_dict, error_from_json
from .models import (
    AssetConversion,
    InputLint,
    KeepEvent,
    RenderingSession,
    SessionStopResult,
    SessionWaitResult,
)

T = TypeVar("T")
W = TypeVar("W", bound=SessionWaitResult)

#: Builds an operation's result from its JSON and the service's answer behind it.
Parse = Callable[[Optional[str], Optional[RawResponse]], T]


def session(text: Optional[str], response: Optional[RawResponse]) -> RenderingSession:
    return RenderingSession.from_json(text, response)


def conversion(text: Optional[str], response: Optional[RawResponse]) -> AssetConversion:
    return AssetConversion.from_json(text, response)


def sessions(text: Optional[str], _response: Optional[RawResponse]) -> List[RenderingSession]:
    return [RenderingSession.from_dict(item) for item in json.loads(text or "[]")]


def conversions(text: Optional[str], _response: Optional[RawResponse]) -> List[AssetConversion]:
    return [AssetConversion.from_dict(item) for item in json.loads(text or "[]")]


def nothing(_text: Optional[str], _response: Optional[RawResponse]) -> None:
    return None


def _result(cls: Type[W], data: Mapping[str, Any]) -> W:
    raw_error = data.get("error")
    error = error_from_json(data["status"], json.dumps(raw_error)) if raw_error else None
    return cls.from_dict(data, error)


def wait_results(text: Optional[str], _response: Optional[RawResponse]) -> List[SessionWaitResult]:
    return [_result(SessionWaitResult, item) for item in json.loads(text or "[]")]


def stop_results(text: Optional[str], _response: Optional[RawResponse]) -> List[SessionStopResult]:
    return [_result(SessionStopResult, item) for item in json.loads(text or "[]")]


def input_lint(text: Optional[str], _response: Optional[RawResponse]) -> InputLint:
    return InputLint.from_json(text)


def access_token(text: Optional[str], _response: Optional[RawResponse]) -> str:
    token: str = json.loads(text or "{}")["accessToken"]
    return token


def costs(text: Optional[str], _response: Optional[RawResponse]) -> Dict[str, Any]:
    answer: Dict[str, Any] = json.loads(text or "{}")
    return answer


def session_ids(text: Optional[str], _response: Optional[RawResponse]) -> List[str]:
    ids: List[str] = json.loads(text or "[]")
    return ids


def session_with_fallbacks(
    text: Optional[str], _response: Optional[RawResponse]
) -> Tuple[RenderingSession, List[Dict[str, Any]]]:
    answer = json.loads(text or "{}")
    return RenderingSession.from_dict(answer["session"]), list(answer["fallbacks"])


def keep_event(text: Optional[str]) -> KeepEvent:
    """One event of a keeper; its ``error`` object (on ``throttled``, ``retrying``, ``failed``) becomes the
    ``exception`` a call failing the same way raises."""
    data = json.loads(text or "{}")
    if not isinstance(data, Mapping):
        raise ValueError(f"a keeper event must be a JSON object, not {text!r}")
    raw_error = data.get("error")
    return KeepEvent.from_dict(data, error_from_dict(raw_error) if isinstance(raw_error, Mapping) else None)
