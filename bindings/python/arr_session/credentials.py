"""Credentials, as azure-core's: ``AzureKeyCredential``, ``AccessToken``, and any object with
``get_token(*scopes)`` (azure-identity's credentials; in ``arr_session.aio`` also async ones).

With azure-core installed, ``AzureKeyCredential`` and ``AccessToken`` here *are* azure-core's classes; without
it, they are look-alikes with the same names, fields and methods.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Optional

__all__ = ["AzureKeyCredential", "AccessToken", "sts_scope"]


class _AccessToken(NamedTuple):
    """An access token and when it expires (seconds since the epoch)."""

    token: str
    expires_on: int


class _AzureKeyCredential:
    """An account key; ``update(key)`` replaces it (used by clients created afterwards)."""

    def __init__(self, key: str) -> None:
        if not isinstance(key, str):
            raise TypeError("key must be a string.")
        self._key = key

    @property
    def key(self) -> str:
        return self._key

    def update(self, key: str) -> None:
        if not key:
            raise ValueError("The key used for updating can not be None or empty")
        if not isinstance(key, str):
            raise TypeError("The key used for updating must be a string.")
        self._key = key


if TYPE_CHECKING:
    AccessToken = _AccessToken
    AzureKeyCredential = _AzureKeyCredential
else:
    try:
        from azure.core.credentials import AccessToken, AzureKeyCredential
    except ImportError:
        AccessToken = _AccessToken
        AzureKeyCredential = _AzureKeyCredential
        AccessToken.__name__ = AccessToken.__qualname__ = "AccessToken"
        AzureKeyCredential.__name__ = AzureKeyCredential.__qualname__ = "AzureKeyCredential"


def _expand_domain(domain: str) -> str:
    domain = domain.strip().rstrip("/")
    return domain if "." in domain else f"{domain}.mixedreality.azure.com"


def sts_scope(account_domain: Optional[str], authentication_endpoint_url: Optional[str] = None) -> str:
    """The scope asked of a ``get_token`` credential: the STS URL (``authentication_endpoint_url``, else
    ``https://sts.<account_domain>``) followed by ``/.default``, as Microsoft's SDK asks it. An account domain
    given as a URL is the STS itself, as the library takes it."""
    if authentication_endpoint_url:
        base = authentication_endpoint_url
    elif account_domain and "://" in account_domain:
        base = account_domain
    elif account_domain:
        base = "https://sts." + _expand_domain(account_domain)
    else:
        base = "https://sts.mixedreality.azure.com"
    return base.rstrip("/") + "/.default"


class Resolved(NamedTuple):
    """What a credential turns into: an account key, a static token, or a token function (sync or async)."""

    account_key: Optional[str]
    access_token: Optional[str]
    get_token: Optional[Callable[[], Any]]
    is_async: bool


def resolve(credential: Any, scope: str, allow_async: bool) -> Resolved:
    if credential is None:
        raise ValueError("credential cannot be None")
    if isinstance(getattr(credential, "token", None), str) and hasattr(credential, "expires_on"):
        return Resolved(None, credential.token, None, False)  # AccessToken
    if isinstance(getattr(credential, "key", None), str) and not callable(getattr(credential, "get_token", None)):
        return Resolved(credential.key, None, None, False)  # AzureKeyCredential
    get_token = getattr(credential, "get_token", None)
    if callable(get_token):
        is_async = inspect.iscoroutinefunction(get_token)
        if is_async and not allow_async:
            raise TypeError(
                "an async credential (azure.identity.aio) needs the asyncio client: from arr_session.aio import "
                "RemoteRenderingClient"
            )
        return Resolved(None, None, lambda: get_token(scope), is_async)
    raise TypeError(
        f"credential must be an AzureKeyCredential, an AccessToken or an object with get_token(*scopes), not "
        f"{type(credential).__name__}"
    )


def token_text(value: Any) -> str:
    """The token string of what ``get_token`` returned (an ``AccessToken``; a plain str is accepted too)."""
    if isinstance(value, str):
        return value
    token = getattr(value, "token", None)
    if isinstance(token, str):
        return token
    raise TypeError(f"get_token must return an AccessToken, not {type(value).__name__}")


