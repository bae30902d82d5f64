"""pytest plugin: the live services Microsoft's ARR tests run against, in place of their recording harness.

``environment_variables`` (session scope) starts them and hands the tests the REMOTERENDERING_* values:

- Azurite (blob service on 127.0.0.1, in memory, ``--disableTelemetry``) with two accounts: the tests'
  storage account, holding the container ``test`` with ``Input/testBox.fbx``, and a second account that is
  the one linked to the emulator. The tests' account is therefore not linked: a conversion request without a
  SAS is refused (403), as the real test account was.
- arr-emulator (``--storage``: the second account), whose URL is both the service endpoint and the account
  domain (a URL as account domain is the STS itself).

run.py gives this process (and so the emulator) an HTTP(S) proxy at a closed port of 127.0.0.1, with
127.0.0.1 itself exempt: the tests build public storage URLs (``https://<account>.blob.<suffix>/...``) and
nothing may leave the machine, not even a DNS query for them. The emulator sends those storage requests to
Azurite (``--storage-route`` for the tests' account; the linked account by its own name).

Paths come from the environment (set by run.py): ARR_EMULATOR, ARR_AZURITE_BLOB, ARR_SESSION_LIBRARY; the
emulator is started by our suite's ``Emulator`` (bindings/python/tests/conftest.py).
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import pytest

TEST_ACCOUNT = "arrteststorage"
LINKED_ACCOUNT = "arrlinkedstorage"
CONTAINER = "test"
STORAGE_VERSION = "2021-08-06"
# What the emulator reads as an FBX 7.4 file (its format check looks at this header line only).
TEST_BOX_FBX = b"; FBX 7.4.0 project file\n; a stand-in for Microsoft's testBox.fbx\n"

class EnvironmentVariables:
    """``devtools_testutils``' fixture object: the values of the REMOTERENDERING_* variables."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def get(self, name: str) -> Optional[str]:
        return self._values.get(name)

    def sanitize_batch(self, mapping: Mapping[str, str]) -> None:
        """Nothing is recorded, so nothing needs sanitizing."""


@pytest.fixture(scope="session")
def environment_variables() -> Iterator[EnvironmentVariables]:
    with live_services() as values:
        yield EnvironmentVariables(values)


@pytest.fixture(scope="session")
def test_proxy() -> None:
    """No test proxy: every request goes to the live services."""


@pytest.fixture
def recorded_test() -> None:
    """Nothing is recorded or played back."""


