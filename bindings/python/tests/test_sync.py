"""The blocking client: every operation, on both API versions."""

from __future__ import annotations

import logging
import threading

import pytest
from conftest import DEV_ID, Emulator, id_for, new_id

import arr_session
from arr_session import (
    AccessToken,
    ArrCancelledError,
    ArrTimeoutError,
    RemoteRenderingClient,
    RenderingSession,
    ResourceExistsError,
    ResourceNotFoundError,
    SessionEndedError,
    RenderingSessionStatus,
)


def test_lifecycle(client: RemoteRenderingClient, emulator: Emulator, api_version: str) -> None:
    poller = client.begin_rendering_session(size="standard", lease_time_minutes=10, session_id=id_for(api_version))
    assert poller.status() == RenderingSessionStatus.STARTING
    session = poller.result(timeout=30)
    assert poller.done() and poller.status() == RenderingSessionStatus.READY
    assert isinstance(session, RenderingSession)
    assert session.status == "Ready" and session.size == "Standard" and session.is_ready
    assert session.host and session.handshake_port and session.lease_time_minutes == 10
    if api_version != "v1":  # the legacy API has no creation time
        assert session.created_on is not None and session.created_on.tzinfo is not None

    got = client.get_rendering_session(session.id)
    assert got.id == session.id and got.status == "Ready"
    assert session.id in {s.id for s in list(client.list_rendering_sessions())}

    assert client.update_rendering_session(session.id, 20).lease_time_minutes == 20
    assert client.extend_rendering_session(session.id, 5).lease_time_minutes == 25

    client.stop_rendering_session(session.id)
    client.stop_rendering_session(session.id)  # stopping a stopped session succeeds
    assert client.get_rendering_session(session.id).status == RenderingSessionStatus.STOPPED
    assert session.id not in {s.id for s in list(client.list_rendering_sessions())}


def test_create_then_wait_until_ready(client: RemoteRenderingClient, api_version: str) -> None:
    created = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=id_for(api_version))
    assert created.status == "Starting"
    ready = client.get_rendering_session_poller(session_id=created.id, timeout=30, polling_interval=0.05).result()
    assert ready.id == created.id and ready.is_ready
    client.stop_rendering_session(created.id)


def test_wait_for_sessions(client: RemoteRenderingClient, api_version: str) -> None:
    ids = [client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=id_for(api_version)).id for _ in range(3)]
    client.stop_rendering_session(ids[2])
    missing = "py-missing-" + new_id()
    results = client.wait_for_rendering_sessions(ids + [missing], timeout=30, polling_interval=0.05)
    assert [r.id for r in results] == ids + [missing]
    assert [r.ok for r in results] == [True, True, False, False]
    assert results[0].session is not None and results[0].session.is_ready
    assert results[2].status == "ARR_STATUS_SESSION_ENDED" and isinstance(results[2].error, SessionEndedError)
    assert results[2].session is not None and results[2].session.status == "Stopped"
    assert results[3].status == "ARR_STATUS_NOT_FOUND" and isinstance(results[3].error, ResourceNotFoundError)
    for session_id in ids[:2]:
        client.stop_rendering_session(session_id)


def test_create_is_idempotent_and_conflicts(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        session_id = new_id()
        first = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=session_id)
        again = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=session_id)
        assert again.id == first.id
        assert [s["id"] for s in emulator.sessions()].count(session_id) == 1
        with pytest.raises(ResourceExistsError) as caught:
            client.create_rendering_session(size="Premium", lease_time_minutes=5, session_id=session_id)
        assert caught.value.status_code == 409 and caught.value.ms_cv
        client.stop_rendering_session(session_id)


def test_access_token_and_from_config(emulator: Emulator) -> None:
    with RemoteRenderingClient.from_config(emulator.config(apiVersion="2021-01-01")) as client:
        token = client.get_access_token()
        assert isinstance(token, str) and len(token) > 10
        assert isinstance(list(client.list_rendering_sessions()), list)
    # an access token is a credential of its own
    with RemoteRenderingClient(emulator.url, DEV_ID, None, AccessToken(token, 0)) as by_token:
        list(by_token.list_rendering_sessions())


