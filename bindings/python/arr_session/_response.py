"""``RawResponse``: the service's answer behind a successful call (its HTTP status and MS-CV), as the library
reports it through ``arr_last_response``.

It is what the ``raw_response_hook`` keyword receives, shaped like the part of azure-core's
``PipelineResponse`` such hooks read (``response.http_response.status_code``,
``response.http_response.headers["MS-CV"]``), and what the models' ``response`` attribute holds
(``session.response.status_code``, ``session.response.ms_cv``). The library carries no body or other headers
across its ABI, so there are none here.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterator, Mapping, Optional

__all__ = ["RawResponse", "ResponseHook"]

#: ``raw_response_hook``: called with the :class:`RawResponse` of each successful call that came from one
#: answer of the service.
ResponseHook = Callable[["RawResponse"], Any]


class _Headers(Mapping[str, str]):
    """The answer's headers the library reports (only ``MS-CV``), looked up case-insensitively."""

    def __init__(self, values: Dict[str, str]) -> None:
        self._values = values

    def __getitem__(self, name: str) -> str:
        for key, value in self._values.items():
            if key.lower() == name.lower():
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return repr(self._values)


class RawResponse:
    """The HTTP status and MS-CV of the answer behind a success (quote the MS-CV to support).

    - ``status_code`` (e.g. 200, 201 for a created session, 202 for a v1 create), ``ms_cv``;
    - ``headers``: ``{"MS-CV": ...}``, case-insensitive;
    - ``http_response`` (itself), ``http_request`` (None) and ``context`` (a dict): azure-core's
      ``PipelineResponse`` shape, so a ``raw_response_hook`` written for Microsoft's SDK works unchanged.
    """

    __slots__ = ("status_code", "ms_cv", "headers", "context")

    def __init__(self, status_code: int, ms_cv: Optional[str]) -> None:
        self.status_code: int = status_code
        self.ms_cv: Optional[str] = ms_cv
        self.headers: Mapping[str, str] = _Headers({"MS-CV": ms_cv} if ms_cv is not None else {})
        self.context: Dict[str, Any] = {}

    @classmethod
    def from_json(cls, text: Optional[str]) -> Optional["RawResponse"]:
        """From ``arr_last_response``'s ``{"httpStatus": 201, "msCv": "..."}``; None for no answer."""
        if not text:
            return None
        data = json.loads(text)
        if not isinstance(data, Mapping) or not isinstance(data.get("httpStatus"), int):
            return None
        ms_cv = data.get("msCv")
        return cls(data["httpStatus"], ms_cv if isinstance(ms_cv, str) else None)

    @property
    def http_response(self) -> "RawResponse":
        return self

    @property
    def http_request(self) -> None:
        """The request is not reported by the library."""
        return None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawResponse) and (self.status_code, self.ms_cv) == (other.status_code, other.ms_cv)

    def __hash__(self) -> int:
        return hash((self.status_code, self.ms_cv))

    def __repr__(self) -> str:
        return f"<RawResponse {self.status_code} MS-CV {self.ms_cv}>"


def require_hook(hook: Any) -> Optional[ResponseHook]:
    if hook is not None and not callable(hook):
        raise TypeError(f"raw_response_hook must be callable, not {type(hook).__name__}")
    return hook  # type: ignore[no-any-return]


def call_hook(hook: Optional[ResponseHook], response: Optional[RawResponse]) -> None:
    """Runs ``hook(response)`` when there is both; what it raises goes to the caller, as with azure-core."""
    if hook is not None and response is not None:
        hook(response)
