"""A checkbox that says on or off without colour.

The stock ``Checkbox`` always draws ``X`` and tells ticked from unticked by its colour alone; in
16 colours the unticked ``X`` is black on dark grey (still an ``X``), and on a monochrome
terminal or to a colour-blind operator the two look the same. Here an unticked box is blank.
"""

from __future__ import annotations

from orderview.widgets.textual_internals import BlankUntickedMark
from textual.widgets import Checkbox


class Tick(BlankUntickedMark, Checkbox):
    """Blank when unticked (``BlankUntickedMark``)."""
