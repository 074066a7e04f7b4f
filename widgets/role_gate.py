"""Keys follow the operator's role: an action the role cannot use is left out of the footer, the
help and the palette (``check_action`` says False), and its key says why in one line instead of
doing nothing ("viewer: exporting is not allowed").

This is a courtesy to the operator; the guard is in the services (``orderview.roles.require``),
which refuse the same actions whatever led to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import events

from orderview.roles import VERBS, allows, role_of

if TYPE_CHECKING:
    from textual.widget import Widget

    _GatedBase = Widget  # to mypy the mixin is the screen or widget it is mixed into
else:
    _GatedBase = object


def role_refusal(app: Any, role_action: str) -> str | None:
    """Why the app's operator may not do ``role_action`` (None: they may)."""
    role = role_of(getattr(app, "operator", "") or "")
    if allows(role, role_action):
        return None
    return f"{role}: {VERBS.get(role_action, role_action)} is not allowed"


class RoleGated(_GatedBase):
    """Mixin for a screen or widget that owns bindings. ``ROLE_ACTIONS`` maps its action names
    to the role actions of ``orderview.roles.NEEDS``."""

    ROLE_ACTIONS: ClassVar[dict[str, str]] = {}

    def refusal(self, action: str) -> str | None:
        role_action = self.ROLE_ACTIONS.get(action)
        return role_refusal(self.app, role_action) if role_action else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.refusal(action):
            return False
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        """A key whose action the role cannot use reached us unhandled: say why."""
        for binding in getattr(self, "BINDINGS", []):
            keys = getattr(binding, "key", "")
            action = getattr(binding, "action", "")
            if event.key in keys.split(",") and self.refusal(action):
                event.stop()
                say(self.app, self.refusal(action) or "")
                return


def say(app: Any, text: str) -> None:
    """One line on the screen's status line (a toast where the screen has none)."""
    from orderview.widgets.status_line import StatusLine

    lines = list(app.screen.query(StatusLine))
    if lines:
        lines[0].set_status(text)
    else:
        app.notify(text, markup=False, severity="warning", timeout=4)
