"""Command palette provider: every action of the screen it was opened on, by name.

Derived from the screen's active bindings (the screen's own, its focused tab's and table's, the
app's), so an action a later change binds appears here by itself. Textual's generic keys (cursor
movement, focus next, a text box's editing) are left out, as in help. Running an entry runs the
binding's action as its key would: a destructive one still asks first.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from orderview.screens.help import generic_keys, where_label
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

# Actions the palette has no use for: opening itself, and Textual's "Keys" panel (help is ours).
SKIPPED = frozenset({"command_palette", "app.command_palette"})


@dataclass(frozen=True, slots=True)
class ScreenAction:
    title: str  # the binding's tooltip when it has one ("Edit the order"), else its label
    help: str  # its keys and where it works
    action: str
    node: DOMNode


def screen_actions(screen: Screen[object]) -> list[ScreenAction]:
    """The actions bound on ``screen`` right now, one per action, the screen's own first."""
    app = screen.app
    found: dict[tuple[str, int], tuple[ScreenAction, list[str]]] = {}
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
        key = app.get_key_display(binding)
        ident = (binding.action, id(node))
        if ident in found:
            found[ident][1].append(key)
            continue
        found[ident] = (ScreenAction(title, where_label(app, screen, node), binding.action, node),
                        [key])
    actions = [ScreenAction(a.title, f"{', '.join(keys)} · {a.help}", a.action, a.node)
               for a, keys in found.values()]
    order = {"this screen": 0, "everywhere": 2}
    return sorted(actions, key=lambda a: order.get(a.help.split(" · ", 1)[1], 1))


class ScreenActionsProvider(Provider):
    async def discover(self) -> Hits:
        for action in screen_actions(self.screen):
            yield DiscoveryHit(action.title, partial(self._run, action), help=action.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in screen_actions(self.screen):
            score = matcher.match(action.title)
            if score > 0:
                yield Hit(score, matcher.highlight(action.title), partial(self._run, action),
                          text=action.title, help=action.help)

    async def _run(self, action: ScreenAction) -> None:
        """As the binding's key would (the palette has closed: its screen is current again)."""
        await self.app.run_action(action.action, action.node)
