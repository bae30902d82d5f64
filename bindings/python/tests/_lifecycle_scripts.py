"""Programs that ``test_lifecycle.py`` runs in a Python process of their own, so that a hang (a deadlocked
finalizer, a child that never answers) ends in a timeout and a killed process instead of a stalled run.

Each takes the emulator's URL and prints ``OK`` as its last line when every check passed; a failed check
raises (a traceback on stderr, exit status 1). Run: ``python _lifecycle_scripts.py <name> <emulator URL>``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import multiprocessing
import sys
import threading
import time
import traceback
import urllib.request
import uuid
from typing import Any, Callable, Dict, List, Optional

from arr_session import (
    AccessToken,
    ArrForkedError,
    AzureKeyCredential,
    RemoteRenderingClient,
    _callbacks,
)
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient

DEV_ID = "11111111-1111-1111-1111-111111111111"
DEV_KEY = "YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ=="
#: Far longer than the tests' bounds: a close that waits for a token nobody can fetch runs into the bound.
LONG_CLOSE_TIMEOUT_MS = 60_000
#: "Did not hang" bounds, not timings.
BOUND = 20.0


def new_id() -> str:
    return "py-" + uuid.uuid4().hex[:12]


def _request(url: str, method: str, path: str, body: Any = None, authorization: Optional[str] = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url + path, data=data, method=method, headers=headers), timeout=10) as response:
        text = response.read().decode()
    return json.loads(text) if text.strip() else None


def sts_token(url: str) -> str:
    """A fresh access token from the emulator's STS, fetched without the library."""
    return str(_request(url, "GET", f"/Accounts/{DEV_ID}/token", authorization=f"Bearer {DEV_ID}:{DEV_KEY}")["AccessToken"])


def revoke_tokens(url: str) -> None:
    """Every token issued so far is refused from now on: the next request asks the credential again."""
    _request(url, "POST", "/_emulator/revoke-tokens", {})


def status_of(url: str, session_id: str) -> Optional[str]:
    for session in _request(url, "GET", "/_emulator/sessions") or []:
        if session["id"] == session_id:
            return str(session["status"])
    return None


def wait_until_stopped(url: str, session_id: str) -> None:
    deadline = time.monotonic() + BOUND
    while status_of(url, session_id) != "Stopped":
        if time.monotonic() > deadline:
            raise AssertionError(f"the owned session is {status_of(url, session_id)}, not Stopped, {BOUND} s after the finalizer ran")
        time.sleep(0.05)


