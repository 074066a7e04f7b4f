"""The light start: what the app's first paint needs, read without the data layer.

Importing SQLAlchemy, pydantic(-settings), aiosqlite, the models, the schemas and the migration
check costs more than a whole bare Textual app, so ``orderview`` (no command) paints the orders
screen from what this module reads with the standard library alone, and opens the data layer
right after the first paint (``orderview.cli.app_cmd``):

- ``read_first_paint_settings``: the settings the first paint uses (database, operator, colours,
  mouse, animations, minimal output), with the precedence of ``orderview.settings``: flags >
  ``ORDERVIEW_*`` environment > TOML file > defaults. Anything it cannot read for certain (a
  missing or malformed file, a value pydantic might read differently) gives ``None``: the
  normal start, whose full validation says what is wrong, exactly as before.
- ``first_page``: the newest orders of a SQLite file, read-only (``mode=ro``), the same rows in
  the same order as ``orderview.services.orders.recent_orders``. A missing file, a database
  whose schema is not current, a lock or any other error gives ``None``: the normal start
  (which creates, upgrades or reports).

Neither Textual nor SQLAlchemy nor pydantic is imported here (``tests/test_quickstart.py``).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

APP_NAME = "orderview"
# The Alembic head (``orderview.db.migrate.HEAD``; a test keeps the two equal): a database at
# another revision takes the normal start, which upgrades it.
SCHEMA_HEAD = "0006_license_filters"
ENV_PREFIX = "orderview_"
COLOR_CHOICES = ("auto", "16", "256", "truecolor")
# pydantic's lax bool from a string (case-insensitive, not stripped).
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


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


class Unsure(Exception):
    """A value the light read cannot interpret exactly as pydantic would: take the normal
    start."""


@dataclass(frozen=True)
class FirstPaintSettings:
    """The settings the first paint uses; the full ``Settings`` replace them once validated."""

    db: str
    operator: str | None
    colors: str = "auto"
    mouse: bool = True
    animations: bool = False
    minimal_output: bool = True
    theme: str | None = None
    ascii: bool | None = None  # None: from the locale


FIELDS = ("db", "operator", "colors", "mouse", "animations", "minimal_output", "theme", "ascii")


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise Unsure(value)


def _str(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise Unsure(value)
    return value


def _color(value: object) -> str:
    if value not in COLOR_CHOICES:
        raise Unsure(value)
    return str(value)


def _operator(value: object) -> str:
    """An operator the full settings would refuse is not the light start's to show."""
    from orderview.identity import operator_problem

    name = _str(value)
    if operator_problem(name.strip()):
        raise Unsure(value)
    return name


_PARSE = {"db": _str, "operator": _operator, "colors": _color, "mouse": _bool,
          "animations": _bool, "minimal_output": _bool, "theme": _str, "ascii": _bool}


