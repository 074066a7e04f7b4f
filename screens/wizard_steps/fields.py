"""The wizard's field widgets: `enter` always means "next field" (or "next step" on the last one).

Stock checkboxes and radio sets toggle on `enter`, which would make "press enter through the
steps" silently change values; here `space` toggles and `enter` moves on. Labels are ours
(trusted); values and error messages go through ``widgets.literal.literal``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from orderview.widgets.literal import literal
from orderview.widgets.still_input import KeysInOrder, StillInput
from orderview.widgets.textual_internals import has_component_style, run_key_handler
from orderview.widgets.tick import Tick
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Checkbox, Static, TextArea

from orderview.safetext import has_unsafe, visible_in_box

LABEL_WIDTH = 24


class FieldSubmitted(Message):
    """`enter` on a wizard field: the step moves to the next field or goes forward."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget


class WizardCheckbox(Tick):
    """A switch (blank when off, see ``widgets.tick``) where `enter` moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Toggle", show=False),
        Binding("enter", "submit", "Next", show=False),
    ]

    def action_submit(self) -> None:
        self.post_message(FieldSubmitted(self))


class Cycler(Static, can_focus=True):
    """A one-line choice: `left`/`right`/`space` cycle through the options, `enter` moves on."""

    DEFAULT_CSS = """
    Cycler { width: 1fr; height: 1; }
    Cycler:focus { background: $block-cursor-background; color: $block-cursor-foreground; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,space", "step(1)", "Next choice", show=False),
        Binding("left", "step(-1)", "Previous choice", show=False),
        Binding("enter", "submit", "Next", show=False),
    ]
    value: reactive[str] = reactive("")

    class Changed(Message):
        def __init__(self, cycler: Cycler, value: str) -> None:
            super().__init__()
            self.cycler = cycler
            self.value = value

        @property
        def control(self) -> Cycler:
            return self.cycler

    def __init__(self, options: Sequence[tuple[str, str]], value: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = list(options)  # (value, label)
        self.set_reactive(Cycler.value, value if value in self.values else self.options[0][0])

    @property
    def values(self) -> list[str]:
        return [v for v, _ in self.options]

    def on_mount(self) -> None:
        self._paint()

    def render_label(self) -> str:
        label = dict(self.options)[self.value]
        return f"‹ {label} ›"

    def _paint(self) -> None:
        self.update(literal(self.render_label()), layout=False)

    def watch_value(self, value: str) -> None:
        self._paint()
        self.post_message(self.Changed(self, value))

    def action_step(self, delta: int) -> None:
        index = self.values.index(self.value)
        self.value = self.values[(index + delta) % len(self.values)]

    def action_submit(self) -> None:
        self.post_message(FieldSubmitted(self))


class StillTextArea(KeysInOrder, TextArea):
    """A multi-line field for pasted keys or emails (Input keeps only a paste's first line).

    `enter` on a blank line (or in an empty field) or on the last line moves on, like every
    other field (the step checks the box first and keeps the focus here if it is not valid);
    only on a line with text above the last does it start a new line. Several values on one
    line are separated by spaces or commas. The cursor starts at the end of what the box holds,
    so `enter` walking back through a filled-in step moves on instead of pushing its text down.
    """

    DEFAULT_CSS = "StillTextArea { height: 4; width: 1fr; }"

    def on_mount(self) -> None:
        self.move_cursor(self.document.end)

    async def _on_paste(self, event: events.Paste) -> None:
        self._paste_in_order(event)  # TextArea._on_paste runs next unless it was passed on

    async def _on_key(self, event: events.Key) -> None:
        if self.app.focused is not self or self._behind_binding():
            self._pass_on(event)  # typed ahead for where focus is now (``KeysInOrder``)
            return
        # TextArea inserts the newline in its key handler, before bindings are consulted.
        row = self.cursor_location[0]
        if event.key == "enter" and (
            row == self.document.line_count - 1 or not self.document.get_line(row).strip()
        ):
            event.stop()
            event.prevent_default()
            self.post_message(FieldSubmitted(self))
            self._wait_for_submit()  # the keys behind enter are for the next field
            return
        if event.is_printable or event.key == "enter":
            await run_key_handler(TextArea, self, event)  # TextArea inserts them
            return
        if not await self._take_in_order(event):  # its own bindings (backspace…) in order
            await run_key_handler(TextArea, self, event)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Blank while the area has no component styles: a step replaced by a burst of keys
        (enter, esc) can still be in the frame being drawn after its widgets were removed,
        and TextArea's theme then raised KeyError ``text-area--gutter``, ending the app
        (``test_random_key_bursts_never_crash_the_wizard``, under load)."""
        if not has_component_style(self, "text-area--gutter"):
            return [Strip.blank(crop.width)] * crop.height
        return super().render_lines(crop)

    def get_line(self, line_index: int) -> Text:
        """A line as drawn: a pasted control character (ESC, BEL, C1…) went to the terminal
        raw; each is drawn as one visible stand-in, as ``StillInput`` does (TAB stays: the
        area expands it). The text itself is untouched: the step refuses it."""
        line = self.document.get_line(line_index)
        if has_unsafe(line.replace("\t", " ")):
            line = visible_in_box(line, keep="\t")
        return Text(line, end="", no_wrap=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("soft_wrap", True)
        kwargs.setdefault("show_line_numbers", False)
        kwargs.setdefault("compact", True)
        super().__init__(*args, **kwargs)
        self.cursor_blink = False


class FieldError(Static):
    DEFAULT_CSS = f"""
    FieldError {{ color: $text-error; height: auto; width: 1fr; padding-left: {LABEL_WIDTH}; }}
    """


class FieldRow(Horizontal):
    """A label and one input widget; an error line is mounted under it only when needed
    (focus changes restyle the whole step, so every widget saved counts)."""

    DEFAULT_CSS = f"""
    FieldRow {{ height: auto; width: 1fr; }}
    FieldRow > .field-label {{ width: {LABEL_WIDTH}; height: 1; }}
    FieldRow StillInput {{ width: 1fr; }}
    FieldRow WizardCheckbox {{ width: auto; min-width: 5; }}
    """

    def __init__(self, name: str, label: str, widget: Widget) -> None:
        super().__init__(id=f"row-{name.replace('.', '-')}")
        self.field_name = name
        self.label = label
        self.widget = widget
        self.error: Static | None = None

    def compose(self) -> ComposeResult:
        yield Static(literal(self.label), classes="field-label")
        yield self.widget

    def set_shown(self, shown: bool) -> None:
        """Show or hide the row together with its error line."""
        self.display = shown
        if self.error is not None:
            self.error.display = shown

    def show_error(self, message: str | None) -> None:
        """The message under the field (``None`` removes it)."""
        if message:
            content = literal(message, max_length=300)
            if self.error is None:
                self.error = FieldError(content, classes="field-error")
                parent = self.parent
                assert isinstance(parent, Widget)  # the step's form this row is in
                parent.mount(self.error, after=self)
            else:
                self.error.update(content)
        elif self.error is not None:
            self.error.remove()
            self.error = None

    @property
    def error_text(self) -> str:
        """The message shown under the field ("" when none)."""
        return str(self.error.render()) if self.error is not None else ""

    @property
    def value(self) -> Any:
        widget = self.widget
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, Cycler):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        assert isinstance(widget, StillInput)
        return widget.value


def text_field(
    name: str,
    value: str = "",
    placeholder: str = "",
    max_length: int = 0,
    restrict: str | None = None,
) -> StillInput:
    """``restrict``: a pattern the whole value must match as typed (a refused key rings)."""
    return StillInput(
        value=value,
        placeholder=placeholder,
        id=name,
        compact=True,
        max_length=max_length,
        restrict=restrict,
    )


def check_field(name: str, value: bool, label: str = "") -> WizardCheckbox:
    return WizardCheckbox(literal(label), value=value, id=name, compact=True)
