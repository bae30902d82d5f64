"""Where Microsoft's own tests of azure-mixedreality-remoterendering (tests/microsoft/run.py) say how the SDK
behaves, ours behaves so (issue #33), sync and asyncio:

- missing constructor arguments (``endpoint``, ``account_id``, ``account_domain``, ``credential``) and an
  ``authentication_endpoint_url`` that is not a URL raise ``ValueError``;
- ``RenderingSession.hostname`` (``host`` stays, the same value);
- a negative lease reaches the service and comes back as ``HttpResponseError`` 400 naming the lease;
- a conversion that ends Failed makes ``result()`` raise an ``HttpResponseError`` carrying the service's
  error (``InputContainerError`` and its message) and the conversion (see also test_conversions.py)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest
from conftest import DEV_ID, DEV_KEY, Emulator, new_id

from arr_session import AzureKeyCredential, HttpResponseError, RemoteRenderingClient, RenderingSessionSize
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient

CLIENTS = [RemoteRenderingClient, AsyncRemoteRenderingClient]


def microsoft_arguments(**overrides: Any) -> Dict[str, Any]:
    arguments: Dict[str, Any] = {
        "endpoint": "https://remoterendering.eastus.mixedreality.azure.com",
        "account_id": "00000000-0000-0000-0000-000000000000",
        "account_domain": "eastus.mixedreality.azure.com",
        "credential": AzureKeyCredential("fakekey"),
    }
    arguments.update(overrides)
    return arguments


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize("missing", ["endpoint", "account_id", "account_domain", "credential"])
def test_a_missing_constructor_argument_is_a_value_error(client_class: Any, missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        client_class(**microsoft_arguments(**{missing: None}))


@pytest.mark.parametrize("client_class", CLIENTS)
def test_an_authentication_endpoint_that_is_not_a_url_is_a_value_error(client_class: Any) -> None:
    with pytest.raises(ValueError, match="authentication_endpoint_url"):
        client_class(**microsoft_arguments(authentication_endpoint_url="#"))


@pytest.mark.parametrize("client_class", CLIENTS)
def test_wrong_types_stay_type_errors(client_class: Any) -> None:
    with pytest.raises(TypeError, match="endpoint"):
        client_class(**microsoft_arguments(endpoint=42))
    with pytest.raises(TypeError, match="account_id"):
        client_class(**microsoft_arguments(account_id=b"id"))


def test_no_account_domain_is_fine_where_it_names_no_sts(emulator: Emulator) -> None:
    """It names the STS; given the STS itself (authentication_endpoint_url) it is not needed."""
    with RemoteRenderingClient(emulator.url, DEV_ID, None, AzureKeyCredential(DEV_KEY),
                               authentication_endpoint_url=emulator.url) as client:
        assert isinstance(list(client.list_rendering_sessions()), list)


def test_the_session_has_microsofts_hostname_and_keeps_host(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs(polling_interval=0.05)) as client:
        poller = client.begin_rendering_session(new_id(), RenderingSessionSize.STANDARD, 5)
        session = poller.result(timeout=30)
        try:
            assert session.hostname and session.hostname == session.raw["hostname"]
            assert session.host == session.hostname
            assert "hostname=" in repr(session)
        finally:
            client.stop_rendering_session(session.id)


def check_negative_lease_error(error: HttpResponseError) -> None:
    assert error.status_code == 400
    assert "lease" in error.message.lower() and "negative" in error.message.lower(), error.message


def test_a_negative_lease_is_refused_by_the_service(emulator: Emulator) -> None:
    session_id = new_id()
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        with pytest.raises(HttpResponseError) as refused:
            client.begin_rendering_session(session_id, RenderingSessionSize.STANDARD, lease_time_minutes=-4)
        check_negative_lease_error(refused.value)
    assert emulator.ms_cvs("PUT", f"/sessions/{session_id}", 400), "the create reached the service"


def test_a_negative_lease_is_refused_by_the_service_asyncio(emulator: Emulator) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs()) as client:
            with pytest.raises(HttpResponseError) as refused:
                await client.begin_rendering_session(new_id(), RenderingSessionSize.STANDARD, lease_time_minutes=-4)
            check_negative_lease_error(refused.value)

    asyncio.run(main())
