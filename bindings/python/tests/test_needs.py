"""What users asked for around sessions (issue #35) from Python: costs with a price table, capacity fallback,
and the call history (the keeper's budget goes through the keeper's options like its other settings)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Emulator, new_id

from arr_session import RemoteRenderingClient

PRICES = {"currency": "USD", "perHour": {"Standard": 3.0, "Premium": 12.0}}


def test_costs_are_billed_from_creation_and_priced(fresh: Emulator) -> None:
    with RemoteRenderingClient(**fresh.kwargs(polling_interval=0.05)) as client:
        session_id = new_id()
        client.begin_rendering_session(size="Standard", lease_time_minutes=240, session_id=session_id).result()
        fresh._request("POST", "/_emulator/clock/advance", {"minutes": 30})
        costs = client.list_rendering_session_costs(PRICES)
        mine = next(s for s in costs["sessions"] if s["id"] == session_id)
        assert 30 <= mine["billedMinutes"] <= 32
        assert mine["cost"] == mine["billedMinutes"] * 3.0 / 60
        assert costs["currency"] == "USD" and costs["totalMinutes"] == mine["billedMinutes"]
        assert "totalCost" not in client.list_rendering_session_costs()
        try:
            client.list_rendering_session_costs({"perHour": {"Standard": -1}})
        except ValueError as error:
            assert "prices.perHour.Standard" in str(error)
        else:
            raise AssertionError("a negative price was accepted")


def test_capacity_fallback_moves_to_the_next_size_and_stops_the_failed_session(fresh: Emulator) -> None:
    fresh.fault("sessions.create", {"kind": "sessionError", "code": "CapacityExceeded"})
    with RemoteRenderingClient(**fresh.kwargs()) as client:
        first = new_id()
        session, steps = client.create_rendering_session_with_fallback(
            first, "Standard", 30, fallback_sizes=["Premium"], timeout=30, polling_interval=0.05
        )
        assert (session.id, session.size.value if hasattr(session.size, "value") else session.size) == (
            f"{first}-2", "Premium")
        assert [(s["failedSessionId"], s["code"], s["nextSize"]) for s in steps] == [
            (first, "CapacityExceeded", "Premium")]
    live = [s["id"] for s in fresh.sessions() if s["status"] in ("Starting", "Ready")]
    assert live == [f"{first}-2"]


def test_the_call_history_records_every_call_with_its_ms_cv(fresh: Emulator, tmp_path: Path) -> None:
    history = tmp_path / "calls.jsonl"
    with RemoteRenderingClient(**fresh.kwargs(call_history={"path": str(history)})) as client:
        session = client.create_rendering_session(new_id(), "Standard", 30)
        client.get_rendering_session(session.id)
    records = [json.loads(line) for line in history.read_text().splitlines()]
    about = [r for r in records if r.get("sessionId") == session.id]
    assert len(about) == 2 and all(r["msCv"] and 200 <= r["status"] < 300 for r in about)
    assert any(r["route"] == "sts.token" for r in records)
    assert "?" not in history.read_text()


def test_a_keeper_with_a_budget_stops_renewing_at_it(fresh: Emulator) -> None:
    with RemoteRenderingClient(**fresh.kwargs(polling_interval=0.05)) as client:
        session_id = new_id()
        client.begin_rendering_session(size="Standard", lease_time_minutes=20, session_id=session_id).result()
        kinds = []
        with client.keep_rendering_session(session_id, extend_by_minutes=30, renew_below_minutes=1440,
                                           polling_interval=0.05, budget_amount=2.25, prices=PRICES) as keeper:
            for event in keeper:
                kinds.append(str(event.kind))
                if event.kind == "budgetReached":
                    lease = event.raw["lease"]
                    break
        # 2.25 USD at 3 USD an hour buys 45 billed minutes.
        assert kinds[0] == "extended" and 43 <= lease <= 45, (kinds, lease)
        assert client.get_rendering_session(session_id).lease_time_minutes == lease
