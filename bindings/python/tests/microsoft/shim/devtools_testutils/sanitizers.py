"""Recording sanitizers: nothing is recorded here, so they do nothing. ``is_live()`` is always true."""

from __future__ import annotations

from typing import Any


def is_live() -> bool:
    return True


def add_body_key_sanitizer(**kwargs: Any) -> None:
    """Nothing is recorded, so nothing needs sanitizing."""


def add_general_regex_sanitizer(**kwargs: Any) -> None:
    """Nothing is recorded, so nothing needs sanitizing."""


def add_remove_header_sanitizer(**kwargs: Any) -> None:
    """Nothing is recorded, so nothing needs sanitizing."""


def remove_batch_sanitizers(*args: Any, **kwargs: Any) -> None:
    """Nothing is recorded, so there are no sanitizers to remove."""
