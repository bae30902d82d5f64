"""Sessions a client owns: stop_owned_sessions(), and stopping them on close when configured."""

from __future__ import annotations

import asyncio

import pytest
from conftest import Emulator, id_for, new_id

from arr_session import RemoteRenderingClient, SessionStopResult
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient


def statuses(emulator: Emulator) -> dict:
    return {s["id"]: s["status"] for s in emulator.sessions()}


def test_stop_owned_sessions(fresh: Emulator, api_version: str) -> None:
    with RemoteRenderingClient(**fresh.kwargs(api_version=api_version)) as client:
        owned = [client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=id_for(api_version)).id
                 for _ in range(2)]
        kept = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=id_for(api_version), owned=False).id
        assert sorted(client.get_owned_session_ids()) == sorted(owned)
        results = client.stop_owned_rendering_sessions(timeout=10)
        assert sorted(r.id for r in results) == sorted(owned)
        assert all(isinstance(r, SessionStopResult) and r.ok for r in results)
        assert client.stop_owned_rendering_sessions() == []  # stopped sessions are no longer owned
        assert client.get_owned_session_ids() == []
    assert [statuses(fresh)[i] for i in owned] == ["Stopped", "Stopped"]
    assert statuses(fresh)[kept] != "Stopped"  # closing never stops a session unless configured


def test_close_stops_owned_sessions_when_configured(fresh: Emulator) -> None:
    client = RemoteRenderingClient(**fresh.kwargs(stop_owned_sessions_on_close=True, close_timeout_ms=5000))
    mine = client.begin_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id()).session_id
    other = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id(), owned=False).id
    client.close()
    assert statuses(fresh) == {mine: "Stopped", other: "Starting"}


def test_async_owned_sessions(fresh: Emulator) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**fresh.kwargs(stop_owned_sessions_on_close=True)) as client:
            first = await client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
            results = await client.stop_owned_rendering_sessions(timeout=5)
            assert [(r.id, r.ok) for r in results] == [(first.id, True)]
            second = await client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
        assert statuses(fresh) == {first.id: "Stopped", second.id: "Stopped"}

    asyncio.run(main())


def test_owned_argument_types(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        with pytest.raises(TypeError):
            client.create_rendering_session(None, size="Standard", lease_time_minutes=5, owned="yes")
        with pytest.raises(ValueError):
            client.stop_owned_rendering_sessions(timeout=0)
