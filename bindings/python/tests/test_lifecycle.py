"""Closing from finalizers, and fork: each case runs in a Python process of its own (``_lifecycle_scripts``)
with a timeout, so a deadlock or a hang fails the test (the process is killed) instead of stalling the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PACKAGE_DIR, Emulator

SCRIPTS = Path(__file__).resolve().parent / "_lifecycle_scripts.py"
TIMEOUT = 60  # seconds; each script's own bounds are 20-30 s, its close timeouts 60 s


def run_script(name: str, emulator: Emulator) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE_DIR), str(SCRIPTS.parent)])}
    try:
        result = subprocess.run([sys.executable, str(SCRIPTS), name, emulator.url], env=env, capture_output=True,
                                text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{name} hung: killed after {TIMEOUT} s\nstdout: {error.stdout!r}\nstderr: {error.stderr!r}")
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and lines and lines[-1] == "OK", (
        f"{name} failed (exit {result.returncode})\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )


@pytest.fixture
def slow(make_emulator: Any) -> Emulator:
    return make_emulator("--start-delay", "1h")


def test_a_sync_client_collected_while_the_callbacks_lock_is_held_closes_and_stops_its_sessions(fresh: Emulator) -> None:
    run_script("sync_finalizer_under_the_callbacks_lock", fresh)


def test_an_application_finalizer_may_close_a_client_while_the_callbacks_lock_is_held(fresh: Emulator) -> None:
    run_script("user_finalizer_closing_under_the_callbacks_lock", fresh)


def test_an_aio_client_dropped_on_its_event_loop_closes_without_blocking_it_and_stops_its_sessions(fresh: Emulator) -> None:
    run_script("aio_finalizer_by_reference_count", fresh)


def test_an_aio_client_collected_on_its_event_loop_closes_without_blocking_it_and_stops_its_sessions(fresh: Emulator) -> None:
    run_script("aio_finalizer_by_garbage_collection", fresh)


def test_fork_new_clients_work_in_the_child_and_inherited_ones_fail_clearly(slow: Emulator) -> None:
    run_script("fork_with_a_client_of_the_parent", slow)


def test_fork_while_other_threads_hold_the_packages_locks_and_are_in_calls(slow: Emulator) -> None:
    run_script("fork_while_the_package_is_busy", slow)
