"""close() interrupts what other threads are doing with the client (arr_client_close), then frees it.

The sessions used here never become Ready (an emulator with --start-delay 1h), or the emulator holds a
request, so whatever another thread is waiting for would take minutes without close(). The 1 s bounds are
"did not hang" bounds, not performance assertions.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, List, Optional

import pytest
from conftest import Emulator, new_id

from arr_session import ArrCancelledError, RemoteRenderingClient
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient

AFTER_CLOSE = 1.0  # seconds: a call interrupted by close() ends within this after close() was called


@pytest.fixture
def slow(make_emulator: Any) -> Emulator:
    return make_emulator("--start-delay", "1h")


class Outcome:
    """What a call made on another thread did, and when it ended."""

    def __init__(self) -> None:
        self.error: Optional[BaseException] = None
        self.result: Any = None
        self.ended_at: Optional[float] = None
        self.started = threading.Event()


def run_in_thread(call: Any) -> "tuple[threading.Thread, Outcome]":
    outcome = Outcome()

    def body() -> None:
        outcome.started.set()
        try:
            outcome.result = call()
        except BaseException as error:  # noqa: BLE001 - recorded for the test
            outcome.error = error
        finally:
            outcome.ended_at = time.monotonic()

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    outcome.started.wait(5)
    return thread, outcome


def close_and_measure(client: Any, thread: threading.Thread, outcome: Outcome) -> float:
    """Calls close() (on a helper thread, so a close() that hangs fails the test instead of stalling it) and
    returns how long after close() started the other thread's call ended."""
    closer = threading.Thread(target=client.close, daemon=True)
    started = time.monotonic()
    closer.start()
    thread.join(AFTER_CLOSE + 2)
    assert not thread.is_alive(), "the call on the other thread did not end after close()"
    closer.join(30)
    assert not closer.is_alive(), "close() did not return"
    assert outcome.ended_at is not None
    return outcome.ended_at - started


def test_close_interrupts_a_wait_on_another_thread(slow: Emulator) -> None:
    client = RemoteRenderingClient(**slow.kwargs(poll_interval_ms=100))
    session_id = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id()).id
    thread, outcome = run_in_thread(lambda: client.get_rendering_session_poller(session_id=session_id, timeout=600).result())
    time.sleep(0.3)
    assert outcome.ended_at is None, f"the wait ended before close(): {outcome.error!r}"
    took = close_and_measure(client, thread, outcome)
    assert isinstance(outcome.error, ArrCancelledError), f"the wait ended with {outcome.error!r}, {outcome.result!r}"
    assert took <= AFTER_CLOSE, f"the wait ended {took:.2f} s after close()"
    assert [s["status"] for s in slow.sessions() if s["id"] == session_id] == ["Starting"]  # close never stops it


def test_close_interrupts_a_blocking_call_on_another_thread(slow: Emulator) -> None:
    client = RemoteRenderingClient(**slow.kwargs())
    session_id = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id()).id
    slow.fault("sessions.get", {"kind": "delay", "millis": 10000})  # the service holds the next get 10 s
    thread, outcome = run_in_thread(lambda: client.get_rendering_session(session_id))
    deadline = time.monotonic() + 5
    while slow.counts().get("sessions.get", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert outcome.ended_at is None, f"the get ended before close(): {outcome.error!r}"
    took = close_and_measure(client, thread, outcome)
    assert isinstance(outcome.error, ArrCancelledError), f"the get ended with {outcome.error!r}, {outcome.result!r}"
    assert took <= AFTER_CLOSE, f"the get ended {took:.2f} s after close()"


def test_close_interrupts_a_poller(slow: Emulator) -> None:
    client = RemoteRenderingClient(**slow.kwargs(poll_interval_ms=100))
    poller = client.begin_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
    thread, outcome = run_in_thread(lambda: poller.result(timeout=600))
    time.sleep(0.3)
    took = close_and_measure(client, thread, outcome)
    assert isinstance(outcome.error, ArrCancelledError), f"the poller ended with {outcome.error!r}"
    assert took <= AFTER_CLOSE


def test_calls_after_close_fail_clearly(slow: Emulator) -> None:
    client = RemoteRenderingClient(**slow.kwargs())
    session_id = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id()).id
    client.close()
    assert client.closed
    client.close()  # idempotent
    calls: List[Any] = [
        lambda: client.get_rendering_session(session_id),
        lambda: list(client.list_rendering_sessions()),
        lambda: client.get_rendering_session_poller(session_id=session_id, timeout=5).result(),
        lambda: client.create_rendering_session(None, size="Standard", lease_time_minutes=5),
        lambda: client.stop_owned_rendering_sessions(),
    ]
    for call in calls:
        with pytest.raises(RuntimeError, match="closed"):
            call()


def test_close_from_several_threads_at_once(slow: Emulator) -> None:
    client = RemoteRenderingClient(**slow.kwargs(poll_interval_ms=100))
    session_id = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id()).id
    waits = [run_in_thread(lambda: client.get_rendering_session_poller(session_id=session_id, timeout=600).result()) for _ in range(4)]
    time.sleep(0.3)
    closers = [threading.Thread(target=client.close, daemon=True) for _ in range(3)]
    for closer in closers:
        closer.start()
    for thread, _ in waits:
        thread.join(AFTER_CLOSE + 2)
    for closer in closers:
        closer.join(30)
    assert not any(closer.is_alive() for closer in closers)
    assert all(isinstance(outcome.error, ArrCancelledError) for _, outcome in waits), [o.error for _, o in waits]


def test_aio_close_interrupts_pending_operations(slow: Emulator) -> None:
    async def main() -> None:
        client = AsyncRemoteRenderingClient(**slow.kwargs(poll_interval_ms=100))
        session_id = (await client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())).id
        slow.fault("sessions.get", {"kind": "delay", "millis": 10000})
        gets = slow.counts().get("sessions.get", 0)
        get = asyncio.ensure_future(client.get_rendering_session(session_id))
        deadline = time.monotonic() + 5
        while slow.counts().get("sessions.get", 0) <= gets and time.monotonic() < deadline:
            await asyncio.sleep(0.02)  # the get has met the fault before the wait's polls start
        async def wait_ready() -> Any:
            return await (await client.get_rendering_session_poller(session_id=session_id, timeout=600)).result()

        wait = asyncio.ensure_future(wait_ready())
        await asyncio.sleep(0.3)
        assert not wait.done() and not get.done()
        started = time.monotonic()
        await asyncio.wait_for(client.close(), 30)
        done, _ = await asyncio.wait({wait, get}, timeout=AFTER_CLOSE + 2)
        took = time.monotonic() - started
        assert done == {wait, get}
        assert isinstance(wait.exception(), ArrCancelledError)
        assert isinstance(get.exception(), ArrCancelledError)
        assert took <= AFTER_CLOSE + 0.5  # close() itself included
        with pytest.raises(RuntimeError, match="closed"):
            await client.get_rendering_session(session_id)

    asyncio.run(main())
