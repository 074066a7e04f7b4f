"""The running app as its own type, for screens and widgets that reach its services.

``Widget.app`` is typed as Textual's ``App``; the database, settings, operator and type-ahead
router live on ``OrderviewApp``. One typed door instead of an ignore at every lookup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from textual.app import App

    from orderview.app import OrderviewApp


def services_of(app: App[Any]) -> OrderviewApp:
    """``app`` seen as the orderview app (no check at run time: a cast)."""
    return cast("OrderviewApp", app)
