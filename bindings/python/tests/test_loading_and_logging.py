"""Loading the native library, the ABI check, and library logs routed to the `logging` module."""

from __future__ import annotations

import ctypes
import logging
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import DEV_KEY, PACKAGE_DIR, Emulator

import arr_session
from arr_session import RemoteRenderingClient, _callbacks, _ffi


def test_every_function_of_the_header_is_declared() -> None:
    header = (PACKAGE_DIR.parents[1] / "include" / "arr_session.h").read_text()
    declared = set(re.findall(r"^(?:const )?[a-z0-9_ ]+?[ *]+(arr_[a-z_]+)\(", header, re.MULTILINE))
    declared.discard("arr_test_force_panic")  # test-hooks builds only
    assert declared and declared == set(_ffi.PROTOTYPES)
    for name, (restype, argtypes) in _ffi.PROTOTYPES.items():
        function = getattr(_ffi.lib, name)
        assert function.restype is restype and list(function.argtypes) == argtypes
    # owned strings are never c_char_p (which would copy them and leak the original)
    assert _ffi.PROTOTYPES["arr_last_error"][0] is not ctypes.c_char_p


def test_missing_library_error_lists_what_was_tried(tmp_path) -> None:
    missing = str(tmp_path / "nope" / "libarr_session.so")
    result = subprocess.run(
        [sys.executable, "-c", "import arr_session"],
        env={**os.environ, "ARR_SESSION_LIBRARY": missing, "PYTHONPATH": str(PACKAGE_DIR)},
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "LibraryNotFoundError" in result.stderr and missing in result.stderr
    assert "ARR_SESSION_LIBRARY" in result.stderr


def test_abi_mismatch_is_refused() -> None:
    class Fake:
        _name = "libfake.so"

        @staticmethod
        def arr_abi_version() -> int:
            return _ffi.ABI_VERSION + 1

    with pytest.raises(ImportError, match="ABI version"):
        _ffi._check_abi(Fake())
    assert arr_session.NATIVE_VERSION == "0.1.0" and os.path.samefile(arr_session.LIBRARY_PATH, os.environ["ARR_SESSION_LIBRARY"])


def test_library_logs_reach_logging(emulator: Emulator, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="arr_session"):
        arr_session.refresh_log_level()
        with RemoteRenderingClient(**emulator.kwargs()) as client:
            list(client.list_rendering_sessions())

        def request_lines() -> list:
            lines = [r for r in caplog.records if r.name.startswith("arr_session.")]
            return [r for r in lines if "ms_cv=" in r.getMessage() and r.levelno == logging.INFO]

        deadline = time.monotonic() + 5  # lines come from the library's log thread, a moment later
        while not request_lines() and time.monotonic() < deadline:
            time.sleep(0.02)
    try:
        assert request_lines()
        assert not any(DEV_KEY in r.getMessage() or "Bearer" in r.getMessage() for r in caplog.records)
    finally:
        arr_session.refresh_log_level()


def test_log_level_follows_the_logger(emulator: Emulator, caplog) -> None:
    logging.getLogger("arr_session").setLevel(logging.ERROR)
    try:
        assert _callbacks.sync_log_level() == 1
        with RemoteRenderingClient(**emulator.kwargs()) as client:
            list(client.list_rendering_sessions())
        assert not [r for r in caplog.records if r.name.startswith("arr_session.")]
    finally:
        logging.getLogger("arr_session").setLevel(logging.NOTSET)
        arr_session.refresh_log_level()


def test_a_failing_log_handler_is_reported_not_lost(emulator: Emulator, monkeypatch) -> None:
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    class Broken(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            raise RuntimeError("handler broke")

        def handleError(self, record: logging.LogRecord) -> None:  # let it propagate
            raise

    logger = logging.getLogger("arr_session")
    handler = Broken()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with RemoteRenderingClient(**emulator.kwargs()) as client:
            list(client.list_rendering_sessions())  # still works
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        arr_session.refresh_log_level()
    assert reported and isinstance(reported[0].exc_value, RuntimeError)
    assert "log line" in reported[0].err_msg
