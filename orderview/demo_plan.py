"""How a demo is cut into tasks, each with its own seeded generator.

Every task draws from ``random.Random(f"{seed}:{what}:{number}")``, never from a generator
shared with another task, so what a task produces depends only on the seed, the order count and
the task: tasks may run in any process, in any order, and the database is the same. The parent
walks the plan once to number the licenses (license ids are given, in order order, so a task
knows its ids without waiting for the ones before it) and to know the total for the progress
line; the walk keeps one chunk's counts at a time, so memory does not grow with ``--orders``.

Tasks, written in this order (foreign keys point only backwards):
- ``customers`` chunks of ``CUSTOMERS_PER_TASK``;
- ``orders`` chunks of ``ORDERS_PER_TASK`` orders with their licenses, devices and manager
  drafts — except the licenses of giant orders, which come as
- ``giant`` pieces of ``LICENSES_PER_PIECE`` licenses right after their chunk, so no task holds
  more than a bounded number of rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from orderview import demo_data as data

ORDERS_PER_TASK = 5_000
CUSTOMERS_PER_TASK = 20_000
LICENSES_PER_PIECE = 25_000
SMALL = (0, 1, 1, 1, 2, 2, 3, 4, 5, 5, 8, 10, 12, 20)
GIANT_CAP = 50_000  # the second-largest orders: tens of thousands of licenses
LARGEST_CAP = 500_000


@dataclass(frozen=True)
class Task:
    kind: str  # "customers" | "orders" | "giant"
    number: int  # chunk number (customers, orders) or the giant order's id
    first_license_id: int = 0  # orders: of its first order; giant: of the order
    piece: int = 0  # giant: which LICENSES_PER_PIECE slice of the order's licenses


def rng_for(seed: int, what: str, number: int) -> random.Random:
    return random.Random(f"{seed}:{what}:{number}")


def customer_count(orders: int) -> int:
    return max(len(data.HOSTILE_CUSTOMERS) + 6, orders * 6 // 10)


def manager_count(orders: int) -> int:
    return max(10, orders // 20)


@lru_cache(maxsize=4)
def giants(seed: int, orders: int) -> dict[int, int]:
    """The giant orders (id → license count): one per 25,000 orders, at least one; the largest
    has half as many licenses as there are orders (at most ``LARGEST_CAP``), the others tens of
    thousands."""
    rng = rng_for(seed, "giants", 0)
    count = max(1, orders // 25_000)
    out = {}
    for n, order_id in enumerate(rng.sample(range(1, orders + 1), count)):
        if n == 0:
            out[order_id] = max(50, min(orders // 2, LARGEST_CAP))
        else:
            low, high = min(orders // 10, GIANT_CAP // 2), min(orders // 4, GIANT_CAP)
            out[order_id] = rng.randint(low, max(low, high))
    return out


def chunk_orders(orders: int, chunk: int) -> range:
    first = chunk * ORDERS_PER_TASK + 1
    return range(first, min(orders, first + ORDERS_PER_TASK - 1) + 1)


def chunk_counts(seed: int, orders: int, chunk: int) -> list[int]:
    """License counts of the chunk's orders: mostly a few, ~1 % tens to hundreds, and the
    giants (≈10 licenses an order on average at any size)."""
    ids = chunk_orders(orders, chunk)
    rng = rng_for(seed, "plan", chunk)
    counts = [SMALL[int(rng.random() * len(SMALL))] for _ in ids]
    for i in rng.sample(range(len(ids)), max(1, len(ids) // 100)):
        counts[i] = rng.randint(20, 600)
    for order_id, count in giants(seed, orders).items():
        if order_id in ids:
            counts[order_id - ids.start] = count
    return counts


def license_count_plan(seed: int, orders: int) -> list[int]:
    """Every order's license count (for tests and estimates: the demo itself walks chunks)."""
    plan: list[int] = []
    for chunk in range(chunk_total(orders)):
        plan += chunk_counts(seed, orders, chunk)
    return plan


def chunk_total(orders: int) -> int:
    return -(-orders // ORDERS_PER_TASK)


def tasks(seed: int, orders: int) -> tuple[list[Task], int]:
    """Every task in write order, and the number of licenses."""
    out = [Task("customers", k) for k in range(-(-customer_count(orders) // CUSTOMERS_PER_TASK))]
    big = giants(seed, orders)
    next_id = 1
    for chunk in range(chunk_total(orders)):
        out.append(Task("orders", chunk, next_id))
        ids = chunk_orders(orders, chunk)
        for order_id, count in zip(ids, chunk_counts(seed, orders, chunk), strict=True):
            if order_id in big:
                out += [
                    Task("giant", order_id, next_id, piece)
                    for piece in range(-(-count // LICENSES_PER_PIECE))
                ]
            next_id += count
    return out, next_id - 1


def customer_ids(orders: int, chunk: int) -> range:
    first = chunk * CUSTOMERS_PER_TASK + 1
    return range(first, min(customer_count(orders), first + CUSTOMERS_PER_TASK - 1) + 1)


def hostile_orders(orders: int) -> dict[int, int]:
    """The newest orders belong to the hostile customers, so the home screen shows them."""
    return {
        orders - 3 * i: i + 1 for i in range(len(data.HOSTILE_CUSTOMERS)) if orders - 3 * i >= 1
    }


def pieces(count: int) -> Iterator[range]:
    for start in range(0, count, LICENSES_PER_PIECE):
        yield range(start, min(count, start + LICENSES_PER_PIECE))
