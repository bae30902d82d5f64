"""10,000 get calls show no RSS growth beyond noise: every owned string is freed with arr_string_free."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import os
from typing import Any, List

import pytest
from conftest import Emulator, new_id

from arr_session import RemoteRenderingClient, ResourceNotFoundError, _ffi, _native
from arr_session.aio import RemoteRenderingClient as AsyncRemoteRenderingClient

# Measured: ~10 KiB of noise over 10,000 gets; leaking each session string costs ~3 MiB.
LIMIT = 1024 * 1024


def rss() -> int:
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def growth_over_gets(emulator: Emulator, n: int = 10_000) -> int:
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        session = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
        for _ in range(1000):  # warm-up: allocator pools, connection pool, token cache
            client.get_rendering_session(session.id)
        before = rss()
        for _ in range(n):
            assert client.get_rendering_session(session.id).id == session.id
        grown = rss() - before
        client.stop_rendering_session(session.id)
    return grown


@pytest.mark.slow
def test_ten_thousand_gets_do_not_grow_rss(emulator: Emulator) -> None:
    grown = growth_over_gets(emulator)
    assert grown < LIMIT, f"RSS grew by {grown / 1048576:.1f} MiB over 10,000 gets"


@pytest.mark.slow
def test_the_measure_sees_a_leak(emulator: Emulator, monkeypatch) -> None:
    # Decoding without arr_string_free, as a c_char_p restype would: the same loop must then fail the limit.
    monkeypatch.setattr(_ffi, "take_string", lambda p: ctypes.string_at(p).decode() if p else None)
    assert growth_over_gets(emulator) > LIMIT


def test_the_result_string_is_freed_when_reading_the_answer_fails(emulator: Emulator, monkeypatch) -> None:
    """A blocking call's out-string is taken (decoded and freed) before the service's answer is read, so an
    error reading that answer cannot leak it."""
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        session = client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
        taken: List[Any] = []
        take_string = _ffi.take_string

        def recording(pointer: Any) -> Any:
            text = take_string(pointer)
            taken.append(text)
            return text

        def unreadable(text: Any) -> Any:
            raise LookupError("cannot read the answer")

        monkeypatch.setattr(_ffi, "take_string", recording)
        monkeypatch.setattr(_native.RawResponse, "from_json", unreadable)
        with pytest.raises(LookupError):
            client.get_rendering_session(session.id)
        monkeypatch.undo()
        assert any(text and session.id in text for text in taken), taken
        client.stop_rendering_session(session.id)


@pytest.mark.slow
def test_failing_calls_do_not_grow_rss(emulator: Emulator) -> None:
    # every failure allocates a last-error string, read and freed by the wrapper
    with RemoteRenderingClient(**emulator.kwargs()) as client:
        for _ in range(500):
            with pytest.raises(ResourceNotFoundError):
                client.get_rendering_session("py-missing")
        before = rss()
        for _ in range(3000):
            with pytest.raises(ResourceNotFoundError):
                client.get_rendering_session("py-missing")
            with pytest.raises(ValueError):
                client.get_rendering_session("bad id")
        grown = rss() - before
    assert grown < LIMIT, f"RSS grew by {grown / 1048576:.1f} MiB over 6,000 failing calls"


@pytest.mark.slow
def test_async_gets_do_not_grow_rss(emulator: Emulator) -> None:
    async def gets(client: AsyncRemoteRenderingClient, session_id: str, n: int) -> None:
        for _ in range(n // 50):
            await asyncio.gather(*(client.get_rendering_session(session_id) for _ in range(50)))

    async def main() -> int:
        async with AsyncRemoteRenderingClient(**emulator.kwargs()) as client:
            session = await client.create_rendering_session(size="Standard", lease_time_minutes=5, session_id=new_id())
            await gets(client, session.id, 2000)
            before = rss()
            await gets(client, session.id, 5000)
            grown = rss() - before
            await client.stop_rendering_session(session.id)
            return grown

    grown = asyncio.run(main())
    # Looser: completions run on up to 16 library threads started on demand, each with its own malloc
    # arena; the async path borrows its strings (nothing for the wrapper to free).
    assert grown < 4 * LIMIT, f"RSS grew by {grown / 1048576:.1f} MiB over 5,000 async gets"
