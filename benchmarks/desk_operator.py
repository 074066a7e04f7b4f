"""One simulated desk operator for ``make bench-desk``: a person working through the service
layer, with the same calls the screens make for each of their actions.

The think-time model (seconds; every pause is drawn uniformly from its range and multiplied by
``Plan.think``, 1.0 being a person's pace and 0 a writer with no pauses at all):

- search: the orders screen's ``orders.search_orders(text, limit=50)`` for one order's Order ID,
  reference, customer email or license key (read the results for 1–3 s);
- open order: the order screen's ``orders.get_order`` + ``orders.page_licenses(limit=100)``
  (look at it for 1–3 s);
- page licenses: the Licenses tab's ``license_query.page_filtered`` (+ ``count_filtered`` for
  the first window), 1–3 pages, 0.5–2 s apiece;
- save edit (40% of the rounds on a shared "hot" order, 15% on any other): the edit dialog is
  open 2–6 s (typing), then ``order_edit.update_order`` with the version read when the order was
  opened. The new reference is derived from the one read (``DESK-<n>`` becomes ``DESK-<n+1>``),
  so an update lost behind another one shows in the audit trail (``desk_check``). A conflict is
  shown as the dialog shows it: the operator reloads (``orders.get_order``), waits 1–2 s and
  saves once more from the fresh value; a second conflict is given up;
- issue licenses (15% of the rounds): ``issuing.issue_licenses`` of 1–5 keys of a key-based
  product with its default policy;
- export (8% of the rounds): ``export.export_to_file`` of the order's CSV;
- then 2–5 s before the next search.

An operator's first round does every action once (so even a short run measures each of them);
each operator starts after a random 0–5 s, so the desk does not move in step.

A fifth of the rounds work on one of a few "hot" orders every operator of the run shares (a
customer on the phone with two people at once), so conflicts happen. ``writers_only`` rounds
skip the reads a person does around a save (open, save, issue, over and over): the SQLite
series uses them to find where writers start to wait past SQLite's busy timeout.
"""

from __future__ import annotations

import asyncio
import random
import re
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from orderview import export
from orderview.db.engine import SQLITE_BUSY_TIMEOUT_MS, open_database
from orderview.roles import Actor
from orderview.schemas.issuing import LineInput
from orderview.services import issuing, order_edit, orders
from orderview.services import license_query as lq
from orderview.services.errors import ConflictError, DatabaseUnavailable
from orderview.services.views import OrderDetail

READS = ("search", "open order", "page licenses")
WRITES = ("save edit", "issue licenses")
ACTIONS = (*READS, *WRITES, "export")
SEARCH_PAGE = 50  # screens/orders.py PAGE
LICENSE_PAGE = 100  # screens/order_tabs/licenses.py PAGE
KINDS = ("Order ID", "reference", "customer email", "license key")
HOT_SHARE = 0.2
EDIT_HOT, EDIT_OTHER, ISSUE, EXPORT = 0.4, 0.15, 0.15, 0.08
PAUSES = {
    "results": (1.0, 3.0),
    "order": (1.0, 3.0),
    "page": (0.5, 2.0),
    "typing": (2.0, 6.0),
    "reload": (1.0, 2.0),
    "next": (2.0, 5.0),
}
_COUNTER = re.compile(r"^DESK-(\d+)$")


@dataclass
class Plan:
    """What every worker is given (picklable): the database, the data to work on, the clock."""

    url: str
    seconds: float
    start_at: float  # time.time() at which every operator starts
    samples: list[dict[str, Any]]  # orders with their four searchable texts (benchmarks.search)
    hot: list[int]  # sample indexes of the orders every operator shares
    products: list[tuple[int, int]]  # (key-based product, its default policy)
    think: float = 1.0
    writers_only: bool = False


@dataclass
class Tally:
    """One operator's (or, merged, a worker's) results."""

    times: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    conflicts: int = 0
    saves: int = 0
    issued: int = 0
    locked: int = 0  # SQLite: "database is locked" (the busy timeout passed)
    over_timeout: int = 0  # a write that waited longer than the busy timeout
    errors: list[str] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        for action, values in other.times.items():
            self.times.setdefault(action, []).extend(values)
        self.conflicts += other.conflicts
        self.saves += other.saves
        self.issued += other.issued
        self.locked += other.locked
        self.over_timeout += other.over_timeout
        self.errors.extend(other.errors)


def next_reference(read: str) -> str:
    """The value a save writes, derived from the value the operator read."""
    found = _COUNTER.match(read or "")
    return f"DESK-{int(found.group(1)) + 1 if found else 1}"


