"""``RemoteRenderingClient``: the blocking client."""

from __future__ import annotations

import json
import threading
from typing import Any, List, Optional, Sequence

from . import _ffi
from ._base import ClientBase
from ._native import (
    create_options,
    require_u32,
    session_id_arg,
    timeout_ms_arg,
    wait_options,
)
from ._polling import SessionPoller
from .exceptions import ArrError, error_from_json
from .models import RenderingSession, SessionStopResult, SessionWaitResult


def session_ids_arg(session_ids: Sequence[str]) -> bytes:
    if isinstance(session_ids, (str, bytes)) or not isinstance(session_ids, Sequence):
        raise TypeError("session_ids must be a sequence of str")
    for session_id in session_ids:
        if not isinstance(session_id, str):
            raise TypeError(f"session_ids must hold str, not {type(session_id).__name__}")
    return _ffi.encode(json.dumps(list(session_ids)))


class RemoteRenderingClient(ClientBase):
    """Manages Azure Remote Rendering sessions of one account.

    ``RemoteRenderingClient(endpoint, account_id, account_domain, account_key=... | access_token=... |
    credential=... | token_provider=..., api_version="2021-01-01" | "v1", **options)``.

    ``endpoint`` is a URL or a region name (``"westus2"``). ``options`` are the library's config keys in
    snake_case: ``sts_endpoint``, ``request_timeout_ms``, ``connect_timeout_ms``, ``poll_interval_ms``,
    ``user_agent_suffix``, ``proxy``, ``extra_root_ca_pem``, ``allow_insecure_http``,
    ``retry={"max_retries": 3, "base_delay_ms": 800, "max_delay_ms": 60000}``. The library validates them
    (unknown keys raise ``ValueError``). ``token_provider`` is a callable returning a token (called on a
    library thread when one is needed); ``token_kind`` says whether it returns Mixed Reality access tokens
    (``"access_token"``) or Entra ID tokens to exchange at the STS (``"aad"``).

    Thread-safe. Use it as a context manager, or call ``close()``: closing cancels the calls and waits still
    in progress on other threads (it never stops a session unless configured with
    ``stop_owned_sessions_on_close=True``, or you call ``stop_session``).
    """

    # -- lifecycle -------------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes and frees the native client. Idempotent; may be called from any thread. Calls in progress
        on other threads (blocking calls and waits alike) end at once with ``ArrCancelledError``; calls made
        afterwards raise ``RuntimeError``. Stops the sessions this client owns only if configured with
        ``stop_owned_sessions_on_close=True`` (within ``close_timeout_ms``)."""
        if self._native is not None:
            self._native.close()

    @property
    def closed(self) -> bool:
        return self._native is None or self._native.closed

    def __enter__(self) -> "RemoteRenderingClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    # -- operations ------------------------------------------------------------------------------------

    def create_session(
        self, *, size: str, lease_time_minutes: int, session_id: Optional[str] = None, owned: Optional[bool] = None
    ) -> RenderingSession:
        """Creates a session (status Starting). ``session_id`` is chosen by the library when omitted (and must
        be omitted with api-version v1). Creating again with the same id and settings returns that session.
        ``owned=False`` keeps it out of ``stop_owned_sessions()`` and of stopping on close."""
        text = self._client().call("arr_client_create_session", create_options(size, lease_time_minutes, session_id, owned))
        return RenderingSession.from_dict(json.loads(text or "{}"))

    def begin_session(
        self,
        *,
        size: str,
        lease_time_minutes: int,
        session_id: Optional[str] = None,
        owned: Optional[bool] = None,
        timeout: Optional[float] = None,
        polling_interval: Optional[float] = None,
    ) -> SessionPoller:
        """Creates a session and returns a poller that waits for it to be Ready (``timeout`` and
        ``polling_interval`` in seconds; the library's defaults when None). See :class:`SessionPoller`."""
        options = wait_options(timeout, polling_interval)
        session = self.create_session(size=size, lease_time_minutes=lease_time_minutes, session_id=session_id, owned=owned)
        try:
            return SessionPoller(self._client(), session, options)
        except ArrError as error:
            # The wait options are checked by the library only when the wait starts, after the create
            # (see README, "Known gaps"): hand the running session to the caller instead of losing it.
            error.created_session = session
            raise

    def get_session(self, session_id: str) -> RenderingSession:
        text = self._client().call("arr_client_get_session", session_id_arg(session_id))
        return RenderingSession.from_dict(json.loads(text or "{}"))

    def update_session(self, session_id: str, lease_time_minutes: int) -> RenderingSession:
        """Sets the lease to ``lease_time_minutes`` in total (absolute; at least the current lease)."""
        minutes = require_u32("lease_time_minutes", lease_time_minutes)
        text = self._client().call("arr_client_update_session", session_id_arg(session_id), minutes)
        return RenderingSession.from_dict(json.loads(text or "{}"))

    def extend_session(self, session_id: str, by_minutes: int) -> RenderingSession:
        """Extends the lease by ``by_minutes`` (the safe way to renew)."""
        minutes = require_u32("by_minutes", by_minutes)
        text = self._client().call("arr_client_extend_session", session_id_arg(session_id), minutes)
        return RenderingSession.from_dict(json.loads(text or "{}"))

    def stop_session(self, session_id: str) -> None:
        """Stops the session (billing ends). Stopping a stopped session succeeds."""
        self._client().call_no_out("arr_client_stop_session", session_id_arg(session_id))

    def list_sessions(self) -> List[RenderingSession]:
        """The account's Starting and Ready sessions (all pages)."""
        text = self._client().call("arr_client_list_sessions")
        return [RenderingSession.from_dict(item) for item in json.loads(text or "[]")]

    def owned_sessions(self) -> List[str]:
        """The ids of the sessions this client owns (created here unless ``owned=False``, not yet stopped)."""
        return json.loads(self._client().call("arr_client_get_owned_sessions") or "[]")

    def stop_owned_sessions(self, timeout: float = 10.0) -> List[SessionStopResult]:
        """Stops every session this client created (unless created with ``owned=False``), concurrently, within
        ``timeout`` seconds; one result per session. With ``stop_owned_sessions_on_close=True`` in the
        options, ``close()`` does this itself (within ``close_timeout_ms``)."""
        text = self._client().call("arr_client_stop_owned_sessions", timeout_ms_arg(timeout))
        return [SessionStopResult.from_dict(item) for item in json.loads(text or "[]")]

    def get_access_token(self) -> str:
        """A valid Mixed Reality access token (a secret: never log it)."""
        text = self._client().call("arr_client_get_access_token")
        return json.loads(text or "{}")["accessToken"]

    def wait_until_ready(
        self, session_id: str, *, timeout: Optional[float] = None, polling_interval: Optional[float] = None
    ) -> RenderingSession:
        """Waits for an existing session to be Ready (``SessionEndedError`` if it ended instead)."""
        args = (session_id_arg(session_id), wait_options(timeout, polling_interval))
        text = self._wait("arr_client_wait_until_ready_async", *args)
        return RenderingSession.from_dict(json.loads(text or "{}"))

    def wait_for_sessions(
        self, session_ids: Sequence[str], *, timeout: Optional[float] = None, polling_interval: Optional[float] = None
    ) -> List[SessionWaitResult]:
        """Waits for many sessions with one list request per poll; one result per id, in order. A session that
        failed (ended, missing, still starting at ``timeout``) has ``ok == False`` and an ``error``."""
        args = (session_ids_arg(session_ids), wait_options(timeout, polling_interval))
        text = self._wait("arr_client_wait_for_sessions_async", *args)
        return [SessionWaitResult.from_dict(item) for item in json.loads(text or "[]")]

    def _wait(self, function_name: str, *args: Any) -> Optional[str]:
        """Runs a (possibly long) wait through its ``_async`` form, so Ctrl-C cancels it instead of hanging."""
        native = self._client()
        done = threading.Event()
        outcome: List[Any] = []

        def handler(status: int, text: Optional[str]) -> None:
            outcome.append((status, text))
            done.set()

        operation = native.start(function_name, *args, handler=handler)
        try:
            while not done.wait(0.25):
                pass
        except BaseException:
            native.cancel(operation)
            raise
        status, text = outcome[0]
        if status != _ffi.OK:
            raise error_from_json(_ffi.status_name(status), text)
        return text

    def __repr__(self) -> str:
        return f"<RemoteRenderingClient {'closed' if self.closed else 'open'}>"
