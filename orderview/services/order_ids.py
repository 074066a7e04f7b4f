"""Order IDs: generated when none is given, and one Order ID whatever its case (a unique index
on ``orders.store_id_lc``, docs/invariants.md 11): ``MY-ORDER-1`` and ``my-order-1`` are the
same order, so a second one is refused with the Order ID that holds it."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderview.db.engine import Database
from orderview.db.models import Order
from orderview.keys import ALPHABET
from orderview.services.normalize import lc, unfindable


def generate_store_id(today: datetime | None = None) -> str:
    """``ORD-YYYYMMDD-XXXXXX``: sortable by day, 30 random bits (unambiguous alphabet)."""
    day = (today or datetime.now(UTC)).strftime("%Y%m%d")
    suffix = "".join(ALPHABET[b % 32] for b in os.urandom(6))
    return f"ORD-{day}-{suffix}"


async def store_id_holder(session: AsyncSession, store_id: str) -> str | None:
    """The Order ID already held that equals ``store_id`` ignoring case (None: it is free)."""
    return await session.scalar(select(Order.store_id).where(Order.store_id_lc == lc(store_id)))


def store_id_taken_message(held: str) -> str:
    return f"order {held} exists (Order IDs ignore case): choose another Order ID"


async def order_id_problem(db: Database, store_id: str) -> str | None:
    """Why a new order cannot take this Order ID (None: it can, for now): the wizard says so
    on its New order step, before the operator goes on; ``create_order`` checks again."""
    if not store_id.strip() or unfindable(store_id, db.dialect):
        return None  # generated, or refused by the schema with its own message
    async with db.sessions() as session:
        held = await store_id_holder(session, store_id)
    return store_id_taken_message(held) if held is not None else None


async def store_id_taken(session: AsyncSession, store_id: str) -> bool:
    return await store_id_holder(session, store_id) is not None
