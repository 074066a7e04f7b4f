"""Untrusted text as a Textual ``Content``: controls made visible, markup inert.

The pure part (``orderview.safetext.visible``) lives in the core; this wrapper is the only place
that turns data into something a widget renders.
"""

from __future__ import annotations

from textual.content import Content

from orderview.safetext import visible


def literal(value: object, max_length: int | None = None, style: str = "") -> Content:
    """A ``Content`` showing ``value`` exactly (controls as visible stand-ins, never markup)."""
    text = visible(value, max_length)
    return Content.styled(text, style) if style else Content(text)
