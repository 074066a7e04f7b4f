"""The theme: the ``theme`` setting at start, and the one picked in the palette remembered.

Picking a theme in the command palette ("Change theme") writes ``theme = "…"`` into the config
file the app was started with (``--config``, ``ORDERVIEW_CONFIG`` or the default), rewriting
only that key (``orderview.config_file``); the next start opens in it. A file that cannot be
written says so once on screen; the theme still changes for this session.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orderview.widgets.app_services import services_of

from orderview import logs
from orderview.safetext import visible

if TYPE_CHECKING:
    from textual.app import App
    from textual.theme import Theme


def start(app: App[Any]) -> None:
    """Apply the ``theme`` setting (an unknown name is logged and ignored), then remember
    every later change. Call once the app is running (on mount)."""
    name = getattr(services_of(app).settings, "theme", None)
    if name and name in app.available_themes:
        app.theme = name
    elif name:
        logs.log.warning("unknown theme %s in the settings: ignored", logs.flat(name))
    app.theme_changed_signal.subscribe(app, lambda theme: remember(app, theme))


def remember(app: App[Any], theme: Theme) -> None:
    settings = services_of(app).settings
    path = getattr(app, "config_file", None)
    if path is None or theme.name == getattr(settings, "theme", None):
        return
    # Here, not at the top: its TOML parser is not needed before a theme is picked (start-up).
    from orderview.config_file import ConfigWriteError, write_setting

    try:
        write_setting(Path(path), "theme", theme.name)
    except ConfigWriteError as exc:
        logs.log.warning("theme not remembered: %s", logs.flat(exc))
        app.notify(visible(f"Theme not remembered: {exc}"), severity="warning", markup=False)
        return
    logs.log.info("theme %s written to %s", logs.flat(theme.name), logs.flat(path))
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        services_of(app).settings = dataclasses.replace(settings, theme=theme.name)
    else:
        services_of(app).settings = settings.model_copy(update={"theme": theme.name})
