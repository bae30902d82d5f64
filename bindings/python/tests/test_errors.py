"""Error statuses map to Azure-SDK-named exceptions with status, HTTP status, code and MS-CV; bad arguments
raise ValueError / TypeError before any request is sent."""

from __future__ import annotations

import logging

import pytest
from conftest import DEV_ID, Emulator, TokenSource, new_id

from arr_session import (
    ArrError,
    ArrTimeoutError,
    ClientAuthenticationError,
    HttpResponseError,
    RemoteRenderingClient,
    ResourceNotFoundError,
    ServiceRequestError,
)

NO_RETRY = {"max_retries": 0}


@pytest.mark.parametrize(
    "http, exception, status, code",
    [
        (401, ClientAuthenticationError, "ARR_STATUS_UNAUTHORIZED", None),
        (403, ClientAuthenticationError, "ARR_STATUS_FORBIDDEN", None),
        (404, ResourceNotFoundError, "ARR_STATUS_NOT_FOUND", None),
        (429, HttpResponseError, "ARR_STATUS_THROTTLED", None),
        (500, HttpResponseError, "ARR_STATUS_SERVICE_ERROR", "InternalServerError"),
        (503, HttpResponseError, "ARR_STATUS_SERVICE_ERROR", "ServiceUnavailable"),
    ],
)
def test_status_maps_to_exception(fresh: Emulator, http, exception, status, code) -> None:
    with RemoteRenderingClient(**fresh.kwargs(retry=NO_RETRY)) as client:
        session = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
        fresh.status_fault("sessions.get", http, times=3, retry_after=2 if http == 429 else None)
        with pytest.raises(exception) as caught:
            client.get_rendering_session(session.id)
    error = caught.value
    assert isinstance(error, ArrError)
    assert error.status == status and error.status_code == http
    assert error.ms_cv and error.ms_cv.endswith(".0")
    assert error.error_code == code
    assert error.message and status in str(error) and error.ms_cv in str(error)
    assert isinstance(error.details, list)
    if http == 429:
        assert error.retry_after == 2


