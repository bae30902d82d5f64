"""The examples run against the emulator (packaging: test_packaging.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PACKAGE_DIR, REPO, Emulator

EXAMPLES = REPO / "examples" / "python"


def run_example(python: str, script: str, emulator: Emulator, env: dict, *args: str) -> str:
    result = subprocess.run(
        [python, str(EXAMPLES / script), "--endpoint", emulator.url, *args],
        env=env, capture_output=True, text=True, timeout=120, cwd=env.get("HOME", "/"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("api_version", ["2021-01-01", "v1"])
def test_sync_example(fresh: Emulator, api_version: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR)}
    out = run_example(sys.executable, "lifecycle.py", fresh, env, "--api-version", api_version)
    assert "ready:" in out and "lease now 15 min" in out and "(Stopped)" in out
    assert [s["status"] for s in fresh.sessions()] == ["Stopped"]


def test_async_example(fresh: Emulator) -> None:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR)}
    out = run_example(sys.executable, "lifecycle_async.py", fresh, env, "--count", "4")
    assert out.count("ready:") == 4 and "stopped 4 sessions" in out
    assert sorted(s["status"] for s in fresh.sessions()) == ["Stopped"] * 4