def _folded(items: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """Keys matched case-insensitively, as pydantic-settings does (``case_sensitive=False``);
    one field given twice in different cases is ambiguous: unsure."""
    found: dict[str, object] = {}
    for key, value in items.items():
        low = key.lower()
        if not low.startswith(prefix) or low[len(prefix):] not in FIELDS:
            continue
        name = low[len(prefix):]
        if name in found:
            raise Unsure(key)
        found[name] = value
    return found


def _toml(config: str | None) -> dict[str, object]:
    """The TOML file's values for our fields (``--config``, else the user config file)."""
    if config is not None:
        path = Path(config).expanduser()
        if not path.exists():
            raise Unsure(config)  # the normal start says "config file not found"
    else:
        path = default_config_path()
        if not path.exists():
            return {}
    import tomllib

    try:
        with path.open("rb") as fh:
            return _folded(tomllib.load(fh))
    except (OSError, ValueError) as exc:
        raise Unsure(path) from exc


def read_first_paint_settings(
    config: str | None = None, db: str | None = None, operator: str | None = None,
    colors: str | None = None, no_mouse: bool = False,
    environ: Mapping[str, str] | None = None,
) -> FirstPaintSettings | None:
    """The first paint's settings: flags > environment > TOML > defaults; ``None`` when unsure.

    ``db``/``operator``/``colors``/``no_mouse`` are the command-line flags (None: not given)."""
    try:
        values = _toml(config)
        values.update(_folded(os.environ if environ is None else environ, ENV_PREFIX))
        flags = {"db": db, "operator": operator, "colors": colors,
                 "mouse": False if no_mouse else None}
        values.update({k: v for k, v in flags.items() if v is not None})
        parsed: dict[str, Any] = {k: _PARSE[k](v) for k, v in values.items()}
    except Unsure:
        return None
    parsed.setdefault("db", None)
    parsed.setdefault("operator", None)
    if parsed["db"] is None:
        parsed["db"] = str(default_db_path())
    return FirstPaintSettings(**parsed)


# ------------------------------------------------------------------ the first page


# The statement ``recent_orders`` sends (SQLAlchemy's rendering of ``_summary_query()`` ordered
# by (created_at, id) descending), for the first page only. ``tests/test_quickstart.py`` proves
# both give identical rows.
RECENT_ORDERS_SQL = """
SELECT orders.id, orders.store_id, orders.reference, customers.company_name,
       customers.first_name, customers.last_name, customers.email,
       (SELECT count(licenses.id) FROM licenses WHERE licenses.order_id = orders.id)
           AS license_count,
       orders.is_test, orders.is_trial, orders.created_at
FROM orders LEFT OUTER JOIN customers ON customers.id = orders.customer_id
ORDER BY orders.created_at DESC, orders.id DESC
LIMIT ?
"""
# How SQLAlchemy stores a DateTime on SQLite; anything else is not ours to guess.
_STORED_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?\Z")


def _time(value: object) -> datetime:
    if not isinstance(value, str) or not _STORED_TIME.match(value):
        raise Unsure(value)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _flag(value: object) -> bool:
    return bool(value)


class Summary:
    """One row of the orders list: the fields of ``services.views.OrderSummary``, which the
    orders screen reads by name. A plain class: importing ``views`` (seven slotted dataclasses)
    costs the first paint more than reading the rows."""

    __slots__ = ("id", "store_id", "reference", "customer", "license_count", "is_test",
                 "is_trial", "created_at")

    def __init__(self, id: int, store_id: str, reference: str, customer: str,  # noqa: A002
                 license_count: int, is_test: bool, is_trial: bool,
                 created_at: datetime) -> None:
        self.id, self.store_id, self.reference, self.customer = id, store_id, reference, customer
        self.license_count, self.is_test, self.is_trial = license_count, is_test, is_trial
        self.created_at = created_at

    def __repr__(self) -> str:
        return f"Summary({', '.join(f'{k}={getattr(self, k)!r}' for k in self.__slots__)})"


@dataclass(frozen=True)
class FirstPage:
    """Like ``services.views.Page``: the rows, and whether older orders follow."""

    items: list[Summary]
    has_more: bool


def summary(row: tuple[Any, ...]) -> Summary:
    """One ``Summary`` from a row of ``RECENT_ORDERS_SQL`` (as ``services.orders`` builds
    its ``OrderSummary``: company, else name, else email)."""
    (order_id, store_id, reference, company, first, last, email, count, is_test, is_trial,
     created_at) = row
    name = f"{first or ''} {last or ''}".strip()
    return Summary(
        id=order_id, store_id=store_id, reference=reference,
        customer=company or name or (email or ""), license_count=count,
        is_test=_flag(is_test), is_trial=_flag(is_trial), created_at=_time(created_at),
    )


def sqlite_file(db: str) -> Path | None:
    """The file a ``--db`` value names when it is a plain path (URLs take the normal start)."""
    db = db.strip()
    if not db or "://" in db or db == ":memory:":
        return None
    return Path(db).expanduser().resolve()


def first_page(path: Path, limit: int) -> FirstPage | None:
    """The newest ``limit`` orders of the SQLite file at ``path``, or ``None`` when the normal
    start must handle this database (missing, empty, out of date, locked, unreadable)."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=0,
                               check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        if revision != [(SCHEMA_HEAD,)]:
            return None
        rows = conn.execute(RECENT_ORDERS_SQL, (limit + 1,)).fetchall()
        return FirstPage([summary(r) for r in rows[:limit]], has_more=len(rows) > limit)
    except (sqlite3.Error, Unsure, ValueError, TypeError):
        return None
    finally:
        conn.close()
