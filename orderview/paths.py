"""Where orderview keeps its files by default (the user's data and config directories)."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "orderview"


def default_db_path() -> Path:
    """The embedded default: one SQLite file in the user data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "orderview.db"


def default_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"
