"""Microsoft's own tests of azure-mixedreality-remoterendering 1.0.0b3, run live against arr_session.

    python3 bindings/python/tests/microsoft/run.py [pytest arguments]

1. downloads the SDK's source distribution from PyPI (``pip download --no-deps --no-binary :all:``) into a
   temporary directory, and takes its ``tests/conftest.py``, ``tests/test_client.py`` and
   ``tests/test_client_async.py`` (nothing of Microsoft's is kept in this repository);
2. changes only their import of ``azure.mixedreality.remoterendering`` to ``arr_session`` (azure-core's imports
   stay, as a migrating user keeps them), and checks that nothing else changed;
3. runs them with pytest in a venv holding azure-core, pytest and pytest-asyncio (target/python-venvs), with
   ``shim/`` for Microsoft's recording harness: ``devtools_testutils`` (every test live) and the plugin
   ``arr_live_services`` (arr-emulator and Azurite on 127.0.0.1, see its docstring).

Needs the native library and the emulator built (``cargo build -p arr-session-ffi -p arr-emulator``) and Azurite
under target/azurite (``npm install --prefix target/azurite azurite@3.37.0``), as the Python suite does.
Prints pytest's own summary line; exits with pytest's status.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # our suite's conftest (paths, built artefacts) and _venvs

from _venvs import cached_venv, clean_env  # noqa: E402
from conftest import EMULATOR, LIBRARY, PACKAGE_DIR, REPO  # noqa: E402

SDK = "azure-mixedreality-remoterendering==1.0.0b3"
FILES = ["conftest.py", "test_client.py", "test_client_async.py"]
# The venv: azure-core as Microsoft's SDK 1.0.0b3 requires it (>=1.24), and the test tools its tests use.
VENV_PACKAGES = ["azure-core==1.32.0", "pytest==8.3.5", "pytest-asyncio==0.24.0"]
IMPORT = re.compile(r"\bazure\.mixedreality\.remoterendering\b")
AZURITE = Path(os.environ.get("ARR_AZURITE_BLOB") or REPO / "target" / "azurite" / "node_modules" / ".bin" / "azurite-blob")


def download(python: str, into: Path) -> Path:
    subprocess.run([python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--no-binary", ":all:", SDK, "-d", str(into)], check=True, timeout=600)
    found = sorted(into.glob("azure_mixedreality_remoterendering-*.tar.gz")) + sorted(into.glob("azure-mixedreality-remoterendering-*.tar.gz"))
    if len(found) != 1:
        raise SystemExit(f"pip download of {SDK} gave {[p.name for p in into.iterdir()]}")
    return found[0]


def extract_tests(sdist: Path, into: Path) -> None:
    """The three test files, with only the SDK import changed."""
    with tarfile.open(sdist) as archive:
        members = {Path(m.name).relative_to(Path(m.name).parts[0]).as_posix(): m for m in archive.getmembers()}
        for name in FILES:
            member = members.get(f"tests/{name}")
            if member is None:
                raise SystemExit(f"{sdist.name} has no tests/{name}")
            handle = archive.extractfile(member)
            assert handle is not None
            original = handle.read().decode("utf-8")
            changed, count = IMPORT.subn("arr_session", original)
            import_lines = [line for line in original.splitlines() if IMPORT.search(line)]
            if count == 0 or any(not line.lstrip().startswith("from ") for line in import_lines):
                raise SystemExit(f"tests/{name}: expected the SDK only in `from` imports, found {import_lines}")
            (into / name).write_text(changed, encoding="utf-8")
            print(f"tests/{name}: {count} import(s) of azure.mixedreality.remoterendering changed to arr_session")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    if not AZURITE.exists():
        raise SystemExit(f"Azurite is missing at {AZURITE}: run `cd {REPO} && npm install --prefix target/azurite "
                         f"azurite@3.37.0` (or set ARR_AZURITE_BLOB)")
    python = str(cached_venv("microsoft-tests", VENV_PACKAGES))
    with tempfile.TemporaryDirectory(prefix="arr-microsoft-tests-") as temp:
        work = Path(temp)
        extract_tests(download(python, work / "sdist"), work)
        env = clean_env(work)
        env.update({
            "PYTHONPATH": os.pathsep.join([str(HERE / "shim"), str(PACKAGE_DIR)]),
            "ARR_SESSION_LIBRARY": LIBRARY,
            "ARR_EMULATOR": EMULATOR,
            "ARR_AZURITE_BLOB": str(AZURITE),
        })
        # Everything here talks to 127.0.0.1 only. The tests build public storage URLs, which the emulator
        # routes to Azurite (--storage-route); anything else would go to this proxy, a closed port of
        # 127.0.0.1, so not even a DNS query leaves the machine (reqwest, urllib and the library all read
        # these variables).
        dead_proxy = f"http://127.0.0.1:{closed_port()}"
        for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
            env[name] = env[name.lower()] = dead_proxy
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"
        command = [python, "-m", "pytest", "-p", "arr_live_services", "-p", "no:cacheprovider", "-rxXfE", "-q",
                   "-o", "asyncio_mode=strict", "-o", "asyncio_default_fixture_loop_scope=function",
                   *FILES, *sys.argv[1:]]
        return subprocess.run(command, cwd=work, env=env, timeout=1200).returncode


if __name__ == "__main__":
    sys.exit(main())
