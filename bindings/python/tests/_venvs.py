"""Virtual environments for the tests that need packages from PyPI (mypy, build, auditwheel, azure-core).

They live under <repo>/target/python-venvs/<name> and are reused across runs (created once, with a marker
file naming what was installed); a file lock keeps parallel test processes from building one twice. Nothing
is installed into the Python that runs the tests.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

from conftest import REPO

VENVS = REPO / "target" / "python-venvs"


def clean_env(home: Path) -> Dict[str, str]:
    """The environment of an installed package's user: no ARR_SESSION_LIBRARY, no PYTHONPATH (the suite may be
    launched with it pointing at the source tree), no PYTHONHOME or venv of the caller, HOME elsewhere."""
    dropped = ("ARR_SESSION_LIBRARY", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONUSERBASE", "PIP_TARGET",
               "PIP_PREFIX")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    # The toolchain and pip's cache stay where HOME had them (a wheel build runs cargo through rustup).
    real_home = Path.home()
    for name, default in (("CARGO_HOME", real_home / ".cargo"), ("RUSTUP_HOME", real_home / ".rustup"),
                          ("PIP_CACHE_DIR", real_home / ".cache" / "pip")):
        if name not in env and default.exists():
            env[name] = str(default)
    env["HOME"] = str(home)
    return env


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
            env = clean_env(venv)
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, env=env)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
                           check=True, timeout=900, env=env, cwd=venv)
            marker.write_text(wanted)
    return python


def fresh_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, env=clean_env(path.parent))
    return path / "bin" / "python"
