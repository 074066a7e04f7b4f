"""What a command needs, marked on its handler and read by ``orderview.cli`` with ``getattr``
(``needs_context``, ``creates_database``, ``in_app``, ``reads_existing``): a function's
attributes are not part of its type, so the marks are set here rather than by assignment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def mark(handler: Callable[..., Any], **flags: bool) -> None:
    for name, value in flags.items():
        setattr(handler, name, value)
