"""Closing the clients that the garbage collector finds, on a thread of this package.

A finalizer (``__del__``) runs on whatever thread the collector happens to run on: an event loop's thread
(which an async credential needs free to fetch the token that a stop-on-close asks for), a library callback
thread, or a thread in the middle of code holding a lock of this package or of the application. A close
there could wait for that very thread. So a finalizer never closes a client itself: it marks it closed
(new calls raise at once) and hands it to this module's thread, which closes and frees it, stopping its
owned sessions if so configured. The hand-off is ``queue.SimpleQueue.put``, which is safe in a finalizer (it
is re-entrant and never blocks); the thread is started by the clients' constructors, never by a finalizer.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Optional, Protocol


class NativeClient(Protocol):
    """What this thread does with a client (``_native.NativeClient``, which sits above this module)."""

    def close(self) -> None: ...

_log = logging.getLogger("arr_session")

_queue: "queue.SimpleQueue[NativeClient]" = queue.SimpleQueue()
_thread: Optional[threading.Thread] = None
_start_lock = threading.Lock()


def ensure_started() -> None:
    """Starts the closing thread of this process if it is not running (called when a client is created)."""
    global _thread
    if _thread is not None:
        return
    with _start_lock:
        if _thread is None:
            thread = threading.Thread(target=_run, args=(_queue,), name="arr-session-closer", daemon=True)
            thread.start()
            _thread = thread


def submit(native: "NativeClient") -> None:
    """Has ``native`` closed and freed on the closing thread. Never blocks; safe in a finalizer."""
    _queue.put(native)


def _run(pending: "queue.SimpleQueue[NativeClient]") -> None:
    while True:
        native = pending.get()
        try:
            native.close()
        except BaseException:  # noqa: BLE001 - the thread must go on closing the others
            _log.exception("arr_session: closing a client left to the garbage collector failed")
        del native


def _after_fork_in_child() -> None:
    # The thread does not exist in the child, and the queue's lock may have been held by it at the fork. Clients
    # the parent had queued are the parent's to close.
    global _queue, _thread, _start_lock
    _queue = queue.SimpleQueue()
    _thread = None
    _start_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
