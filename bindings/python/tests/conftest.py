"""Test fixtures: an arr-emulator per test session (and fresh ones on demand), on 127.0.0.1 port 0.

The suite runs the same whatever the current directory and environment (``PYTHONPATH=bindings/python python3
-m pytest bindings/python`` from the repository root, or ``python3 -m pytest tests`` from here): paths come
from this file's place and from ``cargo metadata`` (the workspace's target directory, ``CARGO_TARGET_DIR``
included), never from the current directory.

The native library is taken from $ARR_SESSION_LIBRARY or <target>/debug/libarr_session.so, the emulator from
$ARR_EMULATOR or <target>/debug/arr-emulator: build them first, `cargo build -p arr-session-ffi -p
arr-emulator` (the run stops with that command when they are missing). Fixtures that need another cargo
artefact build it (:func:`cargo_example`), or fail with the exact command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

REPO = Path(__file__).resolve().parents[3]
PACKAGE_DIR = REPO / "bindings" / "python"
DEV_ID = "11111111-1111-1111-1111-111111111111"
DEV_KEY = "YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ=="


class TokenSource:
    """A ``get_token(*scopes)`` credential over a plain function (records the scopes it was asked for)."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.scopes: List[Any] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from arr_session import AccessToken

        self.scopes.append(scopes)
        return AccessToken(self.function(), 2**31 - 1)


BUILD_NATIVE = f"cd {REPO} && cargo build -p arr-session-ffi -p arr-emulator"
_target_dir: Optional[Path] = None


def cargo_target_dir() -> Path:
    """The workspace's target directory, as cargo itself resolves it (``CARGO_TARGET_DIR``, config files)."""
    global _target_dir
    if _target_dir is None:
        try:
            result = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=REPO,
                                    capture_output=True, text=True, timeout=120)
        except OSError as error:
            raise RuntimeError(f"cannot run cargo ({error}); install a Rust toolchain (rustup) to build the tests' "
                               f"native parts") from error
        if result.returncode != 0:
            raise RuntimeError(f"`cd {REPO} && cargo metadata --format-version 1 --no-deps` failed: {result.stderr[-2000:]}")
        _target_dir = Path(json.loads(result.stdout)["target_directory"])
    return _target_dir


def cargo_example(name: str, env_override: Optional[str] = None) -> Path:
    """A workspace example's binary (``$env_override`` if set), built now with ``cargo build --example NAME``
    (quick when it is current); fails the test with the exact command when the build fails."""
    if env_override and os.environ.get(env_override):
        return Path(os.environ[env_override]).resolve()
    command = ["cargo", "build", "--quiet", "--example", name]
    shown = f"cd {REPO} && {' '.join(command)}"
    try:
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1800)
        target = cargo_target_dir()
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"cannot build examples/{name}: {error}\nRun: {shown}")
    if result.returncode != 0:
        pytest.fail(f"`{shown}` failed:\n{result.stderr[-4000:]}")
    path = target / "debug" / "examples" / name
    if not path.is_file():
        pytest.fail(f"`{shown}` did not produce {path}")
    return path


def _required(env: str, file_name: str, what: str) -> str:
    path = os.environ.get(env)
    if not path:
        try:
            path = str(cargo_target_dir() / "debug" / file_name)
        except RuntimeError as error:
            pytest.exit(f"{what}: {error}. Or set {env} to its path.", returncode=2)
    if not os.path.isfile(path):
        pytest.exit(f"{what} not found at {path}. Build it: {BUILD_NATIVE} (or set {env} to its path).", returncode=2)
    return os.path.abspath(path)


LIBRARY = _required("ARR_SESSION_LIBRARY", "libarr_session.so", "libarr_session")
EMULATOR = _required("ARR_EMULATOR", "arr-emulator", "arr-emulator")
os.environ["ARR_SESSION_LIBRARY"] = LIBRARY
if str(PACKAGE_DIR) not in sys.path:
    sys.path.insert(0, str(PACKAGE_DIR))


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "slow: builds a wheel or loops many times (still part of the suite)")


