"""Thin widgets carrying app-wide policy (literal text, no blinking, cheap status updates)."""

from orderview.widgets.literal_table import LiteralTable, cell
from orderview.widgets.status_line import StatusLine
from orderview.widgets.still_input import StillInput

__all__ = ["LiteralTable", "StatusLine", "StillInput", "cell"]
