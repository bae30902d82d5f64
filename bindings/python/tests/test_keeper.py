"""The lease keeper (keep_rendering_session): a context manager and an iterator of KeepEvent, sync and
asyncio. At --time-scale 60 a lease minute lasts one real second."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, List

import pytest
from conftest import Emulator, new_id

from arr_session import (
    ArrCancelledError,
    KeepEvent,
    KeepEventKind,
    RemoteRenderingClient,
    RenderingSessionKeeper,
    RenderingSessionStatus,
    ResourceNotFoundError,
    _callbacks,
)
from arr_session.aio import AsyncRenderingSessionKeeper
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient

#: extend by 2 when fewer than 2 remain, never beyond 5, warn at 1: a 3-minute lease goes 3 -> 5, then ends.
CAPPED = dict(extend_by_minutes=2, renew_below_minutes=2, max_total_minutes=5, warn_at_minutes=(1,), polling_interval=0.05)
EXPECTED = ["extended", "capReached", "expiringSoon", "ended"]


@pytest.fixture
def scaled(make_emulator: Any) -> Emulator:
    return make_emulator("--start-delay", "0s", "--time-scale", "60")


def advance(emulator: Emulator, minutes: float) -> None:
    emulator._request("POST", "/_emulator/clock/advance", {"minutes": minutes})


def check_capped(events: List[KeepEvent], session_id: str) -> None:
    assert [str(e.kind) for e in events] == EXPECTED, events
    assert all(isinstance(e, KeepEvent) and e.session_id == session_id for e in events)
    extended, cap, warning, ended = events
    assert extended.kind is KeepEventKind.EXTENDED and (extended.from_minutes, extended.to_minutes) == (3, 5)
    assert cap.kind is KeepEventKind.CAP_REACHED and cap.lease_time_minutes == 5
    assert warning.kind is KeepEventKind.EXPIRING_SOON and warning.remaining_minutes is not None
    assert warning.remaining_minutes <= 1
    assert ended.kind is KeepEventKind.ENDED and ended.status == RenderingSessionStatus.EXPIRED and ended.error is None


def test_keeper_extends_to_the_cap_warns_and_ends(scaled: Emulator) -> None:
    session_id = new_id()
    with RemoteRenderingClient(**scaled.kwargs(polling_interval=0.05)) as client:
        client.begin_rendering_session(session_id, "Standard", 3).result(timeout=30)
        advance(scaled, 1)  # 2 minutes left: the next check renews
        with client.keep_rendering_session(session_id, **CAPPED) as keeper:
            assert isinstance(keeper, RenderingSessionKeeper)
            events = list(keeper)
        check_capped(events, session_id)
        assert keeper.done() and keeper.error is None and keeper.last_event == events[-1]
        assert list(keeper) == []  # an ended keeper stays ended
        assert client.get_rendering_session(session_id).status == "Expired"


def test_leaving_the_block_cancels_and_keeps_the_lease(scaled: Emulator) -> None:
    session_id = new_id()
    baseline = _callbacks.stream_count()
    with RemoteRenderingClient(**scaled.kwargs(polling_interval=0.05)) as client:
        client.begin_rendering_session(session_id, "Standard", 3).result(timeout=30)
        advance(scaled, 1)
        with client.keep_rendering_session(session_id, extend_by_minutes=2, renew_below_minutes=2,
                                           max_total_minutes=60, polling_interval=0.05) as keeper:
            for event in keeper:
                assert event.kind == KeepEventKind.EXTENDED and (event.from_minutes, event.to_minutes) == (3, 5)
                break
        assert keeper.done() and keeper.error is None
        assert list(keeper) == []  # cancelled by leaving the block: a quiet end
        assert _callbacks.stream_count() == baseline
        # A running keeper would renew within 50 ms once fewer than 2 minutes remain; this one is gone.
        advance(scaled, 2)
        time.sleep(0.5)
        session = client.get_rendering_session(session_id)
        assert session.lease_time_minutes == 5 and session.status == "Ready"
        client.stop_rendering_session(session_id)


def test_unknown_session_raises_after_its_failed_event(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        events: List[KeepEvent] = []
        with client.keep_rendering_session(new_id(), polling_interval=0.05) as keeper:
            with pytest.raises(ResourceNotFoundError) as raised:
                for event in keeper:
                    events.append(event)
        assert [e.kind for e in events] == [KeepEventKind.FAILED]
        assert events[0].error_kind == "not_found" and events[0].status_code == 404
        assert raised.value.status_code == 404 and keeper.error is raised.value
        with pytest.raises(ResourceNotFoundError):
            next(keeper)


def test_closing_the_client_ends_the_iteration(emulator: Emulator) -> None:
    session_id = new_id()
    client = RemoteRenderingClient(**emulator.kwargs())
    client.begin_rendering_session(session_id, "Standard", 30).result(timeout=30)
    try:
        keeper = client.keep_rendering_session(session_id, polling_interval=0.05)
        threading.Timer(0.2, client.close).start()
        with pytest.raises(ArrCancelledError):
            for _ in keeper:
                pass
        assert keeper.done()
    finally:
        client.close()
        with RemoteRenderingClient(**emulator.kwargs()) as other:
            other.stop_rendering_session(session_id)


def test_bad_options_raise_before_starting(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        with pytest.raises(ValueError):
            client.keep_rendering_session("s", extend_by_minutes=-1)
        with pytest.raises(TypeError):
            client.keep_rendering_session("s", warn_at_minutes="10")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            client.keep_rendering_session("s", polling_interval=0)
        with pytest.raises(TypeError):
            client.keep_rendering_session(None)  # type: ignore[arg-type]


def test_unknown_event_kinds_are_kept() -> None:
    event = KeepEvent.from_dict({"sessionId": "s", "kind": "hibernated", "extra": 1})
    assert event.kind == "hibernated" and not isinstance(event.kind, KeepEventKind) and event.raw["extra"] == 1


def test_async_keeper(scaled: Emulator) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**scaled.kwargs(polling_interval=0.05)) as client:
            capped, early = new_id(), new_id()
            await (await client.begin_rendering_session(capped, "Standard", 3)).result(timeout=30)
            await (await client.begin_rendering_session(early, "Standard", 30)).result(timeout=30)
            advance(scaled, 1)
            async with client.keep_rendering_session(capped, **CAPPED) as keeper:
                assert isinstance(keeper, AsyncRenderingSessionKeeper)
                events = [event async for event in keeper]
            check_capped(events, capped)
            assert keeper.done() and keeper.error is None

            async with client.keep_rendering_session(early, polling_interval=0.05) as other:
                await asyncio.sleep(0.1)
            assert other.done() and other.error is None and [e async for e in other] == []
            session = await client.get_rendering_session(early)
            assert session.lease_time_minutes == 30 and session.status == "Ready"
            await client.stop_rendering_session(early)

            with pytest.raises(ResourceNotFoundError):
                async with client.keep_rendering_session(new_id(), polling_interval=0.05) as failing:
                    async for _ in failing:
                        pass

    asyncio.run(main())
