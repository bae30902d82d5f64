"""The asyncio client (arr_session.aio), on both API versions. Each test runs its own event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import time

import pytest
from conftest import DEV_ID, DEV_KEY, Emulator, TokenSource, id_for, new_id

from arr_session import (
    AccessToken,
    ArrCancelledError,
    RemoteRenderingClient,
    ClientAuthenticationError,
    ResourceNotFoundError,
    SessionEndedError,
    _callbacks,
)
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient


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
            poller = await client.begin_rendering_session(size="Standard", lease_time_minutes=10,
                                                session_id=id_for(api_version), polling_interval=0.05)
            assert poller.status() == "Starting"
            session = await poller.result(timeout=30)
            assert poller.done() and poller.status() == "Ready" and session.is_ready
            assert (await client.get_rendering_session(session.id)).status == "Ready"
            assert session.id in {s.id for s in [s async for s in client.list_rendering_sessions()]}
            assert (await client.update_rendering_session(session.id, 20)).lease_time_minutes == 20
            assert (await client.extend_rendering_session(session.id, 5)).lease_time_minutes == 25
            assert isinstance(await client.get_access_token(), str)
            assert await client.stop_rendering_session(session.id) is None
            assert (await client.get_rendering_session(session.id)).status == "Stopped"
            with pytest.raises(SessionEndedError) as ended:
                await (await client.get_rendering_session_poller(session_id=session.id)).result()
            assert ended.value.session is not None and ended.value.session.status == "Stopped"

    run(main())


def test_hundred_concurrent_waits(emulator: Emulator, api_version: str) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs(api_version=api_version)) as client:
            created = await asyncio.gather(*(
                client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=id_for(api_version))
                for _ in range(100)
            ))
            ids = [s.id for s in created]
            assert len(set(ids)) == 100
            pollers = await asyncio.gather(*(client.get_rendering_session_poller(session_id=i, polling_interval=0.05) for i in ids))
            ready = await asyncio.gather(*(p.result() for p in pollers))
            assert [s.id for s in ready] == ids and all(s.is_ready for s in ready)
            results = await client.wait_for_rendering_sessions(ids, polling_interval=0.05)
            assert [r.id for r in results] == ids and all(r.ok for r in results)
            await asyncio.gather(*(client.stop_rendering_session(i) for i in ids))

    run(main())
    wait_no_pending()


def test_hundred_concurrent_pollers(emulator: Emulator) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs()) as client:
            pollers = await asyncio.gather(*(
                client.begin_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id(), polling_interval=0.05)
                for _ in range(100)
            ))
            sessions = await asyncio.gather(*(p.result() for p in pollers))
            assert [s.id for s in sessions] == [p.session_id for p in pollers]
            await asyncio.gather(*(client.stop_rendering_session(p.session_id) for p in pollers))

    run(main())


def test_errors_and_bad_arguments(emulator: Emulator) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs()) as client:
            with pytest.raises(ResourceNotFoundError) as caught:
                await client.get_rendering_session("py-does-not-exist")
            assert caught.value.status_code == 404 and caught.value.ms_cv
            before = emulator.counts()
            with pytest.raises(TypeError):
                await client.get_rendering_session(42)
            with pytest.raises(ValueError):
                await client.get_rendering_session("bad id")
            with pytest.raises(ValueError):
                await client.create_rendering_session(None, size="Standard", lease_time_minutes=99999)
            with pytest.raises(ValueError):
                await client.wait_for_rendering_sessions(["a"], timeout=-1)
            assert emulator.counts() == before

    run(main())
    wait_no_pending()


def test_task_cancellation_cancels_the_operation(make_emulator) -> None:
    emulator = make_emulator("--start-delay", "60s")

    async def main() -> None:
        async with AsyncRemoteRenderingClient(**emulator.kwargs()) as client:
            session = await client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
            task = asyncio.create_task(client.wait_for_rendering_sessions([session.id], polling_interval=0.05))
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
            assert (await client.get_rendering_session(session.id)).status == "Starting"  # the session lives on

            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.wait_for_rendering_sessions([session.id]), 0.2)

            poller = await client.begin_rendering_session(None, size="Standard", lease_time_minutes=5)
            assert poller.cancel() is True
            with pytest.raises(ArrCancelledError):
                await poller.result()
            assert poller.status() == "Starting" and poller.done()

            pending = asyncio.ensure_future(client.wait_for_rendering_sessions([session.id]))
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
        async with AsyncRemoteRenderingClient(emulator.url, DEV_ID, None, TokenSource(provider), token_kind="access_token",
                                              retry={"max_retries": 0}) as client:
            with pytest.raises(ClientAuthenticationError) as caught:
                [s async for s in client.list_rendering_sessions()]
            assert "RuntimeError: token service down" in caught.value.message

    with caplog.at_level(logging.ERROR, logger="arr_session"):
        run(main())
    assert any(r.exc_info and "token service down" in str(r.exc_info[1]) for r in caplog.records)


def test_completion_after_the_loop_closed_is_dropped_quietly(make_emulator, caplog) -> None:
    emulator = make_emulator("--start-delay", "60s")
    client_holder = []

    async def start() -> None:
        client = AsyncRemoteRenderingClient(**emulator.kwargs())
        client_holder.append(client)
        await client.begin_rendering_session(new_id(), "Standard", 5)  # a poller nobody awaits

    loop = asyncio.new_event_loop()
    loop.run_until_complete(start())
    loop.close()
    with caplog.at_level(logging.DEBUG, logger="arr_session"):
        client_holder[0]._native.close()  # the wait ends (cancelled); its loop is gone
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert any("after its event loop was closed" in r.getMessage() for r in caplog.records)


def test_a_closed_event_loop_at_exit_prints_nothing(make_emulator, tmp_path) -> None:
    """asyncio.run() returns with a poller still waiting, the interpreter exits: no traceback, no log line."""
    import subprocess
    import sys

    from conftest import PACKAGE_DIR

    emulator = make_emulator("--start-delay", "1h")
    script = tmp_path / "leave_a_poller.py"
    script.write_text(
        "import asyncio, sys\n"
        "from arr_session import AzureKeyCredential\n"
        "from arr_session.aio import RemoteRenderingClient\n"
        f"client = RemoteRenderingClient({emulator.url!r}, {DEV_ID!r}, 'westus2', AzureKeyCredential({DEV_KEY!r}),\n"
        f"                               authentication_endpoint_url={emulator.url!r})\n"
        "async def main():\n"
        "    poller = await client.begin_rendering_session('py-exit-' + sys.argv[1], 'Standard', 5)\n"
        "    asyncio.get_running_loop().call_later(0.2, lambda: None)\n"
        "    await asyncio.sleep(0.3)\n"
        "    return poller\n"
        "poller = asyncio.run(main())\n"
        "print('left', poller.session_id)\n"
    )
    result = subprocess.run([sys.executable, str(script), new_id()], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(PACKAGE_DIR)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("left ") and result.stderr == ""


def test_async_credential_is_awaited(emulator: Emulator) -> None:
    """An azure.identity.aio-style credential (async get_token) works with the asyncio client."""
    with RemoteRenderingClient(**emulator.kwargs()) as keyed:
        token = keyed.get_access_token()

    class AsyncCredential:
        def __init__(self) -> None:
            self.calls = 0
            self.loops = set()

        async def get_token(self, *scopes: str, **kwargs) -> AccessToken:
            self.calls += 1
            self.loops.add(id(asyncio.get_running_loop()))
            await asyncio.sleep(0)
            return AccessToken(token, 2**31 - 1)

    credential = AsyncCredential()

    async def main() -> None:
        async with AsyncRemoteRenderingClient(emulator.url, DEV_ID, "westus2", credential, token_kind="access_token") as client:
            with pytest.raises(ResourceNotFoundError):
                await client.get_rendering_session(new_id())
            assert isinstance([s async for s in client.list_rendering_sessions()], list)
            assert credential.loops == {id(asyncio.get_running_loop())}

    run(main())
    assert credential.calls == 1  # cached by the library


def test_a_failing_async_credential_fails_the_call(emulator: Emulator) -> None:
    class Broken:
        async def get_token(self, *scopes: str, **kwargs) -> AccessToken:
            raise RuntimeError("identity endpoint down")

    async def main() -> None:
        async with AsyncRemoteRenderingClient(emulator.url, DEV_ID, None, Broken(), authentication_endpoint_url=emulator.url,
                                              retry={"max_retries": 0}) as client:
            with pytest.raises(ClientAuthenticationError) as caught:
                await client.get_rendering_session(new_id())
            assert "identity endpoint down" in caught.value.message

    run(main())


def test_an_async_credential_is_refused_by_the_sync_client(emulator: Emulator) -> None:
    class AsyncCredential:
        async def get_token(self, *scopes: str, **kwargs) -> AccessToken:
            raise AssertionError("never called")

    with pytest.raises(TypeError, match="aio"):
        RemoteRenderingClient(emulator.url, DEV_ID, "westus2", AsyncCredential())


def test_a_client_with_an_async_credential_is_collected_when_dropped(emulator: Emulator) -> None:
    import gc
    import weakref

    class AsyncCredential:
        async def get_token(self, *scopes: str, **kwargs) -> AccessToken:
            raise AssertionError("never called")

    client = AsyncRemoteRenderingClient(emulator.url, DEV_ID, "westus2", AsyncCredential())
    native = client._native
    ref = weakref.ref(client)
    del client
    gc.collect()
    assert ref() is None and native.closed  # collected, and __del__ freed the native client
