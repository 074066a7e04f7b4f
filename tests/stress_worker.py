"""One operator process of the many-operators stress test (tests/test_stress_operators.py).

For a fixed time it edits the same few orders and customers as every other operator (saving
with the version it loaded, reloading and retrying after a conflict, as the dialogs let an
operator do), issues licenses and adds license managers. At the end it prints one JSON document:
every successful write (entity, id, resulting version, value written), every conflict it was
told about, and what it issued and added.

    python -m tests.stress_worker URL OPERATOR SECONDS SEED ORDER_IDS CUSTOMER_IDS PRODUCT_ID
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

from orderview.db.engine import open_database
from orderview.schemas.issuing import LineInput
from orderview.services import customers, issuing, managers, order_edit, orders
from orderview.services.errors import ConflictError, FieldErrors
from orderview.settings import Settings

RETRIES = 5


async def run(
    url: str,
    operator: str,
    seconds: float,
    seed: int,
    order_ids: list[int],
    customer_ids: list[int],
    product_id: int,
) -> dict[str, Any]:
    rnd = random.Random(seed)
    db = open_database(url)
    conf = Settings(db=url, plan="enterprise")
    out: dict[str, Any] = {
        "operator": operator,
        "writes": [],
        "conflicts": 0,
        "conflicts_named": 0,
        "issued": 0,
        "issue_calls": 0,
        "managers": 0,
        "refused": 0,
        "keys": [],
    }
    deadline = time.monotonic() + seconds
    n = 0
    try:
        while time.monotonic() < deadline:
            n += 1
            roll = rnd.random()
            if roll < 0.45:
                oid = rnd.choice(order_ids)
                value = f"{operator}-{n}"
                for _ in range(RETRIES):
                    loaded = await orders.get_order(db, oid)
                    await asyncio.sleep(rnd.random() * 0.03)  # the operator types
                    try:
                        detail = await order_edit.update_order(
                            db, operator, oid, loaded.version, {"reference": value}
                        )
                    except ConflictError as exc:
                        out["conflicts"] += 1
                        out["conflicts_named"] += bool(exc.changes)
                        continue
                    # update_order re-reads the order after its commit, so another desk's
                    # next save may already show; this save made loaded.version + 1.
                    assert detail.version > loaded.version
                    out["writes"].append(["order", oid, loaded.version + 1, value, loaded.version])
                    break
            elif roll < 0.75:
                cid = rnd.choice(customer_ids)
                value = f"{operator}-{n}"
                for _ in range(RETRIES):
                    loaded_c = await customers.get_customer(db, cid)
                    await asyncio.sleep(rnd.random() * 0.03)
                    try:
                        view = await customers.update_customer(
                            db, operator, cid, loaded_c.version, {"city": value}
                        )
                    except ConflictError as exc:
                        out["conflicts"] += 1
                        out["conflicts_named"] += bool(exc.changes)
                        continue
                    out["writes"].append(["customer", cid, view.version, value, loaded_c.version])
                    break
            elif roll < 0.92:
                quantity = rnd.randint(1, 25)
                result = await issuing.issue_licenses(
                    db,
                    operator,
                    rnd.choice(order_ids),
                    [LineInput(product_id=product_id, quantity=quantity)],
                )
                out["issued"] += result.total
                out["issue_calls"] += 1
                out["keys"] += result.identities
            else:
                shared = rnd.random() < 0.3  # the same person added by several desks
                email = f"shared{n % 3}@example.com" if shared else f"{operator}.{n}@example.com"
                try:
                    await managers.add_manager(
                        db,
                        conf,
                        rnd.choice(order_ids),
                        {"email": email, "send_invite": False},
                        actor=operator,
                    )
                    out["managers"] += 1
                except FieldErrors:
                    out["refused"] += 1  # already a manager of that order: said so
    finally:
        await db.dispose()
    return out


def main(argv: list[str]) -> None:
    url, operator, seconds, seed = argv[0], argv[1], float(argv[2]), int(argv[3])
    order_ids = [int(x) for x in argv[4].split(",")]
    customer_ids = [int(x) for x in argv[5].split(",")]
    result = asyncio.run(run(url, operator, seconds, seed, order_ids, customer_ids, int(argv[6])))
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
