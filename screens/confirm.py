"""A yes/no question before something that cannot be taken back: ``ConfirmScreen(q) -> bool``.

The question is data-bearing (it names a manager, an order), so a ``str`` is shown literally
(controls, newlines included, as visible stand-ins); a caller that wants line breaks passes a
``Content`` built with ``widgets.literal.literal`` around each data string.
``y`` confirms, ``n`` or ``esc`` declines; nothing is focused that ``enter`` could fire by habit,
and keys typed before the question was drawn are ignored (``FreshKeysOnly``): every confirmation
of something that cannot be taken back is one of these.
"""

from __future__ import annotations

from typing import ClassVar

from orderview.widgets.fresh_keys import FreshKeysOnly, IgnoredKeys
from orderview.widgets.literal import literal
from orderview.widgets.still_footer import HELP_BINDINGS, StillFooter
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(FreshKeysOnly[bool], ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmScreen #confirm-question { width: 1fr; height: auto; }
    ConfirmScreen #confirm-keys { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
        *HELP_BINDINGS,
    ]

    def __init__(
        self, question: str | Content, yes: str = "y = yes", no: str = "n / esc = no"
    ) -> None:
        super().__init__()
        self.question = question
        self.keys_hint = f"{yes}    {no}"

    def compose(self) -> ComposeResult:
        with Vertical():
            question = self.question
            yield Static(
                question if isinstance(question, Content) else literal(question, max_length=1000),
                id="confirm-question",
            )
            yield Static(literal(self.keys_hint), id="confirm-keys")
            yield IgnoredKeys()
        yield StillFooter()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
