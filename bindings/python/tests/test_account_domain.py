"""An account domain given as a URL is the STS itself, as in every other surface (Rust, C ABI, CLI, C#): the
emulator's base URL as ``account_domain``, with the development key, reaches its STS and lists sessions."""

from __future__ import annotations

import asyncio

import pytest
from conftest import DEV_ID, DEV_KEY, Emulator, TokenSource

from arr_session import ArrError, AzureKeyCredential, RemoteRenderingClient
from arr_session.credentials import sts_scope
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient


def test_the_emulator_url_as_account_domain_lists_sessions(emulator: Emulator) -> None:
    before = emulator.counts().get("sts.token", 0)
    with RemoteRenderingClient(emulator.url, DEV_ID, emulator.url, AzureKeyCredential(DEV_KEY)) as client:
        sessions = list(client.list_rendering_sessions())
    assert isinstance(sessions, list)
    assert emulator.counts().get("sts.token", 0) > before  # the key was exchanged at that URL


def test_the_same_value_works_for_the_asyncio_client(emulator: Emulator) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(emulator.url, DEV_ID, emulator.url, AzureKeyCredential(DEV_KEY)) as client:
            assert isinstance([s async for s in client.list_rendering_sessions()], list)

    asyncio.run(main())


def test_a_get_token_credential_is_asked_for_that_sts(emulator: Emulator) -> None:
    """The scope a credential is asked for names the STS the library uses: the URL itself (Microsoft's
    ``https://sts.<domain>/.default`` for a domain). The emulator refuses this made-up Entra ID token."""
    source = TokenSource(lambda: "not-an-entra-token")
    with RemoteRenderingClient(emulator.url, DEV_ID, emulator.url, source) as client:
        with pytest.raises(ArrError):
            list(client.list_rendering_sessions())
    assert source.scopes and all(scopes == (emulator.url + "/.default",) for scopes in source.scopes), source.scopes
    assert sts_scope("westus2") == "https://sts.westus2.mixedreality.azure.com/.default"
