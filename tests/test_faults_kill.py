"""SIGKILL in the middle of issuing 10,000 licenses or deleting a large order, in a subprocess:
afterwards the database holds all of it or none of it, and its audit trail agrees."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from orderview.db.engine import Database
from orderview.db.models import AuditEvent, License, Order
from orderview.schemas.issuing import LineInput
from orderview.services import issuing
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent


def start(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.kill_worker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def kill_after(proc: subprocess.Popen[str], marker: str, delay: float = 0.0) -> list[str]:
    """Read lines until ``marker`` appears, wait ``delay``, SIGKILL; returns what was said."""
    seen: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line.strip())
        if line.startswith(marker):
            break
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    seen += [line.strip() for line in proc.stdout]
    return seen


async def counts(db: Database, order_id: int) -> tuple[int, int, int]:
    """(licenses of the order, orders with that id, audit events by the killed process)."""
    async with db.sessions() as s:
        licenses = await s.scalar(
            select(func.count(License.id)).where(License.order_id == order_id)
        )
        order = await s.scalar(select(func.count(Order.id)).where(Order.id == order_id))
        events = await s.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.operator == "killed")
        )
    return int(licenses or 0), int(order or 0), int(events or 0)


def url_of(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


async def test_sigkill_while_issuing_10000_licenses(db: Database) -> None:
    product_id, _ = await f.add_product(db, "APP")
    order_id = await f.add_order(db, "ORD-KILL")
    await db.dispose()  # the child must be the only writer
    proc = start("issue", url_of(db), str(order_id), str(product_id), "10000")
    said = kill_after(proc, "progress 2000")  # the first chunk is in, 8,000 to go
    assert proc.returncode == -signal.SIGKILL
    assert "committed" not in said
    assert await counts(db, order_id) == (0, 1, 0)  # none of it
    # The same action afterwards succeeds, whole.
    result = await issuing.issue_licenses(
        db, "killed", order_id, [LineInput(product_id=product_id, quantity=10000)]
    )
    assert result.total == 10000
    assert await counts(db, order_id) == (10000, 1, 1)


async def test_sigkill_while_deleting_a_large_order(db: Database) -> None:
    product_id, _ = await f.add_product(db, "APP")
    outcomes = []
    for attempt, delay in enumerate((0.0, 0.05)):
        order_id = await f.add_order(db, f"ORD-BIG-{attempt}")
        await issuing.issue_licenses(
            db, "seed", order_id, [LineInput(product_id=product_id, quantity=10000)]
        )
        await db.dispose()
        before = (await counts(db, order_id))[2]
        proc = start("delete", url_of(db), str(order_id))
        said = kill_after(proc, "deleting", delay)
        licenses, order, events = await counts(db, order_id)
        if "committed" in said or order == 0:
            assert (licenses, order, events - before) == (0, 0, 1)  # all of it, audited
            outcomes.append("deleted")
        else:
            assert (licenses, order, events - before) == (10000, 1, 0)  # none of it
            outcomes.append("intact")
    assert "intact" in outcomes  # at least one kill landed inside the transaction