class Operator:
    """One person: their own actor (operator role) and their own engine and pool."""

    def __init__(self, name: str, plan: Plan, seed: int, export_dir: str) -> None:
        self.actor = Actor(name, "operator")
        self.plan = plan
        self.rnd = random.Random(seed)
        self.tally = Tally()
        self.export_path = f"{export_dir}/{name}.csv"
        self.db = open_database(plan.url)
        self.deadline = 0.0
        self.rounds = 0

    async def pause(self, kind: str) -> None:
        lo, hi = PAUSES[kind]
        wait = self.rnd.uniform(lo, hi) * self.plan.think
        wait = min(wait, max(0.0, self.deadline - time.monotonic()))
        if wait > 0:
            await asyncio.sleep(wait)

    async def timed(self, action: str, call: Any) -> Any:
        began = time.perf_counter()
        try:
            result = await call
        except DatabaseUnavailable as exc:
            if "locked" in str(exc):
                self.tally.locked += 1
            raise
        finally:
            took = time.perf_counter() - began
            if action in WRITES and took * 1000 > SQLITE_BUSY_TIMEOUT_MS:
                self.tally.over_timeout += 1
        self.tally.times[action].append(took)
        return result

    async def run(self) -> Tally:
        """Work until the plan's time is up (an action begun before then is finished)."""
        # Start the app: its orders screen shows the newest orders (connects the pool).
        await orders.recent_orders(self.db, limit=SEARCH_PAGE)
        delay = self.plan.start_at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        self.deadline = time.monotonic() + self.plan.seconds
        await asyncio.sleep(self.rnd.uniform(0, PAUSES["next"][1] * self.plan.think))
        while time.monotonic() < self.deadline:
            try:
                await (self.write_round() if self.plan.writers_only else self.round())
            except Exception as exc:  # counted, shown in the report; the desk goes on
                self.tally.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        return self.tally

    def pick(self) -> tuple[dict[str, Any], bool]:
        if self.plan.hot and self.rnd.random() < HOT_SHARE:
            return self.plan.samples[self.rnd.choice(self.plan.hot)], True
        return self.rnd.choice(self.plan.samples), False

    async def open(self, order_id: int) -> OrderDetail:
        detail = await orders.get_order(self.db, order_id)
        await orders.page_licenses(self.db, order_id, limit=LICENSE_PAGE)
        return detail

    async def round(self) -> None:
        first, self.rounds = self.rounds == 0, self.rounds + 1
        sample, hot = self.pick()
        kind = self.rnd.choice(KINDS)
        await self.timed(
            "search", orders.search_orders(self.db, str(sample[kind]), limit=SEARCH_PAGE)
        )
        await self.pause("results")
        detail = await self.timed("open order", self.open(sample["id"]))
        await self.pause("order")
        await self.page_licenses(detail.id, self.rnd.randint(1, 3))
        if first or self.rnd.random() < (EDIT_HOT if hot else EDIT_OTHER):
            await self.pause("typing")
            await self.save(detail)
        if first or self.rnd.random() < ISSUE:
            await self.issue(detail.id)
        if first or self.rnd.random() < EXPORT:
            await self.timed(
                "export",
                export.export_to_file(
                    self.db, detail.id, self.export_path, overwrite=True, actor=self.actor
                ),
            )
        await self.pause("next")

    async def write_round(self) -> None:
        sample, _ = self.pick()
        detail = await orders.get_order(self.db, sample["id"])
        await self.save(detail)
        await self.issue(detail.id)
        await self.pause("next")

    async def page_licenses(self, order_id: int, pages: int) -> None:
        everything = lq.LicenseFilter()
        after: lq.Cursor | None = None
        for number in range(pages):
            page = await self.timed(
                "page licenses", self.license_window(order_id, everything, after, number == 0)
            )
            if not page.has_more or not page.cursors:
                return
            after = page.cursors[-1]
            await self.pause("page")

    async def license_window(
        self, order_id: int, flt: lq.LicenseFilter, after: lq.Cursor | None, first: bool
    ) -> lq.FilteredPage:
        page = await lq.page_filtered(self.db, order_id, flt, after=after, limit=LICENSE_PAGE)
        if first:  # the window's "of N" the tab shows
            await lq.count_filtered(self.db, order_id, flt)
        return page

    async def save(self, detail: OrderDetail) -> None:
        """Save a reference derived from the one read; after a conflict reload and save once
        more from the fresh value, as the edit dialog lets an operator do."""
        for attempt in range(2):
            change = {"reference": next_reference(detail.reference)}
            try:
                await self.timed(
                    "save edit",
                    order_edit.update_order(self.db, self.actor, detail.id, detail.version, change),
                )
            except ConflictError:
                self.tally.conflicts += 1
                if attempt == 1:
                    return
                detail = await orders.get_order(self.db, detail.id)
                await self.pause("reload")
                continue
            self.tally.saves += 1
            return

    async def issue(self, order_id: int) -> None:
        product_id, policy_id = self.rnd.choice(self.plan.products)
        quantity = self.rnd.randint(1, 5)
        line = LineInput(product_id=product_id, policy_id=policy_id, quantity=quantity)
        await self.timed(
            "issue licenses", issuing.issue_licenses(self.db, self.actor, order_id, [line])
        )
        self.tally.issued += quantity


async def run_operators(plan: Plan, names: list[str], seed: int) -> Tally:
    """These operators at once, each as its own asyncio task; their tallies merged."""
    with tempfile.TemporaryDirectory(prefix="orderview-desk-") as folder:
        operators = [Operator(name, plan, seed * 1000 + i, folder) for i, name in enumerate(names)]
        try:
            tallies = await asyncio.gather(*(op.run() for op in operators))
        finally:
            for op in operators:
                await op.db.dispose()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total
