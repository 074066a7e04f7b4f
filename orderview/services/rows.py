"""One row by id, as the view the screens get: the one way a read says a row is not there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from orderview.db.engine import Database
from orderview.services.errors import NotFound

ViewT = TypeVar("ViewT")


async def view_by_id(
    db: Database, model: type[Any], row_id: int, view: Callable[[Any], ViewT], missing: str
) -> ViewT:
    """``view`` of the ``model`` row with id ``row_id``; ``NotFound(missing)`` without one."""
    async with db.sessions() as session:
        row = await session.get(model, row_id)
    if row is None:
        raise NotFound(missing)
    return view(row)
