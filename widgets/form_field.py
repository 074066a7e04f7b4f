"""One labelled input with its error line underneath: how every dialog field looks.

The label is ours (trusted); the value goes in through ``Input(value=...)`` and the error
message (it may quote what the operator typed) through ``widgets.literal.literal``. The error line
takes no room until there is an error, so an 80x24 dialog fits without scrolling.
``show_field_errors`` is how a dialog shows a ``FieldErrors``: messages by their fields, the
other lines cleared, focus on the first field in error; ``refused`` adds the status line's words.
"""

from __future__ import annotations

from collections.abc import Mapping

from orderview.widgets.literal import literal
from orderview.widgets.still_input import StillInput
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static


class FormField(Vertical):
    DEFAULT_CSS = """
    FormField { height: auto; width: 1fr; }
    FormField > Horizontal { height: 1; width: 1fr; }
    FormField .form-label { width: 18; height: 1; }
    FormField StillInput { width: 1fr; }
    FormField .form-error {
        color: $text-error; height: auto; width: 1fr; padding-left: 18; display: none;
    }
    FormField .form-error.-shown { display: block; }
    """

    def __init__(
        self, name: str, label: str, value: str = "", placeholder: str = "", max_length: int = 0
    ) -> None:
        super().__init__(id=f"field-{name}")
        self.field_name = name
        self.label = label
        self.initial = value
        self.placeholder = placeholder
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(self.label, classes="form-label", markup=False)
            yield StillInput(
                value=self.initial,
                placeholder=self.placeholder,
                id=self.field_name,
                compact=True,
                max_length=self.max_length,
            )
        yield Static(classes="form-error", id=f"{self.field_name}-error")

    @property
    def input(self) -> StillInput:
        return self.query_one(StillInput)

    @property
    def value(self) -> str:
        return self.input.value

    @value.setter
    def value(self, text: str) -> None:
        self.input.value = text

    @property
    def error(self) -> Static:
        return self.query_one(".form-error", Static)

    def show_error(self, message: str | None) -> None:
        """Show ``message`` under the field (``None`` clears it)."""
        show_error_line(self.error, message)

    def take_reloaded(self, stored: str, edited: bool, changed_there: bool) -> None:
        """After a conflict's reload: take the stored value unless the operator edited the field;
        when both changed it, say what is stored now, so saving over it is a choice."""
        if not edited:
            self.value = stored
        self.show_error(
            f"now “{stored}” in the database; ctrl+s replaces it with yours"
            if edited and changed_there
            else None
        )


def show_error_line(line: Static, message: str | None) -> None:
    """Show ``message`` literally on an error line (class ``-shown``); ``None`` hides it."""
    if message:
        line.update(literal(message, max_length=300))
        line.add_class("-shown")
    else:
        line.remove_class("-shown")


def show_field_errors(
    root: Widget, errors: Mapping[str, str], lines: str = ".form-error"
) -> dict[str, str]:
    """Refused input, as every dialog shows it: each message on the error line of its field
    (the ``lines`` widget with id ``<field>-error``), every other such line hidden, and focus on
    the first field in error that exists (``#<field>``, in the order of ``errors``).

    Returns the messages no line took, for the dialog's status line. ``errors={}`` clears all.
    """
    unplaced = dict(errors)
    for line in root.query(lines).results(Static):
        show_error_line(line, unplaced.pop((line.id or "").removesuffix("-error"), None))
    for name in errors:
        target = root.query(f"#{name}")
        if target:
            target.first().focus()
            break
    return unplaced


def refused(root: Widget, errors: Mapping[str, str]) -> str:
    """``show_field_errors``, and the status line that goes with it: the messages no field line
    took, or a pointer to the messages under the fields."""
    unplaced = show_field_errors(root, errors)
    return "Not saved: " + (
        "; ".join(f"{k}: {v}" for k, v in unplaced.items())
        if unplaced
        else "see the messages under the fields"
    )
