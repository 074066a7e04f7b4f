"""Where orderview keeps its files by default (the user's data and config directories)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "orderview"


def default_db_path() -> Path:
    """The embedded default: one SQLite file in the user data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "orderview.db"


def default_config_path() -> Path:
    """``ORDERVIEW_CONFIG`` if set (the file need not exist yet), else ``config.toml`` in the
    user config directory."""
    named = os.environ.get("ORDERVIEW_CONFIG")
    if named:
        return Path(named).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"
