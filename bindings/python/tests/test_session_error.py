"""Sessions that fail into Error (made to fail by arr-emulator's control hook, its sessionError fault and its
capacity limit): waits end with SessionEndedError carrying the session and its error."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict, Optional

import pytest

from conftest import Emulator, id_for

# What arr-emulator reports for sessions failed by `--faults sessionError=P` and beyond --max-active-sessions.
SESSION_ERROR_MESSAGE = "The rendering session could not be started (failure injected by arr-emulator)."
CAPACITY_CODE = "CapacityExceeded"


def fail_session(emulator: Emulator, session_id: str, code: str, message: str) -> Dict[str, Any]:
    """POST /_emulator/sessions/{id}/fail: the session is in status Error from now on."""
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/sessions/{session_id}/fail",
        data=json.dumps({"code": code, "message": message}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode())


def client_for(emulator: Emulator, api_version: str) -> Any:
    import arr_session

    return arr_session.RemoteRenderingClient(**emulator.kwargs(api_version=api_version))


def test_a_failed_session_ends_the_wait_with_its_error(fresh: Emulator, api_version: str) -> None:
    from arr_session import SessionEndedError

    with client_for(fresh, api_version) as client:
        session = client.create_rendering_session(size="Standard", lease_time_minutes=10, session_id=id_for(api_version))
        assert fail_session(fresh, session.id, "VmLost", "The VM went away.")["status"] == "Error"
        with pytest.raises(SessionEndedError) as ended:
            client.get_rendering_session_poller(session_id=session.id, timeout=30, polling_interval=0.05).result()
        last: Optional[Any] = ended.value.session
        assert last is not None and last.status == "Error"
        assert last.error is not None and last.error.message == "The VM went away."
        if api_version != "v1":
            assert last.error.code == "VmLost"
        # Reading it is not an error; it stays failed.
        assert client.get_rendering_session(session.id).status == "Error"


def test_a_session_error_fault_fails_new_sessions(make_emulator: Any, api_version: str) -> None:
    from arr_session import SessionEndedError

    emulator = make_emulator("--start-delay", "100ms", "--faults", "sessionError=1")
    with client_for(emulator, api_version) as client:
        session = client.create_rendering_session(size="Standard", lease_time_minutes=10, session_id=id_for(api_version))
        with pytest.raises(SessionEndedError) as ended:
            client.get_rendering_session_poller(session_id=session.id, timeout=30, polling_interval=0.05).result()
        assert ended.value.session is not None and ended.value.session.status == "Error"
        assert ended.value.session.error is not None
        assert ended.value.session.error.message == SESSION_ERROR_MESSAGE


def test_capacity_failures_are_reported_with_their_code(make_emulator: Any) -> None:
    from arr_session import SessionEndedError

    emulator = make_emulator("--start-delay", "0", "--max-active-sessions", "1")
    with client_for(emulator, "2021-01-01") as client:
        first = client.create_rendering_session(None, size="Standard", lease_time_minutes=10)
        assert client.get_rendering_session_poller(session_id=first.id, timeout=30, polling_interval=0.05).result().status == "Ready"
        second = client.create_rendering_session(None, size="Standard", lease_time_minutes=10)
        with pytest.raises(SessionEndedError) as ended:
            client.get_rendering_session_poller(session_id=second.id, timeout=30, polling_interval=0.05).result()
        assert ended.value.session is not None and ended.value.session.error is not None
        assert ended.value.session.error.code == CAPACITY_CODE
