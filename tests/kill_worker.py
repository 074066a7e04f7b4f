"""A process the SIGKILL tests kill half way: issues licenses or deletes an order, saying on
stdout how far it got (tests/test_faults_kill.py).

    python -m tests.kill_worker issue URL ORDER_ID PRODUCT_ID QUANTITY
    python -m tests.kill_worker delete URL ORDER_ID
"""

from __future__ import annotations

import asyncio
import sys

from orderview.db.engine import open_database
from orderview.schemas.issuing import LineInput
from orderview.services import deletion, issuing


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def main(argv: list[str]) -> None:
    action, url, order_id = argv[0], argv[1], int(argv[2])
    db = open_database(url)
    if action == "issue":
        product_id, quantity = int(argv[3]), int(argv[4])

        def progress(done: int, total: int) -> None:
            say(f"progress {done} {total}")  # inside the open transaction

        await issuing.issue_licenses(
            db,
            "killed",
            order_id,
            [LineInput(product_id=product_id, quantity=quantity)],
            progress=progress,
        )
    else:
        preview = await deletion.deletion_preview(db, order_id)
        say("deleting")
        await deletion.delete_order(
            db, "killed", order_id, preview.version, fingerprint=preview.fingerprint
        )
    say("committed")
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
