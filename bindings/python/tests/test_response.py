"""A success's HTTP status and MS-CV (``arr_last_response``): on the models (``response``) and through azure-core's
``raw_response_hook`` keyword, per call and per client, sync and asyncio; compared with what the emulator's
request log says it answered."""

from __future__ import annotations

import asyncio
from typing import List

import pytest
from conftest import Emulator, id_for, new_id

from arr_session import RawResponse, RemoteRenderingClient, RenderingSession
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient


def test_get_shows_200_and_the_ms_cv_the_emulator_sent(emulator: Emulator, api_version: str) -> None:
    seen: List[RawResponse] = []
    with RemoteRenderingClient(**emulator.kwargs(api_version=api_version)) as client:
        created = client.create_rendering_session(id_for(api_version), "Standard", 10)
        session = client.get_rendering_session(created.id, raw_response_hook=seen.append)
        client.stop_rendering_session(created.id)
    assert session.response is not None and session.response.status_code == 200
    # The request the emulator logged with that MS-CV: the GET of this session, answered 200.
    logged = [line for line in emulator.log() if line.endswith(f"ms-cv={session.response.ms_cv}")]
    assert len(logged) == 1 and logged[0].startswith("GET ") and created.id in logged[0] and " 200 " in logged[0]
    # The hook gets azure-core's PipelineResponse shape.
    assert seen == [session.response]
    assert seen[0].http_response.status_code == 200 and seen[0].http_response.headers["ms-cv"] == session.response.ms_cv
    # The create's own answer: 201 Created (2021-01-01) or what v1 answers, as the emulator logged it.
    assert created.response is not None and created.response.status_code in (201, 202)
    logged = [line for line in emulator.log() if line.endswith(f"ms-cv={created.response.ms_cv}")]
    assert len(logged) == 1 and f" {created.response.status_code} " in logged[0], logged


def test_create_shows_201_to_the_client_hook_and_on_the_session(emulator: Emulator) -> None:
    seen: List[RawResponse] = []
    with RemoteRenderingClient(**emulator.kwargs(raw_response_hook=seen.append)) as client:
        session_id = new_id()
        poller = client.begin_rendering_session(session_id, "Standard", 10)
        created = poller.session
        ready = poller.result(timeout=30)
        extended = client.extend_rendering_session(session_id, 5)
        listed = list(client.list_rendering_sessions())
        client.stop_rendering_session(session_id)
    assert created.response is not None and created.response.status_code == 201
    assert created.response.ms_cv == emulator.ms_cvs("PUT", f"/sessions/{session_id}", 201)[-1]
    # The wait's result carries the answer of its last GET; the list's sessions carry none of their own.
    assert ready.response is not None and ready.response.status_code == 200
    assert extended.response is not None and extended.response.status_code == 200
    assert all(s.response is None for s in listed)
    codes = [r.status_code for r in seen]
    assert codes[0] == 201 and seen[0] == created.response, codes  # the create, through the client's hook
    assert extended.response in seen and len(seen) >= 4, codes  # extend, list and stop too
    assert all(r.ms_cv for r in seen)


def test_a_call_s_hook_replaces_the_client_s(emulator: Emulator) -> None:
    client_seen: List[RawResponse] = []
    call_seen: List[RawResponse] = []
    with RemoteRenderingClient(**emulator.kwargs(raw_response_hook=client_seen.append)) as client:
        session = client.create_rendering_session(new_id(), "Standard", 10, raw_response_hook=call_seen.append)
        client.stop_rendering_session(session.id)
    assert [r.status_code for r in call_seen] == [201]
    assert session.response not in client_seen and len(client_seen) == 1  # the stop


def test_what_a_hook_raises_reaches_the_caller(emulator: Emulator) -> None:
    def broken(response: RawResponse) -> None:
        raise LookupError(response.status_code)

    with RemoteRenderingClient(**emulator.kwargs()) as client:
        session = client.create_rendering_session(new_id(), "Standard", 10)
        with pytest.raises(LookupError):
            client.get_rendering_session(session.id, raw_response_hook=broken)
        with pytest.raises(TypeError):
            client.get_rendering_session(session.id, raw_response_hook="not callable")
        client.stop_rendering_session(session.id)


def test_asyncio_client(emulator: Emulator) -> None:
    async def main() -> None:
        seen: List[RawResponse] = []
        async with AsyncRemoteRenderingClient(**emulator.kwargs()) as client:
            session_id = new_id()
            created = await client.create_rendering_session(session_id, "Standard", 10, raw_response_hook=seen.append)
            got = await client.get_rendering_session(session_id, raw_response_hook=seen.append)
            await client.stop_rendering_session(session_id, raw_response_hook=seen.append)
        assert isinstance(got, RenderingSession) and got.response is not None
        assert [r.status_code for r in seen[:2]] == [201, 200] and seen[:2] == [created.response, got.response]
        assert got.response.ms_cv == emulator.ms_cvs("GET", f"/sessions/{session_id}", 200)[-1]
        assert len(seen) == 3 and seen[2].ms_cv

    asyncio.run(main())
