"""examples/python/conversion.py (convert, wait, print the asset URI, then a session) against the storage
fixture: examples/storage_fixture.rs, an arr-emulator linked to Azurite with a model uploaded.

The fixture builds storage_fixture itself (`cargo build --example storage_fixture`; $ARR_STORAGE_FIXTURE names
a binary instead) and needs Azurite under target/azurite (`npm install --prefix target/azurite azurite@3.37.0`,
or $ARR_AZURITE_BLOB); the test fails, not skips, with the command to run when either is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import Iterator

import pytest
from conftest import PACKAGE_DIR, REPO, cargo_example

AZURITE = REPO / "target" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
EXAMPLE = REPO / "examples" / "python" / "conversion.py"


@pytest.fixture(scope="module")
def storage_fixture() -> Iterator[str]:
    if not AZURITE.exists() and not os.environ.get("ARR_AZURITE_BLOB"):
        pytest.fail(f"Azurite is missing at {AZURITE}: run `cd {REPO} && npm install --prefix target/azurite "
                    f"azurite@3.37.0` (or set ARR_AZURITE_BLOB)")
    fixture = cargo_example("storage_fixture", "ARR_STORAGE_FIXTURE")
    # It runs until its stdin closes; stderr goes to a file so a full pipe never blocks it.
    with open(os.devnull, "w") as devnull:
        process = subprocess.Popen([str(fixture)], cwd=str(REPO), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=devnull, text=True)
    assert process.stdout is not None and process.stdin is not None
    try:
        line = process.stdout.readline()
        if not line.startswith("{"):
            pytest.fail(f"storage_fixture did not print its JSON line (exit {process.poll()}, got {line!r})")
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield line.strip()
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_example(line: str, *args: str, stdin: bool = False) -> str:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR)}
    command = [sys.executable, str(EXAMPLE), *args] + ([] if stdin else [line])
    result = subprocess.run(command, input=line + "\n" if stdin else None, env=env, capture_output=True,
                            text=True, timeout=120, cwd=str(REPO))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def check(out: str, line: str) -> None:
    fixture = json.loads(line)
    assert "finished with result: Succeeded" in out, out
    asset_lines = [l for l in out.splitlines() if l.startswith("asset uri: ")]
    assert len(asset_lines) == 1, out
    assert asset_lines[0].split(": ", 1)[1].startswith(fixture["outputContainer"] + "/converted/"), out
    assert asset_lines[0].endswith("car.arrAsset"), out
    assert "is ready" in out and "stopped" in out, out
    for location, key in (("inputLocation", "storageContainerReadListSas"), ("outputLocation", "storageContainerWriteSas")):
        sas = fixture["settings"][location][key]
        assert sas.split("sig=")[1] not in out  # no SAS printed


def test_conversion_example_sync(storage_fixture: str) -> None:
    check(run_example(storage_fixture), storage_fixture)


def test_conversion_example_async_from_stdin(storage_fixture: str) -> None:
    check(run_example(storage_fixture, "--async", stdin=True), storage_fixture)
