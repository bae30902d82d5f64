"""The lease keeper (keep_rendering_session): a context manager and an iterator of KeepEvent, sync and
asyncio. At --time-scale 60 a lease minute lasts one real second."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, List, Tuple

import pytest
from conftest import DEV_ID, Emulator, new_id

from arr_session import (
    ArrCancelledError,
    ClientAuthenticationError,
    HttpResponseError,
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


def same_failure(raised: BaseException, event: KeepEvent) -> bool:
    """The exception a keeper raised at its end is the one its failed event carried: the same class and the
    same error object (the library ends the stream with that event's failure)."""
    return (event.exception is not None and type(raised) is type(event.exception)
            and getattr(raised, "raw_error", None) == event.exception.raw_error and str(raised) == str(event.exception))


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
    session_id = new_id()
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        events: List[KeepEvent] = []
        with client.keep_rendering_session(session_id, polling_interval=0.05) as keeper:
            with pytest.raises(ResourceNotFoundError) as raised:
                for event in keeper:
                    events.append(event)
        assert [e.kind for e in events] == [KeepEventKind.FAILED]
        failed = events[0]
        # The event's error object went through the one error mapper: the usual exception, with the answer's
        # status, code (a 404 has no body, so none) and MS-CV, as the emulator sent them.
        assert isinstance(failed.exception, ResourceNotFoundError)
        assert failed.exception.status == "ARR_STATUS_NOT_FOUND" and failed.status_code == 404
        assert failed.error_code is None and failed.exception.error_code is None
        assert failed.ms_cv is not None and failed.ms_cv == emulator.ms_cvs("GET", f"/sessions/{session_id}", 404)[-1]
        assert same_failure(raised.value, failed) and keeper.error is raised.value
        with pytest.raises(ResourceNotFoundError):
            next(keeper)


def test_refused_credentials_reach_the_host_as_client_authentication_error(emulator: Emulator) -> None:
    session_id = new_id()
    config = {"endpoint": emulator.url, "accountId": DEV_ID, "accessToken": "not-a-token"}
    with RemoteRenderingClient.from_config(config) as client:
        with client.keep_rendering_session(session_id, polling_interval=0.05) as keeper:
            with pytest.raises(ClientAuthenticationError) as raised:
                events = list(keeper)
    failed = keeper.last_event
    assert failed is not None and failed.kind == KeepEventKind.FAILED and same_failure(raised.value, failed)
    assert keeper.error is raised.value
    error = raised.value
    assert error.status == "ARR_STATUS_UNAUTHORIZED" and error.status_code == 401 and error.error_code is None
    assert error.ms_cv == emulator.ms_cvs("GET", f"/sessions/{session_id}", 401)[-1]


def test_throttling_given_up_is_an_event_and_the_keeper_carries_on(fresh: Emulator) -> None:
    """A 429 beyond the retry policy (none here) arrives as a throttled event carrying HttpResponseError with
    Retry-After; a 503 as a retrying event with the service's error code; the keeper goes on after both."""
    session_id = new_id()
    with RemoteRenderingClient(**fresh.kwargs(retry_total=0)) as client:
        client.begin_rendering_session(session_id, "Standard", 30).result(timeout=30)
        fresh.status_fault("sessions.get", 429, retry_after=1)
        with client.keep_rendering_session(session_id, polling_interval=0.05) as keeper:
            throttled = next(keeper)
            fresh.status_fault("sessions.get", 503)
            retrying = next(keeper)
            assert not keeper.done()  # it carries on
        assert keeper.done() and keeper.error is None  # cancelled by leaving the block
        assert throttled.kind == KeepEventKind.THROTTLED and isinstance(throttled.exception, HttpResponseError)
        assert throttled.exception.status == "ARR_STATUS_THROTTLED" and throttled.status_code == 429
        assert throttled.retry_after == 1 and throttled.exception.retry_after == 1 and throttled.error_code is None
        assert throttled.ms_cv == fresh.ms_cvs("GET", f"/sessions/{session_id}", 429)[-1]
        assert retrying.kind == KeepEventKind.RETRYING and isinstance(retrying.exception, HttpResponseError)
        assert retrying.exception.status == "ARR_STATUS_SERVICE_ERROR" and retrying.status_code == 503
        assert retrying.error_code == "ServiceUnavailable"
        assert retrying.ms_cv == fresh.ms_cvs("GET", f"/sessions/{session_id}", 503)[-1]
        client.stop_rendering_session(session_id)


def _route_counts(emulator: Emulator) -> Tuple[int, int]:
    counts = emulator.counts()
    return counts.get("sessions.list", 0), counts.get("sessions.get", 0)


def test_keeping_three_sessions_costs_one_list_per_poll(fresh: Emulator) -> None:
    ids = [new_id() for _ in range(3)]
    with RemoteRenderingClient(**fresh.kwargs()) as client:
        for session_id in ids:
            client.create_rendering_session(session_id, "Standard", 60)
        for result in client.wait_for_rendering_sessions(ids, timeout=30):
            assert result.ok, result
        lists, gets = _route_counts(fresh)
        with client.keep_rendering_sessions(ids, polling_interval=0.2) as keeper:
            assert keeper.session_ids == ids and keeper.session_id is None
            time.sleep(1.1)
        lists, gets = (now - before for now, before in zip(_route_counts(fresh), (lists, gets)))
        assert 3 <= lists <= 8 and gets == 0, (lists, gets)
        assert keeper.done() and keeper.error is None
        for session_id in ids:
            client.stop_rendering_session(session_id)


def test_keeping_many_ends_when_none_is_left(emulator: Emulator) -> None:
    """One unknown session fails (its event carries the exception), the stopped one ends; then the library's
    last call (ARR_STATUS_SESSION_ENDED) ends the iteration without raising."""
    known, unknown = new_id(), new_id()
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        client.begin_rendering_session(known, "Standard", 30).result(timeout=30)
        with client.keep_rendering_sessions([known, unknown], polling_interval=0.05) as keeper:
            events = []
            for event in keeper:
                events.append(event)
                if event.kind == KeepEventKind.FAILED:
                    client.stop_rendering_session(known)
        by_kind = {str(e.kind): e for e in events}
        assert set(by_kind) == {"failed", "ended"}, events
        assert by_kind["failed"].session_id == unknown and isinstance(by_kind["failed"].exception, ResourceNotFoundError)
        assert by_kind["ended"].session_id == known and by_kind["ended"].status == RenderingSessionStatus.STOPPED
        assert keeper.done() and keeper.error is None


def test_a_keeper_of_one_unknown_session_raises_a_keeper_of_many_with_only_it_does_not(emulator: Emulator) -> None:
    """Keeping one session that cannot be kept is that call's failure; a keeper of many (even of a list of
    one) leaves failures to the events and ends normally once no session is left."""
    unknown = new_id()
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        with client.keep_rendering_sessions([unknown], polling_interval=0.05) as many:
            events = list(many)  # does not raise
        assert [(e.kind, e.session_id) for e in events] == [(KeepEventKind.FAILED, unknown)], events
        assert isinstance(events[0].exception, ResourceNotFoundError) and events[0].status_code == 404
        assert many.done() and many.error is None and list(many) == []

        with client.keep_rendering_session(unknown, polling_interval=0.05) as one:
            with pytest.raises(ResourceNotFoundError) as raised:
                list(one)
        assert raised.value.status == "ARR_STATUS_NOT_FOUND" and raised.value.status_code == 404
        assert one.done() and one.error is raised.value


def test_a_session_failing_into_error_ends_with_its_own_error(emulator: Emulator) -> None:
    """The ended event of a session that went to Error carries the session's error (code and message), not an
    exception: the keeper itself did not fail, and it ends normally."""
    session_id = new_id()
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        client.begin_rendering_session(session_id, "Standard", 30).result(timeout=30)
        with client.keep_rendering_session(session_id, polling_interval=0.05) as keeper:
            emulator._request("POST", f"/_emulator/sessions/{session_id}/fail", {"code": "VmLost", "message": "The VM went away."})
            events = list(keeper)
        assert [e.kind for e in events] == [KeepEventKind.ENDED], events
        ended = events[0]
        assert ended.session_id == session_id and ended.status == RenderingSessionStatus.ERROR
        assert ended.error is not None and (ended.error.code, ended.error.message) == ("VmLost", "The VM went away.")
        assert ended.exception is None and ended.raw["sessionError"] == {"code": "VmLost", "message": "The VM went away."}
        assert keeper.done() and keeper.error is None


def test_keep_many_refuses_bad_ids_before_starting(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        with pytest.raises(TypeError):
            client.keep_rendering_sessions("abc")
        with pytest.raises(ValueError, match="sessionIds"):
            client.keep_rendering_sessions([])
        with pytest.raises(ValueError):
            client.keep_rendering_sessions(["a/b"])


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
            assert failing.last_event is not None and failing.last_event.status_code == 404

    asyncio.run(main())


def test_async_keep_many(fresh: Emulator) -> None:
    async def main() -> None:
        async with AsyncRemoteRenderingClient(**fresh.kwargs()) as client:
            ids = [new_id() for _ in range(3)]
            for session_id in ids:
                await client.create_rendering_session(session_id, "Standard", 60)
            await client.wait_for_rendering_sessions(ids, timeout=30)
            unknown = new_id()
            lists, gets = _route_counts(fresh)
            async with client.keep_rendering_sessions([*ids, unknown], polling_interval=0.2) as keeper:
                assert isinstance(keeper, AsyncRenderingSessionKeeper) and keeper.session_id is None
                failed = await keeper.__anext__()
                await asyncio.sleep(1.0)
            lists, gets = (now - before for now, before in zip(_route_counts(fresh), (lists, gets)))
            # The unknown session costs GETs (to learn how it ended); the three kept ones share the list.
            assert 3 <= lists <= 8 and gets >= 1, (lists, gets)
            assert failed.session_id == unknown and isinstance(failed.exception, ResourceNotFoundError)
            assert failed.ms_cv == fresh.ms_cvs("GET", f"/sessions/{unknown}", 404)[-1]
            assert keeper.done() and keeper.error is None
            for session_id in ids:
                await client.stop_rendering_session(session_id)

    asyncio.run(main())
