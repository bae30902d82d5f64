"""The asyncio client (arr_session.aio), on both API versions. Each test runs its own event loop."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from conftest import DEV_ID, Emulator, id_for, new_id

from arr_session import (
    ArrCancelledError,
    ClientAuthenticationError,
    ResourceNotFoundError,
    SessionEndedError,
    _callbacks,
)
from arr_session.aio import AsyncRemoteRenderingClient


def run(coroutine):
    return asyncio.run(coroutine)


def wait_no_pending(deadline: float = 5.0) -> None:
    end = time.monotonic() + deadline
    while _callbacks.pending_count() and time.monotonic() < end:
        time.sleep(0.01)
    assert _callbacks.pending_count() == 0


def test_lifecycle(emulator: Emulator, api_version: str) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs(api_version=api_version)) as client:
            poller = await client.begin_session(size="Standard", lease_time_minutes=10,
                                                session_id=id_for(api_version), polling_interval=0.05)
            assert poller.status() == "Starting"
            session = await poller.result(timeout=30)
            assert poller.done() and poller.status() == "Ready" and session.is_ready
            assert (await client.get_session(session.id)).status == "Ready"
            assert session.id in {s.id for s in await client.list_sessions()}
            assert (await client.update_session(session.id, 20)).max_lease_time_minutes == 20
            assert (await client.extend_session(session.id, 5)).max_lease_time_minutes == 25
            assert isinstance(await client.get_access_token(), str)
            assert await client.stop_session(session.id) is None
            assert (await client.get_session(session.id)).status == "Stopped"
            with pytest.raises(SessionEndedError) as ended:
                await client.wait_until_ready(session.id)
            assert ended.value.session is not None and ended.value.session.status == "Stopped"

    run(main())


def test_hundred_concurrent_waits(emulator: Emulator, api_version: str) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs(api_version=api_version)) as client:
            created = await asyncio.gather(*(
                client.create_session(size="Standard", lease_time_minutes=5, session_id=id_for(api_version))
                for _ in range(100)
            ))
            ids = [s.id for s in created]
            assert len(set(ids)) == 100
            ready = await asyncio.gather(*(client.wait_until_ready(i, polling_interval=0.05) for i in ids))
            assert [s.id for s in ready] == ids and all(s.is_ready for s in ready)
            results = await client.wait_for_sessions(ids, polling_interval=0.05)
            assert [r.id for r in results] == ids and all(r.ok for r in results)
            await asyncio.gather(*(client.stop_session(i) for i in ids))

    run(main())
    wait_no_pending()


def test_hundred_concurrent_pollers(emulator: Emulator) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs()) as client:
            pollers = await asyncio.gather(*(
                client.begin_session(size="Standard", lease_time_minutes=5, session_id=new_id(), polling_interval=0.05)
                for _ in range(100)
            ))
            sessions = await asyncio.gather(*(p.result() for p in pollers))
            assert [s.id for s in sessions] == [p.session_id for p in pollers]
            await asyncio.gather(*(client.stop_session(p.session_id) for p in pollers))

    run(main())


def test_errors_and_bad_arguments(emulator: Emulator) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs()) as client:
            with pytest.raises(ResourceNotFoundError) as caught:
                await client.get_session("py-does-not-exist")
            assert caught.value.status_code == 404 and caught.value.ms_cv
            before = emulator.counts()
            with pytest.raises(TypeError):
                await client.get_session(42)
            with pytest.raises(ValueError):
                await client.get_session("bad id")
            with pytest.raises(ValueError):
                await client.create_session(size="Standard", lease_time_minutes=99999)
            with pytest.raises(ValueError):
                await client.wait_for_sessions(["a"], timeout=-1)
            assert emulator.counts() == before

    run(main())
    wait_no_pending()


def test_task_cancellation_cancels_the_operation(make_emulator) -> None:
    emulator = make_emulator("--start-delay", "60s")

    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs()) as client:
            session = await client.create_session(size="Standard", lease_time_minutes=5, session_id=new_id())
            task = asyncio.create_task(client.wait_until_ready(session.id, polling_interval=0.05))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0)
            # the library's callback has fired (with CANCELLED) and been dropped
            for _ in range(100):
                if _callbacks.pending_count() == 0:
                    break
                await asyncio.sleep(0.02)
            assert _callbacks.pending_count() == 0
            polls = emulator.counts().get("sessions.get", 0)
            await asyncio.sleep(0.3)
            assert emulator.counts().get("sessions.get", 0) == polls  # polling stopped
            assert (await client.get_session(session.id)).status == "Starting"  # the session lives on

            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.wait_until_ready(session.id), 0.2)

            poller = await client.begin_session(size="Standard", lease_time_minutes=5)
            assert poller.cancel() is True
            with pytest.raises(ArrCancelledError):
                await poller.result()
            assert poller.status() == "Starting" and poller.done()

            pending = asyncio.ensure_future(client.wait_until_ready(session.id))
            await asyncio.sleep(0.1)
        # leaving the block closed the client: what was in flight ends as cancelled
        with pytest.raises(ArrCancelledError):
            await pending
        assert [s["status"] for s in emulator.sessions()] == ["Starting", "Starting"]

    run(main())
    wait_no_pending()


def test_token_provider_exception_reaches_the_awaiting_side(emulator: Emulator, caplog) -> None:
    def provider() -> str:
        raise RuntimeError("token service down")

    async def main() -> None:
        async with AsyncRemoteRenderingClient(emulator.url, DEV_ID, token_provider=provider,
                                              retry={"max_retries": 0}) as client:
            with pytest.raises(ClientAuthenticationError) as caught:
                await client.list_sessions()
            assert "RuntimeError: token service down" in caught.value.message

    with caplog.at_level(logging.ERROR, logger="arr_session"):
        run(main())
    assert any(r.exc_info and "token service down" in str(r.exc_info[1]) for r in caplog.records)


def test_completion_after_the_loop_closed_is_logged(make_emulator, caplog) -> None:
    emulator = make_emulator("--start-delay", "60s")
    client_holder = []

    async def start() -> None:
        client = AsyncRemoteRenderingClient(**emulator.kwargs())
        client_holder.append(client)
        session = await client.create_session(size="Standard", lease_time_minutes=5, session_id=new_id())
        client._start("arr_client_wait_until_ready_async", session.id.encode(), None, parse=lambda t: t)

    loop = asyncio.new_event_loop()
    loop.run_until_complete(start())
    loop.close()
    with caplog.at_level(logging.ERROR, logger="arr_session"):
        client_holder[0]._native.close()  # the wait ends (cancelled); its loop is gone
    assert any("delivering" in r.getMessage() and isinstance(r.exc_info[1], RuntimeError) for r in caplog.records)
