"""Many operators: several processes edit the same few orders and customers, issue licenses
and add license managers at once, for a fixed time, on one database (SQLite file and PostgreSQL).

Afterwards: no lost update (the audit chain of every order and customer is exactly the
successful saves, each one made from the version just before it, and the stored value is the
last save's), every conflict was reported to its operator naming who changed what, license
keys are unique and all accounted for, and the audit events match the successful writes one to
one. The figures are printed (run with ``-s``) and recorded in docs/robustness.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from orderview.db.engine import Database
from orderview.db.models import AuditEvent, Customer, License, Order
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
OPERATORS = 4
SECONDS = 5.0


def launch(
    url: str, order_ids: list[int], customer_ids: list[int], product_id: int
) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.stress_worker",
                url,
                f"op{i}",
                str(SECONDS),
                str(i),
                ",".join(map(str, order_ids)),
                ",".join(map(str, customer_ids)),
                str(product_id),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(OPERATORS)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=SECONDS + 60)
        assert proc.returncode == 0, err[-3000:]  # no operator died of an unexpected error
        results.append(json.loads(out))
    return results


async def audit_chain(db: Database, entity: str, entity_id: int) -> list[AuditEvent]:
    async with db.sessions() as s:
        return list(
            await s.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.entity == entity,
                    AuditEvent.entity_id == entity_id,
                    AuditEvent.action == "updated",
                )
                .order_by(AuditEvent.entity_version)
            )
        )


def check_chain(
    events: list[AuditEvent], writes: list[list[Any]], field: str, initial: str, stored: str
) -> None:
    """The successful saves of one row are exactly its audit chain, each built on the one
    before (``loaded == version - 1``: it saw every earlier save), and the row holds the last."""
    by_version = {w[2]: w for w in writes}
    assert len(by_version) == len(writes), "two saves were made from the same version"
    assert [e.entity_version for e in events] == sorted(by_version)
    assert sorted(by_version) == list(range(2, len(writes) + 2))  # no gap, no lost save
    previous = initial
    for event in events:
        _, _, version, value, loaded = by_version[event.entity_version]
        assert loaded == version - 1
        assert event.changes == {field: [previous, value]}  # it overwrote what it had seen
        previous = value
    assert stored == previous


async def test_many_operators(db: Database) -> None:
    product_id, _ = await f.add_product(db, "APP")
    customer_ids = [await f.add_customer(db, email=f"c{i}@example.com", city="") for i in range(2)]
    order_ids = [
        await f.add_order(db, f"ORD-S{i}", customer_id=customer_ids[i % 2]) for i in range(3)
    ]
    await db.dispose()
    started = time.monotonic()
    results = launch(
        db.url.render_as_string(hide_password=False), order_ids, customer_ids, product_id
    )
    elapsed = time.monotonic() - started

    writes: dict[tuple[str, int], list[list[Any]]] = defaultdict(list)
    for r in results:
        for w in r["writes"]:
            writes[(w[0], w[1])].append(w)
    async with db.sessions() as s:
        stored_orders = {o.id: o.reference for o in await s.scalars(select(Order))}
        stored_cities = {c.id: c.city for c in await s.scalars(select(Customer))}
        license_count = await s.scalar(select(func.count(License.id)))
        distinct_keys = await s.scalar(select(func.count(func.distinct(License.license_key))))
        rows = (
            await s.execute(
                select(AuditEvent.entity, AuditEvent.action, func.count(AuditEvent.id)).group_by(
                    AuditEvent.entity, AuditEvent.action
                )
            )
        ).all()
    by_action = {(entity, action): n for entity, action, n in rows}
    for oid in order_ids:
        check_chain(
            await audit_chain(db, "order", oid),
            writes[("order", oid)],
            "reference",
            "",
            stored_orders[oid],
        )
    for cid in customer_ids:
        check_chain(
            await audit_chain(db, "customer", cid),
            writes[("customer", cid)],
            "city",
            "",
            stored_cities[cid],
        )

    conflicts = sum(r["conflicts"] for r in results)
    assert conflicts == sum(r["conflicts_named"] for r in results)  # each named who and what
    issued = sum(r["issued"] for r in results)
    keys = [k for r in results for k in r["keys"]]
    assert license_count == issued == len(keys) == len(set(keys)) == distinct_keys
    edits = sum(len(v) for v in writes.values())
    issues = sum(r["issue_calls"] for r in results)
    added = sum(r["managers"] for r in results)
    assert (
        by_action.get(("order", "updated"), 0) + by_action.get(("customer", "updated"), 0) == edits
    )
    assert by_action.get(("order", "issued"), 0) == issues
    assert (
        by_action.get(("order_manager", "created"), 0)
        + by_action.get(("order_manager", "linked"), 0)
    ) == added
    total = edits + issues + added
    assert edits > 20 and conflicts > 0 and issues > 0 and added > 0  # it was a real contest
    print(
        f"\n[{db.dialect}] {OPERATORS} operators × {SECONDS:.0f} s: {total} writes "
        f"({edits} edits, {issues} issues = {issued} licenses, {added} managers added, "
        f"{sum(r['refused'] for r in results)} refused as duplicates), {conflicts} conflicts "
        f"reported; {total / SECONDS:.0f} writes/s, {issued / SECONDS:.0f} licenses/s; "
        f"wall {elapsed:.1f} s"
    )
