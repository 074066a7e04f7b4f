"""What the property tests over services share: hostile text strategies and a harness that
owns one event loop and one seeded database, so an example costs a service call, not an engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from orderview.db.engine import Database, open_database
from orderview.db.models import AuditEvent
from orderview.services.errors import ConflictError, FieldErrors, NotFound, PermissionDenied
from tests import factories as f
from tests.conftest import _truncate_pg
from tests.hostile_corpus import STRINGS

T = TypeVar("T")
EXPECTED = (FieldErrors, PermissionDenied, ConflictError, NotFound)

# NUL (PostgreSQL refuses it), a lone surrogate (what non-UTF-8 command-line bytes become) and
# ESC: the characters that got past the schemas into the database driver before.
HARD = ["nul\x00byte", "sur\udcffrogate", "esc\x1b[2J"]

texts = st.one_of(
    st.sampled_from(STRINGS + HARD),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2070), max_size=20),
)
scalars = st.one_of(texts, st.none(), st.booleans(), st.integers(-3, 10**6))
emails = st.one_of(
    st.emails().map(str),
    st.sampled_from(["ada@example.com", "ADA@EXAMPLE.COM", "x@bücher.de", "bad@", "a@b.cd"]),
    texts,
)


class Harness:
    """One loop, one database, seeded with an order, a customer and a product."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.db: Database = open_database(url)
        if self.db.dialect == "postgresql":
            self.run(_truncate_pg(self.db))
        self.product_id, self.policy_id = self.run(f.add_product(self.db, "APP"))
        self.user_product_id, _ = self.run(f.add_product(self.db, "SEAT", "Seat", "user"))
        self.customer_id = self.run(f.add_customer(self.db))
        self.order_id = self.run(f.add_order(self.db, "ORD-P", customer_id=self.customer_id))

    def run(self, coro: Awaitable[T]) -> T:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.run(self.db.dispose())
        self.loop.close()

    def audit_count(self) -> int:
        async def count() -> int:
            async with self.db.sessions() as s:
                return int(await s.scalar(select(func.count(AuditEvent.id))) or 0)

        return self.run(count())

    def attempt(self, call: Callable[[], Awaitable[T]]) -> tuple[T | None, Exception | None]:
        """Run one service call; an expected refusal must leave the audit trail untouched."""
        before = self.audit_count()
        try:
            return self.run(call()), None
        except EXPECTED as exc:
            assert str(exc).strip()
            assert self.audit_count() == before, "a refused write left an audit event"
            return None, exc


@contextmanager
def harness(url: str) -> Iterator[Harness]:
    h = Harness(url)
    try:
        yield h
    finally:
        h.close()


def prop(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
