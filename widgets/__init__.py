"""Thin widgets carrying app-wide policy (literal text, no blinking, cheap status updates)."""

from widgets.literal_table import LiteralTable, cell
from widgets.status_line import StatusLine
from widgets.still_input import StillInput

__all__ = ["LiteralTable", "StatusLine", "StillInput", "cell"]
