"""What the sync and asyncio clients share: construction (arguments to the library's config, the native handle),
the hooks, continuation tokens, and the methods that return at once in both (pagers, keepers, owned ids). Each
client adds only how it runs a :class:`~arr_session._operations.Call`: ``_call`` (the sync client calls, the
asyncio client awaits), and the method makers over ``_api`` that use it."""

from __future__ import annotations

import abc
import base64
import dataclasses
import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable, List, Mapping, Optional, Type, TypeVar

from . import _callbacks, _decode
from ._args import build_config
from ._ffi import lib
from ._native import NativeClient
from ._operations import Call, Keep, Operation
from ._response import ResponseHook, require_hook
from .credentials import Resolved, resolve, sts_scope, token_text

C = TypeVar("C", bound="ClientBase")
R = TypeVar("R")
if TYPE_CHECKING:  # pragma: no cover - typing only (ParamSpec is Python 3.10's; the package runs on 3.8)
    from typing import Concatenate, ParamSpec

    P = ParamSpec("P")

#: ``token_kind``: what a ``get_token`` credential returns. ``"aad"`` (Entra ID tokens, exchanged at the STS,
#: as with Microsoft's SDK) or ``"access_token"`` (Mixed Reality access tokens, used as they are).
TOKEN_KINDS = ("aad", "access_token")


class ClientBase(abc.ABC):
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

    @property
    def closed(self) -> bool:
        return self._native is None or self._native.closed

    def __del__(self) -> None:
        # Never blocks: this may run on an event loop's thread (which an async credential needs free to fetch the
        # token of a stop-on-close), or on a library thread. The close happens on the package's closing thread
        # (see _closer).
        try:
            if self._native is not None:
                self._native.close_from_finalizer()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    @abc.abstractmethod
    def _call(self, call: Call[Any]) -> Any:
        """Runs ``call``: its result (sync client), or an awaitable of it (asyncio client)."""

    def _operation_hook(self, operation: Operation[Any], hook: Any) -> Optional[ResponseHook]:
        """Who sees the service's answer behind ``operation``: its ``raw_response_hook`` or the client's, when one
        answer is behind it; else nobody."""
        return self._hook(hook) if operation.answered else None

    def _pages(self, call: Call[Any]) -> Callable[[], Any]:
        """What a pager calls to fetch its items, when it is iterated: ``call`` with the hook resolved now. It
        holds this client, so the client stays open while the pager lives; a closed client refuses at once."""
        self._client()
        return functools.partial(self._call, dataclasses.replace(call, hook=self._hook(call.hook)))

    def get_owned_session_ids(self) -> List[str]:
        """The ids of the sessions this client owns (created here unless ``owned=False``, not yet stopped); no
        request is sent (not a coroutine in the asyncio client either)."""
        return _decode.session_ids(self._client().call(lib.arr_client_get_owned_sessions), None)

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


def method_like(build: Callable[..., Any], method: Callable[..., R]) -> Callable[..., R]:
    """``method`` with the name, documentation and signature (after ``self``) of ``build``, its ``_api``
    function, for ``help()`` and editors."""
    signature = inspect.signature(build)
    this = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    setattr(method, "__signature__", signature.replace(parameters=[this, *signature.parameters.values()],
                                                       return_annotation=inspect.Signature.empty))
    method.__name__ = build.__name__
    method.__qualname__ = build.__name__
    method.__doc__ = build.__doc__
    return method


def paging(build: "Callable[P, Call[Any]]", pager: "Callable[[Callable[[], Any]], R]") -> "Callable[Concatenate[ClientBase, P], R]":
    """The method of a listing: ``pager`` over the call ``build`` gives, fetched when it is iterated (called by
    the sync client, awaited by the asyncio client's pager)."""

    def method(self: ClientBase, /, *args: "P.args", **kwargs: "P.kwargs") -> R:
        return pager(self._pages(build(*args, **kwargs)))

    return method_like(build, method)


def keeping(build: "Callable[P, Keep]", keeper: "Callable[..., R]") -> "Callable[Concatenate[ClientBase, P], R]":
    """The method of a lease keeper: ``keeper`` (the sync or asyncio one) started as ``build`` says."""

    def method(self: ClientBase, /, *args: "P.args", **kwargs: "P.kwargs") -> R:
        keep = build(*args, **kwargs)
        return keeper(self, keep.session_ids, keep.options, many=keep.many)

    return method_like(build, method)
