"""A read-only "label: value" list rendered as one Static (cheap to paint, values literal)."""

from __future__ import annotations

from collections.abc import Sequence

from orderview.widgets.fmt import text_or_empty
from orderview.widgets.literal import literal
from textual.content import Content
from textual.widgets import Static

MAX_VALUE = 2000


class FieldList(Static):
    DEFAULT_CSS = """
    FieldList {
        width: 1fr;
        height: auto;
        padding: 0 1;
    }
    """

    def show_fields(self, fields: Sequence[tuple[str, object]]) -> None:
        """Labels are ours (trusted); values are data and shown through ``widgets.literal.literal``."""
        width = max((len(label) for label, _ in fields), default=0) + 2
        lines = [
            Content.assemble(
                (f"{label}:".ljust(width), "bold"),
                literal(text_or_empty(value), max_length=MAX_VALUE),
            )
            for label, value in fields
        ]
        self.update(Content("\n").join(lines))