class Emulator:
    """One arr-emulator process; stopping it closes its stdin (it runs with --exit-on-stdin-eof)."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [EMULATOR, "--listen", "127.0.0.1:0", "--exit-on-stdin-eof", "--quiet", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"arr-emulator did not print its URL (got {self.url!r})")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def config(self, **overrides: Any) -> Dict[str, Any]:
        config = {"endpoint": self.url, "stsEndpoint": self.url, "accountId": DEV_ID, "accountKey": DEV_KEY}
        config.update(overrides)
        return config

    def kwargs(self, **overrides: Any) -> Dict[str, Any]:
        """Arguments for RemoteRenderingClient(**...); ``account_key=`` and ``sts_endpoint=`` overrides become
        the credential and ``authentication_endpoint_url``."""
        from arr_session import AzureKeyCredential

        kwargs: Dict[str, Any] = {
            "endpoint": self.url, "account_id": DEV_ID, "account_domain": None,
            "credential": AzureKeyCredential(overrides.pop("account_key", DEV_KEY)),
            "authentication_endpoint_url": overrides.pop("sts_endpoint", self.url),
            "retry": {"base_delay_ms": 10, "max_delay_ms": 50},
        }
        kwargs.update(overrides)
        return kwargs

    def _request(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip() else None

    def counts(self) -> Dict[str, int]:
        return self._request("GET", "/_emulator/counts") or {}

    def log(self) -> List[str]:
        """The emulator's request log: ``"GET /accounts/.../sessions/ID 200 0ms ms-cv=..."`` per request."""
        return self._request("GET", "/_emulator/log") or []

    def ms_cvs(self, method: str, path_end: str, status: int) -> List[str]:
        """The MS-CVs the emulator sent for ``method`` requests whose path ends with ``path_end`` and that it
        answered with ``status``, oldest first."""
        found = []
        for line in self.log():
            parts = line.split(" ")
            if len(parts) >= 5 and parts[0] == method and parts[1].split("?")[0].endswith(path_end) \
                    and parts[2] == str(status) and parts[-1].startswith("ms-cv="):
                found.append(parts[-1][len("ms-cv="):])
        return found

    def sessions(self) -> List[Dict[str, Any]]:
        return self._request("GET", "/_emulator/sessions") or []

    def fault(self, route: str, kind: Dict[str, Any], times: int = 1) -> None:
        self._request("POST", "/_emulator/faults", {"route": route, "kind": kind, "times": times})

    def status_fault(self, route: str, status: int, times: int = 1, retry_after: Optional[int] = None) -> None:
        self.fault(route, {"kind": "status", "status": status, "retryAfter": retry_after}, times)

    def revoke_tokens(self) -> None:
        self._request("POST", "/_emulator/revoke-tokens", {})

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """Shared by the tests of a run; tests use unique session ids and never leave faults behind."""
    instance = Emulator("--start-delay", "200ms")
    yield instance
    instance.stop()


@pytest.fixture
def make_emulator() -> Iterator[Any]:
    """Starts dedicated emulators (with extra flags) for tests that change emulator state."""
    started: List[Emulator] = []

    def make(*args: str) -> Emulator:
        instance = Emulator(*args)
        started.append(instance)
        return instance

    yield make
    for instance in started:
        instance.stop()


@pytest.fixture
def fresh(make_emulator: Any) -> Emulator:
    return make_emulator("--start-delay", "200ms")


@pytest.fixture(params=["2021-01-01", "v1"])
def api_version(request: Any) -> str:
    return request.param


@pytest.fixture
def client(emulator: Emulator, api_version: str) -> Iterator[Any]:
    import arr_session

    with arr_session.RemoteRenderingClient(**emulator.kwargs(api_version=api_version)) as instance:
        yield instance


def new_id() -> str:
    return "py-" + uuid.uuid4().hex[:12]


def id_for(api_version: str) -> Optional[str]:
    """v1 does not accept client-chosen ids."""
    return None if api_version == "v1" else new_id()
