"""Construction shared by the sync and asyncio clients: arguments to the library's config, the native handle."""

from __future__ import annotations

import base64
from typing import Any, Mapping, Optional, Type, TypeVar

from . import _callbacks
from ._native import NativeClient, build_config
from ._response import ResponseHook, require_hook
from .credentials import Resolved, resolve, sts_scope, token_text

C = TypeVar("C", bound="ClientBase")

#: ``token_kind``: what a ``get_token`` credential returns. ``"aad"`` (Entra ID tokens, exchanged at the STS,
#: as with Microsoft's SDK) or ``"access_token"`` (Mixed Reality access tokens, used as they are).
TOKEN_KINDS = ("aad", "access_token")


class ClientBase:
    """Holds the native client; both clients take the same constructor arguments."""

    _native: Optional[NativeClient]
    _ALLOW_ASYNC_CREDENTIAL = False
    #: ``raw_response_hook`` given to the constructor: called for every call that has none of its own.
    _response_hook: Optional[ResponseHook] = None

    def __init__(
        self,
        endpoint: str,
        account_id: str,
        account_domain: Optional[str],
        credential: Any,
        **kwargs: Any,
    ) -> None:
        self._native = None
        self._response_hook = require_hook(kwargs.pop("raw_response_hook", None))
        token_kind = kwargs.pop("token_kind", "aad")
        if token_kind not in TOKEN_KINDS:
            raise ValueError(f"token_kind must be one of {TOKEN_KINDS}, not {token_kind!r}")
        config, resolved = build_config(
            endpoint, account_id, account_domain, credential, allow_async=self._ALLOW_ASYNC_CREDENTIAL,
            tokens_used_as_they_are=token_kind == "access_token", **kwargs
        )
        self._account_id: str = account_id
        self._native = NativeClient(config, self._provider(resolved), token_kind)

    @classmethod
    def from_config(cls: Type[C], config: Mapping[str, Any], credential: Any = None, *, token_kind: str = "aad") -> C:
        """A client from the library's config object as it is (camelCase keys, e.g. loaded from a file). The
        config may hold ``accountKey`` or ``accessToken``; otherwise pass a ``get_token`` ``credential``."""
        client = cls.__new__(cls)
        client._native = None
        client._account_id = str(config.get("accountId", ""))
        provider = None
        if credential is not None:
            scope = sts_scope(config.get("accountDomain"), config.get("stsEndpoint"))
            resolved = resolve(credential, scope, cls._ALLOW_ASYNC_CREDENTIAL)
            if resolved.get_token is None:
                raise TypeError("from_config takes keys and tokens in the config; credential must have get_token")
            provider = client._provider(resolved)
        client._native = NativeClient(config, provider, token_kind)
        return client

    def _provider(self, resolved: Resolved) -> Optional[_callbacks.Provider]:
        get_token = resolved.get_token
        if get_token is None:
            return None
        return lambda: token_text(get_token())

    def _hook(self, hook: Any) -> Optional[ResponseHook]:
        """``hook``, a call's ``raw_response_hook`` keyword argument, if it gave one; else the client's."""
        call_hook = require_hook(hook)
        return call_hook if call_hook is not None else self._response_hook

    def _client(self) -> NativeClient:
        if self._native is None or self._native.closed:
            raise RuntimeError(f"the {type(self).__name__} is closed")
        return self._native

    def _continuation_token(self, session_id: str) -> str:
        """Microsoft's format: base64 of ``1:<account id>:<session id>``."""
        return base64.b64encode(f"1:{self._account_id}:{session_id}".encode()).decode()

    def _session_from_token(self, continuation_token: str) -> str:
        return self._id_from_token(continuation_token, "rendering session")

    def _id_from_token(self, continuation_token: str, what: str) -> str:
        """The session or conversion id of a continuation token (the same format for both, as Microsoft's)."""
        message = f"continuation_token is not a {what} poller's token"
        if not isinstance(continuation_token, str):
            raise TypeError(f"continuation_token must be a str, not {type(continuation_token).__name__}")
        try:
            version, account_id, resource_id = base64.b64decode(continuation_token).decode().split(":", 2)
        except Exception as error:  # noqa: BLE001 - any malformed token
            raise ValueError(message) from error
        if version != "1" or not resource_id:
            raise ValueError(message)
        if account_id != self._account_id:
            raise ValueError("continuation_token belongs to another account")
        return resource_id


def session_args(session_id: Any = None, continuation_token: Any = None, name: str = "session_id") -> None:
    if session_id is None and continuation_token is None:
        raise ValueError(f"Either {name} or continuation_token needs to be supplied.")
    if session_id is not None and continuation_token is not None:
        raise ValueError(f"Parameters {name} and continuation_token are mutual exclusive. Supply only one of the two.")
