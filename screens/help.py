"""Help: every key of the screen underneath, generated from its active bindings, so keys that
later issues add appear here without anyone editing this module.

The screen's own keys come first (those orderview's classes declare), then its tab's or
table's, then the generic ones Textual gives every table and screen (cursor keys, tab), then the
keys that work everywhere. A text box's editing and scrolling keys are left out: they are the
same in every text box and would bury the screen's own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from orderview.widgets.literal_table import LiteralTable
from orderview.widgets.still_footer import StillFooter
from orderview.widgets.textual_internals import node_bindings
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.keys import key_to_character
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Static


@dataclass(frozen=True, slots=True)
class KeyHelp:
    key: str
    description: str
    where: str


def where_label(app: App[object], screen: Screen[object], node: object) -> str:
    if node is app:
        return "everywhere"
    if node is screen:
        return "this screen"
    if isinstance(node, DataTable):
        return "in the table"
    if isinstance(node, Input):
        return "in the text box"
    if type(node).__name__.endswith("Pane"):  # an order tab's contents (LicensesPane, …)
        return "on this tab"
    return f"in the {type(node).__name__.lower()}"


def help_title(screen: Screen[object]) -> str:
    """The screen's ``HELP_TITLE``, else its class name in words (``EditOrderScreen`` →
    "Edit order"), so every dialog gets a readable title without declaring one."""
    given = getattr(screen, "HELP_TITLE", None)
    if given:
        return str(given)
    name = type(screen).__name__
    for suffix in ("Screen", "Dialog"):
        if name.endswith(suffix) and name != suffix:
            name = name[: -len(suffix)]
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name) or [name]
    return " ".join([words[0]] + [w.lower() for w in words[1:]])


def declared_keys(node: object, package: str) -> set[tuple[str, str]]:
    """``(key, action)`` of the bindings the classes of ``package`` declare on ``node``."""
    declared: set[tuple[str, str]] = set()
    for cls in type(node).__mro__:
        if cls.__module__.startswith(package) and "BINDINGS" in vars(cls):
            for item in vars(cls)["BINDINGS"]:
                binding = item if isinstance(item, Binding) else Binding(*item)
                declared.update((key.strip(), binding.action) for key in binding.key.split(","))
    return declared


def generic_keys(node: object) -> set[tuple[str, str]]:
    """The bindings ``node`` has only because Textual gives them to every widget of its kind
    (a text box's editing keys, a table's cursor keys, a screen's tab): not redeclared by
    orderview's classes, nor bound at run time; an extra key of ours for one of those actions
    (a table's ``j``/``k`` for the cursor) is generic too."""
    textual = declared_keys(node, "textual.")
    ours = declared_keys(node, "orderview.")
    generic_actions = {action for _, action in textual}
    return (textual - ours) | {(key, action) for key, action in ours if action in generic_actions}


# Where each kind of key goes in the list: the screen's own first, the generic ones after.
OWN_SCREEN, OWN_WIDGET, GENERIC, EVERYWHERE = range(4)


def screen_keys(app: App[Any], screen: Screen[Any]) -> list[KeyHelp]:
    """Every binding active on ``screen`` (its own, the app's, and the focused widget's), one
    line per action: the screen's own first, a text box's generic keys left out."""
    seen: dict[tuple[str, str], tuple[int, KeyHelp]] = {}
    generic: dict[object, set[tuple[str, str]]] = {}
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        description = binding.tooltip or binding.description  # the longer one when given
        if not description or binding.system:
            continue
        node = active.node
        where = where_label(app, screen, node)
        if node not in generic:
            generic[node] = generic_keys(node)
        if where == "everywhere":
            rank = EVERYWHERE
        elif (binding.key, binding.action) not in generic[node]:
            rank = OWN_SCREEN if node is screen else OWN_WIDGET
        elif isinstance(node, Input):
            continue  # a text box's editing and scrolling keys: the same in every text box
        else:
            rank = GENERIC
        ident = (binding.action, where)
        key = app.get_key_display(binding)
        if ident in seen:
            prev_rank, prev = seen[ident]
            seen[ident] = (
                min(rank, prev_rank),
                KeyHelp(f"{prev.key}, {key}", prev.description, where),
            )
        else:
            seen[ident] = (rank, KeyHelp(key, description, where))
    # A focused text box takes printable keys (q, n…) as characters: the screen's bindings for
    # them are not active, but they are the screen's keys all the same; say where they work.
    focused = screen.focused
    if isinstance(focused, Input):
        actions = {k[0] for k in seen}
        for key_name, binding in node_bindings(screen):
            description = binding.tooltip or binding.description
            if (
                description
                and binding.action not in actions
                and not binding.system
                and focused.check_consume_key(key_name, key_to_character(key_name))
            ):
                ident = (binding.action, OUTSIDE_TEXT)
                key = app.get_key_display(binding)
                shown = seen.get(ident)
                seen[ident] = (
                    OWN_SCREEN,
                    KeyHelp(f"{shown[1].key}, {key}" if shown else key, description, OUTSIDE_TEXT),
                )
    return [help_ for _, help_ in sorted(seen.values(), key=lambda item: item[0])]


OUTSIDE_TEXT = "not in text box"


# Key, Action, Where: with one space before each cell and a scrollbar, 72 of the dialog's 74.
CAPS = (14, 38, 15)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen LiteralTable { height: auto; max-height: 18; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
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
            yield LiteralTable(id="help-keys", show_cursor=False, compact=True)
            yield Static(Content("esc closes · ctrl+p opens the command palette"))
        yield StillFooter()

    def on_mount(self) -> None:
        table = self.query_one(LiteralTable)
        table.caps = list(CAPS)  # all three columns inside 80 terminal columns
        table.set_columns(("Key", "Action", "Where"))
        table.add_literal_rows((None, (k.key, k.description, k.where)) for k in self.keys)
        table.focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
