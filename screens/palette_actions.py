"""Command palette provider: every action of the screen it was opened on, by name.

Derived from the screen's active bindings (the screen's own, its focused tab's and table's, the
app's), so an action a later change binds appears here by itself. Textual's generic keys (cursor
movement, focus next, a text box's editing) are left out, as in help. Running an entry runs the
binding's action as its key would: a destructive one still asks first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from orderview.screens.help import generic_keys, where_label
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

# Actions the palette has no use for: opening itself; quitting, which Textual's own "Quit"
# entry offers already.
SKIPPED = frozenset({"command_palette", "app.command_palette", "quit", "app.quit"})
ORDER = {"this screen": 0, "everywhere": 2}  # the screen's own first, the app's last


@dataclass(slots=True)
class ScreenAction:
    title: str  # the binding's tooltip when it has one ("Edit the order"), else its label
    where: str  # "this screen", "on this tab", "in the table", "everywhere"
    action: str
    node: DOMNode
    keys: list[str] = field(default_factory=list)

    @property
    def help(self) -> str:
        return f"{', '.join(self.keys)} · {self.where}"


def screen_actions(screen: Screen[object]) -> list[ScreenAction]:
    """The actions bound on ``screen`` right now, one per action, the screen's own first."""
    app = screen.app
    found: dict[tuple[str, int], ScreenAction] = {}
    generic: dict[DOMNode, set[tuple[str, str]]] = {}
    for active in screen.active_bindings.values():
        binding, node = active.binding, active.node
        title = binding.tooltip or binding.description
        if not title or binding.system or not active.enabled or binding.action in SKIPPED:
            continue
        if node not in generic:
            generic[node] = generic_keys(node)
        if (binding.key, binding.action) in generic[node]:
            continue
        ident = (binding.action, id(node))
        if ident not in found:
            found[ident] = ScreenAction(title, where_label(app, screen, node), binding.action, node)
        found[ident].keys.append(app.get_key_display(binding))
    return sorted(found.values(), key=lambda a: ORDER.get(a.where, 1))


class ScreenActionsProvider(Provider):
    async def discover(self) -> Hits:
        for action in screen_actions(self.screen):
            yield DiscoveryHit(action.title, partial(self._run, action), help=action.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in screen_actions(self.screen):
            score = matcher.match(action.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(action.title),
                    partial(self._run, action),
                    text=action.title,
                    help=action.help,
                )

    async def _run(self, action: ScreenAction) -> None:
        """As the binding's key would (the palette has closed: its screen is current again)."""
        await self.app.run_action(action.action, action.node)
