"""What every wizard step shares: `enter` walks the fields, then asks the wizard to go on."""

from __future__ import annotations

from orderview.screens.wizard_steps.fields import FieldRow, FieldSubmitted
from textual import on
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, TextArea


class StepDone(Message):
    """The step is complete as far as it can tell; the wizard validates and goes forward.

    Carries its step: keys typed ahead (a burst over a slow link) can reach a step after the
    wizard has moved past it, and its late "done" must not pass the next step unseen."""

    def __init__(self, step: WizardStep) -> None:
        super().__init__()
        self.step = step


class StepFixed(Message):
    """Every message on the step has gone (the wizard's status line stops pointing at them)."""

    def __init__(self, step: WizardStep) -> None:
        super().__init__()
        self.step = step


class AddLine(Message):
    """ "Add another product" was pressed on this step (carries it, as ``StepDone``)."""

    def __init__(self, step: WizardStep) -> None:
        super().__init__()
        self.step = step


class WizardStep(VerticalScroll):
    """A step is rebuilt from the wizard's state each time it is shown (see ``state.py``)."""

    DEFAULT_CSS = """
    WizardStep { height: 1fr; width: 1fr; padding: 0 0; }
    WizardStep .buttons { height: 1; width: 1fr; margin-top: 1; }
    WizardStep .buttons Button { margin-right: 2; }
    WizardStep .hint { color: $text-muted; height: auto; }
    """
    title = ""
    accepts_input = True  # keys typed ahead may reach it (a step still loading says False)

    def collect(self) -> None:
        """Copy what the widgets show into the wizard's state (before leaving the step)."""

    def validate_step(self) -> dict[str, str]:
        """Errors by field (empty: fine). Called after ``collect``."""
        return {}

    async def check_step(self) -> dict[str, str]:
        """Errors only the database can tell (empty: fine). Called after ``validate_step``
        found none."""
        return {}

    def focus_first(self) -> None:
        fields = self.field_widgets()
        if fields:
            fields[0].focus()

    def field_widgets(self) -> list[Widget]:
        """The visible fields in order: `enter` walks them, the last one goes forward."""
        return [
            row.widget
            for row in self.query(FieldRow)
            if row.display and row.widget.display and not row.widget.disabled
        ]

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Show each message by its field; returns the messages that have no field here."""
        rows = {row.field_name: row for row in self.query(FieldRow)}
        for name, row in rows.items():
            row.show_error(errors.get(name))
        self._values_when_shown = self._row_values()
        first = next((rows[n] for n in rows if n in errors and rows[n].display), None)
        if first is not None:
            first.widget.focus()
            self.scroll_to_widget(first)
        return [
            f"{name}: {message}"
            for name, message in errors.items()
            if name not in rows or not rows[name].display
        ]

    def check_on_enter(self, name: str) -> str | None:
        """`enter` on the field ``name``: a message if what it holds cannot be right (the step
        stays, the message by the field), else ``None`` and the walk goes on."""
        return None

    def _advance_from(self, widget: Widget) -> None:
        fields = self.field_widgets()
        if widget not in fields:
            return
        row = next((r for r in self.query(FieldRow) if r.widget is widget), None)
        message = self.check_on_enter(row.field_name) if row is not None else None
        if row is not None and message:
            row.show_error(message)
            self._values_when_shown = self._row_values()
            return
        index = fields.index(widget)
        if index == len(fields) - 1:
            self.post_message(StepDone(self))
        else:
            fields[index + 1].focus()

    # --- messages go as soon as their field is fixed ----------------------------------------

    _values_when_shown: dict[str, object] | None = None

    def _row_values(self) -> dict[str, object]:
        return {row.field_name: row.value for row in self.query(FieldRow)}

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    def _field_changed(self) -> None:
        """As typed: a message whose field now holds what the step accepts goes at once (what
        only the database can check is checked again on ``ctrl+s``). Nothing is added while
        typing; only changes count (a field mounting with its value is not a fix)."""
        shown = [row for row in self.query(FieldRow) if row.error is not None]
        if not shown or self._row_values() == self._values_when_shown:
            return
        self.collect()
        errors = self.validate_step()
        for row in shown:
            if row.field_name not in errors:
                row.show_error(None)
        if all(row.error is None for row in shown):
            self.post_message(StepFixed(self))

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._advance_from(event.input)

    @on(FieldSubmitted)
    def _field_submitted(self, event: FieldSubmitted) -> None:
        event.stop()
        self._advance_from(event.widget)

    @on(Button.Pressed, "#next")
    def _next_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(StepDone(self))

    @on(Button.Pressed, "#add-line")
    def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(AddLine(self))
