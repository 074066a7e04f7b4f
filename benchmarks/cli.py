"""The command line as scripts use it: whole-process wall time of ``orderview search``,
``show`` and ``export`` on the 100,000-order database, against ``python -c`` with the standard
library's ``sqlite3`` running the same query.

    .venv/bin/python -m benchmarks.cli [--runs 7]

Each figure is a new process, start to exit, output to a pipe (``search``/``show`` with
``--json``; ``export`` to a file): Python's start-up, the imports, settings, the schema check,
the query and the output. The baseline is the floor of any Python script asking the same
question: ``python -c`` importing ``sqlite3`` (and ``json``/``csv``), opening the file, running
an equivalent statement and printing its rows. The two alternate run by run (A B A B).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ORDERS, Figure, bench_main, ensure_sqlite, spread

SEARCH = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
low = sys.argv[2].lower()
rows = conn.execute(
    "SELECT o.id, o.store_id, o.reference, c.company_name, o.created_at, "
    "(SELECT count(*) FROM licenses l WHERE l.order_id = o.id) FROM orders o "
    "LEFT JOIN customers c ON c.id = o.customer_id WHERE o.store_id_lc >= ? AND "
    "o.store_id_lc < ? ORDER BY o.created_at DESC LIMIT 51", (low, low + "\\U0010ffff")).fetchall()
print(json.dumps(rows))
"""
SHOW = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
order = conn.execute(
    "SELECT o.*, c.email, c.company_name FROM orders o LEFT JOIN customers c "
    "ON c.id = o.customer_id WHERE o.store_id = ?", (sys.argv[2],)).fetchone()
licenses = conn.execute(
    "SELECT l.license_key, p.short_code, l.license_type, l.enabled, l.created_at "
    "FROM licenses l JOIN products p ON p.id = l.product_id WHERE l.order_id = ? "
    "ORDER BY l.id LIMIT 100", (order[0],)).fetchall()
print(json.dumps({"order": order, "licenses": licenses}))
"""
EXPORT = """
import csv, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
(oid,) = conn.execute("SELECT id FROM orders WHERE store_id = ?", (sys.argv[2],)).fetchone()
with open(sys.argv[3], "w", newline="") as fh:
    csv.writer(fh).writerows(conn.execute(
        "SELECT o.store_id, o.reference, c.email, c.company_name, p.short_code, "
        "l.license_key, l.license_type, l.enabled, l.max_activations, l.times_activated, "
        "l.validity_period, l.start_date, l.note, l.created_at FROM licenses l "
        "JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id "
        "LEFT JOIN customers c ON c.id = o.customer_id WHERE l.order_id = ? ORDER BY l.id",
        (oid,)))
"""


def wall(argv: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    return time.perf_counter() - began


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERVIEW_")}
    env["ORDERVIEW_OPERATOR"] = "bench"
    return env


def pick(db: Path) -> str:
    """An Order ID with a typical handful of licenses, from the middle of the table."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (store_id,) = conn.execute(
            "SELECT store_id FROM orders WHERE id >= (SELECT max(id) / 2 FROM orders) AND "
            "(SELECT count(*) FROM licenses WHERE order_id = orders.id) BETWEEN 5 AND 20 "
            "ORDER BY id LIMIT 1"
        ).fetchone()
    conn.close()
    return str(store_id)


def figures(args: argparse.Namespace) -> list[Figure]:
    from benchmarks.startup import precompile

    db = ensure_sqlite(args.orders)
    precompile()
    runs = 3 if args.quick else args.runs
    store_id = pick(db)
    out = Path(tempfile.mkdtemp(prefix="orderview-cli-")) / "order.csv"
    app = [sys.executable, "-m", "orderview", "--db", str(db)]
    py = [sys.executable, "-c"]
    cases = {
        "search": ([*app, "search", store_id, "--json"], [*py, SEARCH, str(db), store_id]),
        "show": ([*app, "show", store_id, "--json"], [*py, SHOW, str(db), store_id]),
        "export": (
            [*app, "export", store_id, "-o", str(out), "--force"],
            [*py, EXPORT, str(db), store_id, str(out)],
        ),
    }
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in cases}
    for ours, floor in cases.values():  # warm: page cache and bytecode
        wall(ours)
        wall(floor)
    for _ in range(runs):  # interleaved: A B A B
        for name, (ours, floor) in cases.items():
            times[name][0].append(wall(ours))
            times[name][1].append(wall(floor))
    out.unlink(missing_ok=True)
    out.parent.rmdir()
    figures = []
    for name, (ours, floor) in times.items():
        value, base = statistics.median(ours), statistics.median(floor)
        targeted = name in ("search", "show")
        figures.append(
            Figure(
                name=f"`orderview {name}` as a script runs it (whole process, "
                f"{'--json' if targeted else 'to a file'})",
                value=value,
                shown=spread(ours),
                baseline_name="`python -c`: stdlib sqlite3, the same query, printed"
                if targeted
                else "`python -c`: stdlib sqlite3 + csv, the same rows",
                baseline=base,
                baseline_shown=spread(floor),
                target="≤ 8× baseline" if targeted else "—",
                met=value <= 8 * base if targeted else None,
                notes=f"Order ID {store_id}",
            )
        )
    return figures


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--orders", type=int, default=ORDERS)


if __name__ == "__main__":
    bench_main(__doc__, figures, configure)
