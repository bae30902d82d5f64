"""Virtual environments for the tests that need packages from PyPI (mypy, build, auditwheel, azure-core).

They live under <repo>/target/python-venvs/<name> and are reused across runs (created once, with a marker
file naming what was installed); a file lock keeps parallel test processes from building one twice. Nothing
is installed into the Python that runs the tests.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

from conftest import REPO

VENVS = REPO / "target" / "python-venvs"


@contextmanager
def locked(name: str) -> Iterator[None]:
    VENVS.mkdir(parents=True, exist_ok=True)
    with open(VENVS / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_venv(name: str, packages: List[str]) -> Path:
    """The python of a venv holding ``packages`` (pip-installed from PyPI the first time)."""
    venv = VENVS / name
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    wanted = "\n".join(sorted(packages))
    with locked(name):
        if not (python.exists() and marker.exists() and marker.read_text() == wanted):
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
                           check=True, timeout=900)
            marker.write_text(wanted)
    return python


def fresh_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"
