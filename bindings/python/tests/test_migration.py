"""Migrating from Microsoft's azure-mixedreality-remoterendering: its README/sample code runs on arr_session
with only the SDK import changed (sync and asyncio), without azure-core and, in a venv, with azure-core
installed, where credentials and exceptions are azure-core's own. Also the SDK's constructor, scope, poller
and pager shapes."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest
from _venvs import cached_venv
from conftest import DEV_ID, DEV_KEY, PACKAGE_DIR, REPO, Emulator, TokenSource, new_id

from arr_session import (
    AccessToken,
    AzureKeyCredential,
    RemoteRenderingClient,
    RenderingSessionPager,
    RenderingSessionSize,
    RenderingSessionStatus,
    ResourceNotFoundError,
)
from arr_session.credentials import sts_scope

EXAMPLES = REPO / "examples" / "python"
SCRIPTS = ["sdk_quickstart.py", "sdk_quickstart_async.py"]


def sample_env(emulator: Emulator) -> Dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(PACKAGE_DIR),
        "REMOTERENDERING_ARR_SERVICE_ENDPOINT": emulator.url,
        "REMOTERENDERING_ARR_STS_ENDPOINT": emulator.url,
        "REMOTERENDERING_ARR_ACCOUNT_ID": DEV_ID,
        "REMOTERENDERING_ARR_ACCOUNT_DOMAIN": "westus2.mixedreality.azure.com",
        "REMOTERENDERING_ARR_ACCOUNT_KEY": DEV_KEY,
    }


def run_sample(python: str, script: str, emulator: Emulator) -> str:
    result = subprocess.run([python, str(EXAMPLES / script)], env=sample_env(emulator), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout


def check_sample_output(out: str, emulator: Emulator) -> None:
    assert "is ready. lease_time_minutes: 5" in out and "New lease time: 15 minutes" in out
    assert re.search(r"session:  id: \S+ status: Ready created on: \d\d/\d\d/\d{4}", out), out
    assert "not found, as expected: 404" in out and "refused, as expected: HttpResponseError 422" in out
    assert out.rstrip().endswith("done")
    assert [s["status"] for s in emulator.sessions()] == ["Stopped"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_sdk_sample_imports_only_arr_session_in_place_of_the_sdk(script: str) -> None:
    text = (EXAMPLES / script).read_text()
    imports = [line for line in text.splitlines() if re.match(r"\s*(from|import) ", line)]
    ours = [line for line in imports if "arr_session" in line]
    # the SDK import, changed; and the fallback used only when azure-core is not installed
    assert [line.strip() for line in ours if "except" not in line][-1].startswith("from arr_session")
    assert "azure.mixedreality" not in text.replace("from azure.mixedreality.remoterendering", "")


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_sdk_sample_runs_without_azure_core(fresh: Emulator, script: str) -> None:
    probe = subprocess.run([sys.executable, "-c", "import azure.core"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("azure-core is installed in the Python running the tests")
    check_sample_output(run_sample(sys.executable, script, fresh), fresh)


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_the_sdk_sample_runs_with_azure_core(fresh: Emulator, script: str) -> None:
    python = str(cached_venv("azure-core", ["azure-core"]))
    check_sample_output(run_sample(python, script, fresh), fresh)


@pytest.mark.slow
def test_exceptions_and_credentials_are_azure_cores_when_it_is_installed(emulator: Emulator) -> None:
    python = str(cached_venv("azure-core", ["azure-core"]))
    probe = f"""
import azure.core.credentials as cc, azure.core.exceptions as ce
import arr_session
from arr_session import exceptions as ours
assert ours.AZURE_CORE_EXCEPTIONS
assert arr_session.AzureKeyCredential is cc.AzureKeyCredential and arr_session.AccessToken is cc.AccessToken
for name in ("HttpResponseError", "ResourceNotFoundError", "ResourceExistsError", "ClientAuthenticationError",
             "ServiceRequestError"):
    assert issubclass(getattr(arr_session, name), getattr(ce, name)), name
assert issubclass(arr_session.ArrError, ce.AzureError)
client = arr_session.RemoteRenderingClient({emulator.url!r}, {DEV_ID!r}, "westus2", cc.AzureKeyCredential({DEV_KEY!r}),
                                           authentication_endpoint_url={emulator.url!r})
try:
    client.get_rendering_session("py-missing-session")
except ce.HttpResponseError as error:
    assert isinstance(error, ce.ResourceNotFoundError) and error.status_code == 404 and error.message
    assert error.ms_cv and str(error)
else:
    raise AssertionError("no error")
token = client.get_access_token()
with arr_session.RemoteRenderingClient({emulator.url!r}, {DEV_ID!r}, "westus2", cc.AccessToken(token, 0)) as by_token:
    assert list(by_token.list_rendering_sessions()) is not None