def test_poller_result_timeout_keeps_waiting(make_emulator) -> None:
    emulator = make_emulator("--start-delay", "1500ms")
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        poller = client.begin_rendering_session(None, size="Standard", lease_time_minutes=5, polling_interval=0.05)
        with pytest.raises(TimeoutError):
            poller.result(timeout=0.05)
        assert not poller.done() and poller.status() == "Starting"
        assert poller.result(timeout=30).is_ready


def test_poller_cancel_stops_waiting_only(make_emulator) -> None:
    emulator = make_emulator("--start-delay", "60s")
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        poller = client.begin_rendering_session(None, size="Standard", lease_time_minutes=5)
        assert poller.cancel() is True
        with pytest.raises(ArrCancelledError) as caught:
            poller.result(timeout=10)
        assert caught.value.status == "ARR_STATUS_CANCELLED"
        assert poller.cancel() is False  # no longer in flight
        # the session itself keeps running
        assert client.get_rendering_session(poller.session_id).status == "Starting"
        assert emulator.counts().get("sessions.stop", 0) == 0


def test_wait_timeout_and_session_ended(make_emulator) -> None:
    emulator = make_emulator("--start-delay", "60s")
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        poller = client.begin_rendering_session(None, size="Standard", lease_time_minutes=5, timeout=0.3, polling_interval=0.05)
        with pytest.raises(ArrTimeoutError) as caught:
            poller.result(timeout=10)
        assert caught.value.status == "ARR_STATUS_TIMEOUT"

        poller = client.begin_rendering_session(None, size="Standard", lease_time_minutes=5, polling_interval=0.05)
        client.stop_rendering_session(poller.session_id)
        with pytest.raises(SessionEndedError) as ended:
            poller.result(timeout=10)
        assert ended.value.session is not None and ended.value.session.status == "Stopped"
        assert poller.status() == "Stopped"


def test_close_is_idempotent_and_cancels_waits(make_emulator) -> None:
    emulator = make_emulator("--start-delay", "60s")
    client = RemoteRenderingClient(**emulator.kwargs())
    poller = client.begin_rendering_session(None, size="Standard", lease_time_minutes=5)
    client.close()
    with pytest.raises(ArrCancelledError):
        poller.result(timeout=10)
    client.close()
    assert client.closed
    with pytest.raises(RuntimeError):
        client.get_rendering_session("abc")
    assert [s["status"] for s in emulator.sessions()] == ["Starting"]  # closing never stops a session


def test_done_callback_runs_and_its_exception_is_logged(emulator: Emulator, caplog) -> None:
    seen = threading.Event()

    def good(poller) -> None:
        seen.set()

    def bad(poller) -> None:
        raise ValueError("boom in a done callback")

    with caplog.at_level(logging.ERROR, logger="arr_session"):
        with RemoteRenderingClient(**emulator.kwargs()) as client:
            poller = client.begin_rendering_session(None, size="Standard", lease_time_minutes=5, polling_interval=0.05)
            poller.add_done_callback(bad)
            poller.add_done_callback(good)
            poller.result(timeout=30)
            assert seen.wait(5)
            poller.add_done_callback(bad)  # already done: runs at once, still logged
            client.stop_rendering_session(poller.session_id)
    records = [r for r in caplog.records if "done callback" in r.getMessage()]
    assert len(records) == 2 and all("boom in a done callback" in str(r.exc_info[1]) for r in records)


def test_blocking_call_inside_a_callback_is_refused(make_emulator) -> None:
    emulator = make_emulator("--start-delay", "500ms")
    outcome = []
    finished = threading.Event()
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        poller = client.begin_rendering_session(None, size="Standard", lease_time_minutes=5, polling_interval=0.05)

        def inside(p) -> None:  # runs on a library thread: blocking calls would risk deadlock there
            try:
                client.get_rendering_session(p.session_id)
            except arr_session.ArrError as error:
                outcome.append(error.status)
            finally:
                finished.set()

        poller.add_done_callback(inside)
        poller.result(timeout=30)
        assert finished.wait(5)
        client.stop_rendering_session(poller.session_id)
    assert outcome == ["ARR_STATUS_BLOCKING_IN_CALLBACK"]


def test_threads_share_one_client(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        session = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
        errors = []

        def work() -> None:
            try:
                for _ in range(20):
                    assert client.get_rendering_session(session.id).id == session.id
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        client.stop_rendering_session(session.id)
