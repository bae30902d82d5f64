"""The examples run against the emulator; the wheel builds, installs into a fresh venv and runs one."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import LIBRARY, PACKAGE_DIR, REPO, Emulator

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


def wheel_library() -> str:
    # The library the rest of the suite tested, unless a (release) build is named explicitly.
    return os.environ.get("ARR_SESSION_LIBRARY_FOR_WHEEL") or LIBRARY


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_runs_the_example(fresh: Emulator, tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, str(PACKAGE_DIR / "build_wheel.py"), "--library", wheel_library(), "--out-dir", str(tmp_path / "dist")],
        capture_output=True, text=True, check=True,
    )
    wheel = Path(built.stdout.strip().splitlines()[-1])
    assert wheel.name.startswith("arr_session-0.1.0-py3-none-") and wheel.name.endswith(".whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "arr_session/py.typed" in names and f"arr_session/{Path(LIBRARY).name}" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--no-index", "--quiet", str(wheel)], check=True)

    env = {k: v for k, v in os.environ.items() if k not in ("ARR_SESSION_LIBRARY", "PYTHONPATH")}
    env["HOME"] = str(tmp_path)  # run away from the source tree, so only the installed package is found
    probe = subprocess.run([python, "-c", "import arr_session; print(arr_session.LIBRARY_PATH)"],
                           env=env, cwd=tmp_path, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    where = probe.stdout.strip()
    assert where.startswith(str(venv)), where
    out = run_example(python, "lifecycle.py", fresh, env)
    assert "ready:" in out and "(Stopped)" in out