client.close()
print("interoperates")
"""
    result = subprocess.run([python, "-c", probe], env={**os.environ, "PYTHONPATH": str(PACKAGE_DIR)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "interoperates", result.stdout + result.stderr


def test_constructor_takes_microsofts_positional_arguments_and_options(fresh: Emulator) -> None:
    client = RemoteRenderingClient(fresh.url, DEV_ID, "westus2", AzureKeyCredential(DEV_KEY),
                                   authentication_endpoint_url=fresh.url, polling_interval=0.05,
                                   logging_policy=object(), retry_total=2, user_agent="migration-test")
    with client:
        poller = client.begin_rendering_session(new_id(), RenderingSessionSize.STANDARD, 5)
        assert poller.result(timeout=30).status == RenderingSessionStatus.READY
        client.stop_rendering_session(poller.session_id)
    with pytest.raises(TypeError, match="credential"):
        RemoteRenderingClient(fresh.url, DEV_ID, "westus2", 42)
    with pytest.raises(ValueError, match="credential"):
        RemoteRenderingClient(fresh.url, DEV_ID, "westus2", None)


def test_token_scope_follows_the_account_domain(emulator: Emulator) -> None:
    assert sts_scope("westus2.mixedreality.azure.com") == "https://sts.westus2.mixedreality.azure.com/.default"
    assert sts_scope("eastus") == "https://sts.eastus.mixedreality.azure.com/.default"
    assert sts_scope("eastus", "https://sts.example.test/") == "https://sts.example.test/.default"
    with RemoteRenderingClient(**emulator.kwargs()) as keyed:
        token = keyed.get_access_token()
    source = TokenSource(lambda: token)
    with RemoteRenderingClient(emulator.url, DEV_ID, "japaneast.mixedreality.azure.com", source,
                               token_kind="access_token") as client:
        with pytest.raises(ResourceNotFoundError):
            client.get_rendering_session(new_id())
    assert source.scopes == [("https://sts.japaneast.mixedreality.azure.com/.default",)]


def test_the_poller_keeps_its_client_alive(emulator: Emulator) -> None:
    def start():  # the client is only referenced here; the poller outlives it
        client = RemoteRenderingClient(**emulator.kwargs(polling_interval=0.05))
        return client.begin_rendering_session(new_id(), "Standard", 5)

    poller = start()
    gc.collect()
    session = poller.result(timeout=30)
    assert session.status == "Ready"
    stopper = RemoteRenderingClient(**emulator.kwargs())
    stopper.stop_rendering_session(session.id)
    stopper.close()


def test_pollers_resume_from_a_continuation_token_or_an_id(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs(polling_interval=0.05)) as client:
        poller = client.begin_rendering_session(new_id(), "Standard", 5)
        token = poller.continuation_token()
        assert client.get_rendering_session_poller(continuation_token=token).result(timeout=30).id == poller.session_id
        assert client.get_rendering_session_poller(session_id=poller.session_id).result(timeout=30).is_ready
        poller.wait()
        assert poller.done() and poller.status() == "Ready"
        with pytest.raises(ValueError):
            client.get_rendering_session_poller()
        with pytest.raises(ValueError):
            client.get_rendering_session_poller(session_id=poller.session_id, continuation_token=token)
        with pytest.raises(ResourceNotFoundError):
            client.get_rendering_session_poller(session_id=new_id())
        other = RemoteRenderingClient(emulator.url, "22222222-2222-2222-2222-222222222222", None,
                                      AccessToken("unused", 0))
        with pytest.raises(ValueError, match="account"):
            other.get_rendering_session_poller(continuation_token=token)
        other.close()
        client.stop_rendering_session(poller.session_id)


def test_the_pager_is_lazy_and_has_pages(fresh: Emulator) -> None:
    with RemoteRenderingClient(**fresh.kwargs()) as client:
        ids = [client.create_rendering_session(new_id(), "Standard", 5).id for _ in range(3)]
        before = fresh.counts().get("sessions.list", 0)
        pager = client.list_rendering_sessions()
        assert isinstance(pager, RenderingSessionPager)
        assert fresh.counts().get("sessions.list", 0) == before  # nothing requested yet
        assert sorted(s.id for s in pager) == sorted(ids)
        pages = [list(page) for page in client.list_rendering_sessions().by_page()]
        assert sorted(s.id for page in pages for s in page) == sorted(ids)
        for session_id in ids:
            client.stop_rendering_session(session_id)


def test_unknown_status_and_size_values_are_kept() -> None:
    from arr_session import RenderingSession

    session = RenderingSession.from_dict({"id": "a", "status": "Hibernating", "size": "Tiny", "error": {"code": "X", "message": "m"}})
    assert session.status == "Hibernating" and session.size == "Tiny"
    assert RenderingSession.from_dict({"id": "a", "status": "ready", "size": "standard"}).status is RenderingSessionStatus.READY
    assert session.error is not None and session.error.code == "X" and session.error.message == "m"


def test_sample_paths_exist() -> None:
    for script in SCRIPTS:
        assert Path(EXAMPLES / script).is_file()