# --- the services ----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: "subprocess.Popen[Any]") -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Azurite:
    """Azurite's blob service with the given accounts (name -> base64 key), and Shared Key requests to it."""

    def __init__(self, binary: str, accounts: Mapping[str, str], stack: ExitStack) -> None:
        self.accounts = dict(accounts)
        self.port = _free_port()
        workdir = tempfile.mkdtemp(prefix="arr-ms-azurite-")
        stack.callback(shutil.rmtree, workdir, True)
        env = {**os.environ, "AZURITE_ACCOUNTS": ";".join(f"{n}:{k}" for n, k in self.accounts.items())}
        log = open(os.path.join(workdir, "azurite.log"), "wb")
        stack.callback(log.close)
        process = subprocess.Popen(
            [binary, "--blobHost", "127.0.0.1", "--blobPort", str(self.port), "--inMemoryPersistence",
             "--disableTelemetry", "--skipApiVersionCheck", "--silent"],
            cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        stack.callback(_stop, process)
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"azurite-blob exited ({process.returncode}); see its log: {open(log.name).read()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"azurite-blob did not listen on 127.0.0.1:{self.port} within 90 s")
                time.sleep(0.05)

    def endpoint(self, account: str) -> str:
        return f"http://127.0.0.1:{self.port}/{account}"

    def connection_string(self, account: str) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={self.accounts[account]};"
                f"BlobEndpoint={self.endpoint(account)};")

    def request(self, method: str, account: str, path: str, query: Mapping[str, str] = {},
                headers: Mapping[str, str] = {}, body: bytes = b"") -> Tuple[int, bytes]:
        """One request signed with the account's key ("Authorize with Shared Key"); ``path`` after the account."""
        url_path = f"/{account}{urllib.parse.quote(path)}"
        x_ms = {"x-ms-date": email.utils.formatdate(usegmt=True), "x-ms-version": STORAGE_VERSION,
                **{k.lower(): v for k, v in headers.items()}}
        # Sent (and signed) with every PUT: urllib would otherwise add a form content type of its own.
        content_type = "application/octet-stream" if method == "PUT" else ""
        to_sign = "\n".join([method, "", "", str(len(body)) if body else "", "", content_type, "", "", "", "", "", ""])
        to_sign += "\n" + "".join(f"{k}:{v}\n" for k, v in sorted(x_ms.items()))
        to_sign += f"/{account}{url_path}" + "".join(f"\n{k.lower()}:{v}" for k, v in sorted(query.items()))
        key = base64.b64decode(self.accounts[account])
        signature = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
        url = f"http://127.0.0.1:{self.port}{url_path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(url, data=body if method == "PUT" else None, method=method, headers={
            **x_ms, "Authorization": f"SharedKey {account}:{signature}",
            **({"Content-Type": content_type} if content_type else {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def checked(self, what: str, expected: int, *args: Any, **kwargs: Any) -> bytes:
        status, body = self.request(*args, **kwargs)
        if status != expected:
            raise RuntimeError(f"Azurite: {what} answered HTTP {status}: {body[:300]!r}")
        return body


def _suite_emulator() -> Any:
    """Our Python suite's ``Emulator`` (bindings/python/tests/conftest.py), loaded under a name of its own:
    here the module name ``conftest`` is Microsoft's."""
    path = Path(__file__).resolve().parents[2] / "conftest.py"
    spec = importlib.util.spec_from_file_location("arr_suite_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Emulator


def _required_path(name: str) -> str:
    path = os.environ.get(name)
    if not path or not os.path.isfile(path):
        raise RuntimeError(f"{name} must name a file (run the tests with bindings/python/tests/microsoft/run.py)")
    return path


@contextmanager
def live_services() -> Iterator[Dict[str, str]]:
    import arr_session

    with ExitStack() as stack:
        # Fresh accounts and keys each run (Azurite and the emulator take any base64 key); never written anywhere.
        keys = {name: base64.b64encode(os.urandom(64)).decode() for name in (TEST_ACCOUNT, LINKED_ACCOUNT)}
        arr_account_id, arr_account_key = str(uuid.uuid4()), base64.b64encode(os.urandom(32)).decode()
        azurite = Azurite(_required_path("ARR_AZURITE_BLOB"), keys, stack)
        for account in keys:
            azurite.checked(f"create container {account}/{CONTAINER}", 201, "PUT", account, f"/{CONTAINER}",
                            {"restype": "container"})
        azurite.checked("upload Input/testBox.fbx", 201, "PUT", TEST_ACCOUNT, f"/{CONTAINER}/Input/testBox.fbx",
                        headers={"x-ms-blob-type": "BlockBlob"}, body=TEST_BOX_FBX)
        sas = arr_session.sign_container_sas(f"{azurite.endpoint(TEST_ACCOUNT)}/{CONTAINER}", keys[TEST_ACCOUNT],
                                             "output", permissions="rwl", account_name=TEST_ACCOUNT)
        emulator = _suite_emulator()(
            "--account", f"{arr_account_id}:{arr_account_key}",
            "--storage", azurite.connection_string(LINKED_ACCOUNT), "--start-delay", "300ms",
            # The tests build https://<account>.blob.<suffix>/... URLs: the emulator sends those to Azurite.
            "--storage-route", f"{TEST_ACCOUNT}={azurite.endpoint(TEST_ACCOUNT)}",
            "--conversion-start-delay", "1s", "--conversion-duration", "2s")
        stack.callback(emulator.stop)
        yield {
            "REMOTERENDERING_ARR_SERVICE_ENDPOINT": emulator.url,
            "REMOTERENDERING_ARR_ACCOUNT_DOMAIN": emulator.url,
            "REMOTERENDERING_ARR_ACCOUNT_ID": arr_account_id,
            "REMOTERENDERING_ARR_ACCOUNT_KEY": arr_account_key,
            "REMOTERENDERING_ARR_STORAGE_ACCOUNT_NAME": TEST_ACCOUNT,
            "REMOTERENDERING_ARR_SAS_TOKEN": sas.lstrip("?"),
            "REMOTERENDERING_ARR_BLOB_CONTAINER_NAME": CONTAINER,
            # Azurite's production-style host form (<account>.blob.localhost:<port>).
            "REMOTERENDERING_STORAGE_ENDPOINT_SUFFIX": f"localhost:{azurite.port}",
        }
