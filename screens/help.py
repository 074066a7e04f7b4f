"""Help: every key of the screen underneath, generated from its active bindings, so keys that
later issues add appear here without anyone editing this module."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from widgets.literal_table import LiteralTable


@dataclass(frozen=True, slots=True)
class KeyHelp:
    key: str
    description: str
    where: str


def screen_keys(app: App[object], screen: Screen[object]) -> list[KeyHelp]:
    """The bindings active on ``screen`` (its own, the app's, and the focused widget's shown
    ones), one line per action, in binding order."""
    seen: dict[tuple[str, str], KeyHelp] = {}
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        node = active.node
        own = node is screen or node is app
        description = binding.description or binding.tooltip
        if not description or not (own or binding.show) or binding.system:
            continue
        where = "app" if node is app else ("screen" if node is screen else type(node).__name__)
        ident = (binding.action, where)
        key = app.get_key_display(binding)
        if ident in seen:
            prev = seen[ident]
            seen[ident] = KeyHelp(f"{prev.key}, {key}", prev.description, where)
        else:
            seen[ident] = KeyHelp(key, description, where)
    return list(seen.values())


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen LiteralTable { height: auto; max-height: 18; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self, title: str, keys: list[KeyHelp]) -> None:
        super().__init__()
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.styled(f"Keys: {self.title_text}", "bold"))
            yield LiteralTable(id="help-keys", show_cursor=False)
            yield Static(Content("esc closes · ctrl+p opens the command palette"))
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(LiteralTable)
        table.set_columns(("Key", "Action"))
        table.add_literal_rows((None, (k.key, k.description)) for k in self.keys)
        table.focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