def test_service_refusal_is_http_response_error(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        session = client.create_rendering_session(size="Standard", lease_time_minutes=30, session_id=new_id())
        with pytest.raises(HttpResponseError) as lower:  # the service refuses to shorten a lease
            client.update_rendering_session(session.id, 10)
        assert lower.value.status == "ARR_STATUS_INVALID_ARGUMENT" and lower.value.status_code in (400, 422)
        assert lower.value.error_code and lower.value.ms_cv
        assert not isinstance(lower.value, ValueError)
        client.stop_rendering_session(session.id)


def test_network_decode_and_timeout(fresh: Emulator) -> None:
    with RemoteRenderingClient(**fresh.kwargs(retry=NO_RETRY, request_timeout_ms=300)) as client:
        session = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
        fresh.fault("sessions.get", {"kind": "dropBeforeProcessing"})
        with pytest.raises(ServiceRequestError) as network:
            client.get_rendering_session(session.id)
        assert network.value.status == "ARR_STATUS_NETWORK"
        fresh.fault("sessions.get", {"kind": "malformedBody"})
        with pytest.raises(HttpResponseError) as decode:
            client.get_rendering_session(session.id)
        assert decode.value.status == "ARR_STATUS_DECODE"
        fresh.fault("sessions.get", {"kind": "delay", "millis": 3000})
        with pytest.raises(ArrTimeoutError) as timeout:
            client.get_rendering_session(session.id)
        assert timeout.value.status == "ARR_STATUS_TIMEOUT" and isinstance(timeout.value, TimeoutError)


def test_retries_get_past_transient_errors(fresh: Emulator) -> None:
    with RemoteRenderingClient(**fresh.kwargs()) as client:
        session = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
        before = fresh.counts().get("sessions.get", 0)
        fresh.status_fault("sessions.get", 503, times=2)
        assert client.get_rendering_session(session.id).id == session.id
        assert fresh.counts()["sessions.get"] - before == 3


def test_wrong_key_and_unknown_service_unreachable(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs(account_key="d3Jvbmcta2V5")) as client:
        with pytest.raises(ClientAuthenticationError) as caught:
            list(client.list_rendering_sessions())
        assert caught.value.status == "ARR_STATUS_UNAUTHORIZED" and caught.value.status_code == 401
    # a closed port on 127.0.0.1: nothing listens there once the probe socket is closed
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    url = f"http://127.0.0.1:{port}"
    with RemoteRenderingClient(**emulator.kwargs(endpoint=url, sts_endpoint=url, retry=NO_RETRY)) as client:
        with pytest.raises(ServiceRequestError):
            list(client.list_rendering_sessions())


@pytest.mark.parametrize(
    "call, exception",
    [
        (lambda c: c.get_rendering_session(123), TypeError),
        (lambda c: c.get_rendering_session(None), TypeError),
        (lambda c: c.get_rendering_session("has spaces/and slash"), ValueError),
        (lambda c: c.get_rendering_session(""), ValueError),
        (lambda c: c.get_rendering_session("nul\0byte"), ValueError),
        (lambda c: c.get_rendering_session("\ud800"), ValueError),
        (lambda c: c.create_rendering_session(None, size="Huge", lease_time_minutes=5), ValueError),
        (lambda c: c.create_rendering_session(None, size=1, lease_time_minutes=5), TypeError),
        (lambda c: c.create_rendering_session(None, size="Standard", lease_time_minutes=5000), ValueError),
        (lambda c: c.create_rendering_session(None, size="Standard", lease_time_minutes=-2**31 - 1), ValueError),
        (lambda c: c.create_rendering_session(None, size="Standard", lease_time_minutes="5"), TypeError),
        (lambda c: c.create_rendering_session(size="Standard", lease_time_minutes=True), TypeError),
        (lambda c: c.create_rendering_session(size="Standard", lease_time_minutes=5, session_id="bad id"), ValueError),
        (lambda c: c.update_rendering_session("abc", 5000), ValueError),
        (lambda c: c.update_rendering_session("abc", 2**32), ValueError),
        (lambda c: c.extend_rendering_session("abc", 0), ValueError),
        (lambda c: c.stop_rendering_session(b"abc"), TypeError),
        (lambda c: c.wait_for_rendering_sessions("abc"), TypeError),
        (lambda c: c.wait_for_rendering_sessions(["a", 1]), TypeError),
        (lambda c: c.wait_for_rendering_sessions(["abc"], timeout=0), ValueError),
        (lambda c: c.wait_for_rendering_sessions(["abc"], timeout="1"), TypeError),
        (lambda c: c.get_rendering_session_poller(session_id="abc", polling_interval=-1).result(), ValueError),
        (lambda c: c.begin_rendering_session(None, size="Standard", lease_time_minutes=5, timeout=0), ValueError),
    ],
)
def test_bad_arguments_raise_before_any_request(emulator: Emulator, call, exception) -> None:
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        before = emulator.counts()
        with pytest.raises(exception):
            call(client)
        assert emulator.counts() == before


@pytest.mark.parametrize(
    "kwargs, exception, mentions",
    [
        ({"colour": 1}, ValueError, "colour"),
        ({"request_timeout_ms": 0}, ValueError, "requestTimeoutMs"),
        ({"api_version": "2020"}, ValueError, "apiVersion"),
        ({"retry": {"max_retries": -1}}, ValueError, "maxRetries"),
        ({"endpoint": 5}, TypeError, "endpoint"),
        ({"account_id": None}, ValueError, "account_id"),  # missing: ValueError, as Microsoft's client
        ({"access_token": "t"}, ValueError, "accessToken"),  # both a key and a token
        ({"account_id": "not-a-guid"}, ValueError, "accountId"),
        ({"credential": object()}, TypeError, "credential"),
    ],
)
def test_bad_config_raises(emulator: Emulator, kwargs, exception, mentions) -> None:
    with pytest.raises(exception) as caught:
        RemoteRenderingClient(**emulator.kwargs(**kwargs))
    assert mentions in str(caught.value)


def test_token_provider_exception_is_not_lost(emulator: Emulator, caplog) -> None:
    def provider() -> str:
        raise KeyError("vault unavailable")

    with caplog.at_level(logging.ERROR, logger="arr_session"):
        with RemoteRenderingClient(emulator.url, DEV_ID, None, TokenSource(provider), token_kind="access_token",
                                   authentication_endpoint_url=emulator.url,
                                   retry=NO_RETRY) as client:
            with pytest.raises(ClientAuthenticationError) as caught:
                list(client.list_rendering_sessions())
    assert "KeyError" in caught.value.message and "vault unavailable" in caught.value.message
    assert any(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in caplog.records)


def test_token_provider_supplies_tokens(emulator: Emulator) -> None:
    with RemoteRenderingClient(**emulator.kwargs()) as keyed:
        token = keyed.get_access_token()
    calls = []

    def provider() -> str:
        calls.append(1)
        return token

    with RemoteRenderingClient(emulator.url, DEV_ID, None, TokenSource(provider), token_kind="access_token") as client:
        list(client.list_rendering_sessions())
        list(client.list_rendering_sessions())
    assert len(calls) == 1  # cached by the library


def test_begin_session_with_out_of_range_wait_options_hands_back_the_session(emulator: Emulator) -> None:
    # Known gap of the C ABI: the wait options are validated only after the create was sent.
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        with pytest.raises(ValueError) as caught:
            client.begin_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id(), polling_interval=7200)
        created = caught.value.created_session
        assert created.status == "Starting"
        client.stop_rendering_session(created.id)