class Credential:
    """A ``get_token`` credential giving fresh Mixed Reality access tokens (``token_kind="access_token"``)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return AccessToken(sts_token(self.url), 2**31 - 1)


class AsyncCredential:
    """The same as an async credential (``azure.identity.aio``'s shape)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return AccessToken(await asyncio.get_running_loop().run_in_executor(None, sts_token, self.url), 2**31 - 1)


def client_kwargs(url: str, **extra: Any) -> Dict[str, Any]:
    return {"token_kind": "access_token", "authentication_endpoint_url": url, **extra}


# --- finalizers ------------------------------------------------------------------------------------------


def sync_finalizer_under_the_callbacks_lock(url: str) -> None:
    """A sync client with a get_token credential and stop-on-close, left in a reference cycle, is collected
    while this thread holds ``_callbacks._lock`` (the garbage collector may run at any allocation, so at any
    point in the package's code); its stop-on-close needs a new token."""
    client = RemoteRenderingClient(url, DEV_ID, None, Credential(url),
                                   **client_kwargs(url, stop_owned_sessions_on_close=True, close_timeout_ms=LONG_CLOSE_TIMEOUT_MS))
    session_id = client.create_rendering_session(new_id(), "Standard", 5).id
    revoke_tokens(url)
    native = client._native
    client.cycle = client  # type: ignore[attr-defined]  # only the garbage collector frees it now
    del client
    with _callbacks._lock:
        gc.collect()
    assert native is not None and native.closed, "the finalizer closed the client"
    wait_until_stopped(url, session_id)


def user_finalizer_closing_under_the_callbacks_lock(url: str) -> None:
    """An object of the application whose ``__del__`` closes its client (explicitly, so on the collecting
    thread) is collected while that thread holds ``_callbacks._lock``."""

    class Owner:
        client: RemoteRenderingClient

        def __del__(self) -> None:
            self.client.close()

    owner = Owner()
    owner.client = RemoteRenderingClient(url, DEV_ID, None, Credential(url), **client_kwargs(url))
    list(owner.client.list_rendering_sessions())
    native = owner.client._native
    owner.cycle = owner  # type: ignore[attr-defined]
    del owner
    with _callbacks._lock:
        gc.collect()
    assert native is not None and native.closed, "the owner's __del__ closed the client"


def _aio_finalizer_on_the_loop(url: str, collect: Callable[[Any], None]) -> None:
    async def main() -> None:
        client = AsyncRemoteRenderingClient(
            url, DEV_ID, None, AsyncCredential(url),
            **client_kwargs(url, stop_owned_sessions_on_close=True, close_timeout_ms=LONG_CLOSE_TIMEOUT_MS),
        )
        session_id = (await client.create_rendering_session(new_id(), "Standard", 5)).id
        revoke_tokens(url)  # the stop-on-close needs a token that only this event loop can fetch
        native = client._native
        holder: List[Any] = [client]
        del client
        started = time.monotonic()
        collect(holder)  # the finalizer runs here, on the event loop's thread
        took = time.monotonic() - started
        assert took < BOUND / 2, f"the finalizer blocked the event loop for {took:.1f} s"
        assert native is not None and native.closed, "the finalizer closed the client"
        deadline = time.monotonic() + BOUND
        while status_of(url, session_id) != "Stopped":  # the loop keeps running meanwhile
            assert time.monotonic() < deadline, f"the owned session is {status_of(url, session_id)}, not Stopped"
            await asyncio.sleep(0.05)

    asyncio.run(main())


def aio_finalizer_by_reference_count(url: str) -> None:
    """The last reference to an asyncio client with an async credential and stop-on-close goes away on the
    event loop's thread: ``__del__`` runs there at once."""
    _aio_finalizer_on_the_loop(url, lambda holder: holder.clear())


def aio_finalizer_by_garbage_collection(url: str) -> None:
    """The same client in a reference cycle, collected by ``gc.collect()`` on the event loop's thread."""

    def collect(holder: List[Any]) -> None:
        client = holder.pop()
        client.cycle = client
        del client
        gc.collect()

    _aio_finalizer_on_the_loop(url, collect)


# --- fork -------------------------------------------------------------------------------------------------


def _in_child(conn: Any, body: Callable[[], Dict[str, Any]]) -> None:
    try:
        conn.send(("ok", body()))
    except BaseException:  # noqa: BLE001 - reported to the parent
        conn.send(("error", traceback.format_exc()))


def _run_child(body: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    """Runs ``body`` in a child made by multiprocessing's fork start method; its report, or raises."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_in_child, args=(sender, body))
    child.start()
    if not receiver.poll(BOUND + 10):
        child.kill()
        child.join()
        raise AssertionError(f"the forked child did not finish within {BOUND + 10} s (it hung)")
    outcome, report = receiver.recv()
    child.join(BOUND)
    if outcome != "ok":
        raise AssertionError("the forked child failed:\n" + str(report))
    assert child.exitcode == 0, f"the child exited with {child.exitcode}"
    return dict(report)


def _new_clients_work(url: str) -> Dict[str, Any]:
    """A new sync client and a new asyncio client, made in this process, do a full create/get/list/stop."""
    with RemoteRenderingClient(url, DEV_ID, None, AzureKeyCredential(DEV_KEY), authentication_endpoint_url=url) as fresh:
        created = fresh.create_rendering_session(new_id(), "Standard", 5)
        assert fresh.get_rendering_session(created.id).id == created.id
        assert created.id in [s.id for s in fresh.list_rendering_sessions()]
        fresh.stop_rendering_session(created.id)

    async def aio() -> List[str]:
        async with AsyncRemoteRenderingClient(url, DEV_ID, None, AzureKeyCredential(DEV_KEY), authentication_endpoint_url=url) as client:
            got = await client.get_rendering_session(created.id)
            return [got.id] + [s.id async for s in client.list_rendering_sessions()]

    ids = asyncio.run(aio())
    assert ids[0] == created.id
    return {"created": created.id}


def _fails_as_forked(call: Callable[[], Any], what: str) -> str:
    try:
        call()
    except ArrForkedError as error:
        assert error.status == "ARR_STATUS_FORKED", error.status
        return str(error)
    raise AssertionError(f"{what} did not raise ArrForkedError")


def fork_with_a_client_of_the_parent(url: str) -> None:
    """multiprocessing's fork start method: a client made and used in the parent (stop-on-close), with a wait
    and a keeper in flight; in the child new clients work, the inherited client, its wait and its keeper fail
    with ArrForkedError, and closing it returns and stops nothing; the parent's client, wait and keeper carry
    on, and its close stops the session."""
    client = RemoteRenderingClient(url, DEV_ID, None, AzureKeyCredential(DEV_KEY), authentication_endpoint_url=url,
                                   stop_owned_sessions_on_close=True)
    session_id = client.create_rendering_session(new_id(), "Standard", 5).id  # stays Starting (--start-delay 1h)
    poller = client.get_rendering_session_poller(session_id=session_id)  # a wait in flight at fork
    keeper = client.keep_rendering_session(session_id, polling_interval=0.2)  # a stream in flight at fork

    def child() -> Dict[str, Any]:
        report = _new_clients_work(url)
        report["inherited"] = _fails_as_forked(lambda: client.get_rendering_session(session_id), "a call on the inherited client")
        report["wait"] = _fails_as_forked(lambda: poller.result(timeout=BOUND), "the wait in flight at fork")
        report["keeper"] = _fails_as_forked(lambda: list(keeper), "the keeper in flight at fork")
        client.close()  # frees this process's copy of the handle; returns
        assert client.closed
        report["status after close"] = status_of(url, session_id)
        return report

    report = _run_child(child)
    assert "create a new client" in report["inherited"], report["inherited"]
    assert report["status after close"] == "Starting", f"closing the inherited client stopped nothing: {report}"
    # The parent is unaffected.
    assert client.get_rendering_session(session_id).id == session_id
    assert session_id in [s.id for s in client.list_rendering_sessions()]
    assert not poller.done(), "the parent's wait goes on"
    assert not keeper.done(), "the parent's keeper goes on"
    poller.cancel()
    keeper.close()
    client.close()
    assert status_of(url, session_id) == "Stopped", "the parent's close stopped its owned session"


def fork_while_the_package_is_busy(url: str) -> None:
    """The fork happens while other threads of the parent hold the package's locks and are inside a blocking
    call on the client: in the child none of that is left held (those threads do not exist there)."""
    client = RemoteRenderingClient(url, DEV_ID, None, AzureKeyCredential(DEV_KEY), authentication_endpoint_url=url)
    session_id = client.create_rendering_session(new_id(), "Standard", 5).id
    _request(url, "POST", "/_emulator/faults", {"route": "sessions.get", "kind": {"kind": "delay", "millis": 30000}, "times": 1})
    in_call = threading.Thread(target=lambda: _swallow(lambda: client.get_rendering_session(session_id)), daemon=True)
    in_call.start()
    deadline = time.monotonic() + BOUND
    while client._native is not None and client._native._busy == 0:  # the get is inside the library
        assert time.monotonic() < deadline, "the get did not start"
        time.sleep(0.01)
    holding, release = threading.Event(), threading.Event()

    def hold_locks() -> None:
        assert client._native is not None
        with _callbacks._lock, client._native._lock:
            holding.set()
            release.wait(BOUND * 3)

    holder = threading.Thread(target=hold_locks, daemon=True)
    holder.start()
    holding.wait(BOUND)

    def child() -> Dict[str, Any]:
        report = _new_clients_work(url)  # the asyncio client registers its completions under _callbacks._lock
        report["inherited"] = _fails_as_forked(lambda: client.get_rendering_session(session_id), "a call on the inherited client")
        client.close()  # does not wait for the parent thread's call: it is not in this process
        return report

    try:
        _run_child(child)
    finally:
        release.set()
    holder.join(BOUND)
    client.close()  # the parent's get in flight ends (cancelled)
    in_call.join(BOUND)
    assert not in_call.is_alive()


def _swallow(call: Callable[[], Any]) -> None:
    try:
        call()
    except Exception:  # noqa: BLE001 - the call is cancelled by close()
        pass


if __name__ == "__main__":
    globals()[sys.argv[1]](sys.argv[2])
    print("OK")
