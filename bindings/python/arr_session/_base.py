"""Construction shared by the sync and asyncio clients: arguments to the library's config, the native handle."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Type, TypeVar

from ._native import NativeClient, build_config


C = TypeVar("C", bound="ClientBase")


class ClientBase:
    """Holds the native client; both clients take the same constructor arguments."""

    _native: Optional[NativeClient]

    def __init__(
        self,
        endpoint: str,
        account_id: str,
        account_domain: Optional[str] = None,
        *,
        account_key: Optional[str] = None,
        access_token: Optional[str] = None,
        credential: Any = None,
        token_provider: Optional[Callable[[], str]] = None,
        token_kind: str = "access_token",
        api_version: Optional[str] = None,
        **options: Any,
    ) -> None:
        self._native = None
        config, provider, kind = build_config(
            endpoint, account_id, account_domain, account_key, access_token, api_version, credential, **options
        )
        if token_provider is not None:
            provider, kind = token_provider, token_kind
        self._native = NativeClient(config, provider, kind)

    @classmethod
    def from_config(
        cls: Type[C],
        config: Mapping[str, Any],
        *,
        token_provider: Optional[Callable[[], str]] = None,
        token_kind: str = "access_token",
    ) -> C:
        """A client from the library's config object as it is (camelCase keys, e.g. loaded from a file)."""
        client = cls.__new__(cls)
        client._native = None
        client._native = NativeClient(config, token_provider, token_kind)
        return client

    def _client(self) -> NativeClient:
        if self._native is None:
            raise RuntimeError(f"the {type(self).__name__} is closed")
        return self._native
