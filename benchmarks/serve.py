"""``make bench-serve``: N operators at once on one ``orderview serve`` (N = 1, 10, 20).

Each simulated operator is an asyncssh client with an 80×24 pty that works the way a person
does: types an Order ID into the search box a key at a time, opens the order, switches to the
Licenses tab, moves down the table, goes back; with a short pause between keys. Reported per N:

- key-to-echo: from writing one key to the first byte of the screen's answer (p50 / p95);
- server CPU: the CPU time of the server, its zygote and every session process, per second;
- memory per added session: the growth of the summed PSS (``/proc/*/smaps_rollup``) of those
  processes, divided by N, next to the PSS of one plain ``orderview`` process started the
  ordinary way (the baseline a fork from the pre-imported zygote has to beat);
- bytes per session sent over SSH while working.

Targets (issue 20): p95 key-to-echo ≤ 50 ms at 20 sessions; ≤ 40 MB PSS per added session.
The block between the ``bench-serve`` markers of docs/benchmarks.md is rewritten.

    .venv/bin/python -m benchmarks.serve [--sessions 1 10 20] [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncssh

from benchmarks.common import machine, write_block

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench-serve:begin (written by make bench-serve) -->", "<!-- bench-serve:end -->"
THINK = 0.2  # seconds between keys: a steady typist (5 keys a second)
QUIET = 0.03  # the screen must be quiet this long before the next key is timed


def tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in (p.name for p in Path("/proc").iterdir()):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
        total += int(found.group(1)) if found else 0
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class Operator:
    """One simulated operator on an SSH pty."""

    def __init__(self, process: asyncssh.SSHClientProcess[bytes]) -> None:
        self.process = process
        self.received = 0
        self.last = time.perf_counter()
        self.buffer = bytearray()
        self.arrived = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            data = await self.process.stdout.read(65536)
            if not data:
                return
            self.received += len(data)
            self.buffer += data
            self.last = time.perf_counter()
            self.arrived.set()

    async def until(self, needle: bytes, timeout: float = 60.0) -> None:
        deadline = time.perf_counter() + timeout
        while needle not in self.buffer:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{needle!r} never arrived")
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), timeout)

    async def quiet(self) -> None:
        while time.perf_counter() - self.last < QUIET:
            await asyncio.sleep(QUIET)

    async def key(self, data: bytes) -> float:
        await self.quiet()
        self.arrived.clear()
        began = time.perf_counter()
        self.process.stdin.write(data)
        await asyncio.wait_for(self.arrived.wait(), 10)
        return time.perf_counter() - began


async def work(op: Operator, store_id: str, rounds: int) -> list[float]:
    times: list[float] = []
    for _ in range(rounds):
        for char in store_id:
            times.append(await op.key(char.encode()))
            await asyncio.sleep(THINK)
        times.append(await op.key(b"\r"))  # open the order
        await asyncio.sleep(THINK * 3)
        times.append(await op.key(b"3"))  # Licenses tab
        await asyncio.sleep(THINK)
        for _ in range(5):
            times.append(await op.key(b"\x1b[B"))  # down
            await asyncio.sleep(THINK)
        times.append(await op.key(b"\x1b"))  # back to the orders
        await asyncio.sleep(THINK * 3)
        for _ in store_id:
            times.append(await op.key(b"\x7f"))  # clear the search box
            await asyncio.sleep(THINK)
    return times


def plain_app_pss(db: Path) -> float:
    """PSS of one ``orderview`` started the ordinary way on a pty, once it has painted."""
    master, slave = os.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen(
        [sys.executable, "-m", "orderview", "--db", str(db)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    seen, deadline = bytearray(), time.monotonic() + 60
    while b"Order ID" not in seen and time.monotonic() < deadline:
        seen += os.read(master, 65536)
    time.sleep(1.0)
    try:
        return pss_mb(tree(proc.pid))
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


async def measure(
    port: int,
    server_pid: int,
    keys: list[asyncssh.SSHKey],
    store_ids: list[str],
    n: int,
    rounds: int,
) -> dict[str, float]:
    before = pss_mb(tree(server_pid))
    conns, ops = [], []
    for i in range(n):
        conn = await asyncssh.connect(
            "127.0.0.1", port, username=f"op{i}", client_keys=[keys[i]], known_hosts=None
        )
        process = await conn.create_process(
            term_type="xterm-256color", term_size=(80, 24), encoding=None
        )
        conns.append(conn)
        ops.append(Operator(process))
    await asyncio.gather(*(op.until(b"Order ID") for op in ops))
    await asyncio.sleep(1.5)
    after = pss_mb(tree(server_pid))
    start_bytes = [op.received for op in ops]
    cpu0, wall0 = cpu_seconds(tree(server_pid)), time.perf_counter()
    results = await asyncio.gather(
        *(work(op, store_ids[i % len(store_ids)], rounds) for i, op in enumerate(ops))
    )
    cpu = (cpu_seconds(tree(server_pid)) - cpu0) / (time.perf_counter() - wall0)
    sent = statistics.mean(op.received - b for op, b in zip(ops, start_bytes, strict=True))
    for conn in conns:
        conn.close()
    await asyncio.sleep(2)
    times = sorted(t for result in results for t in result)
    return {
        "n": n,
        "p50": statistics.median(times) * 1000,
        "p95": times[int(len(times) * 0.95) - 1] * 1000,
        "keys": len(times),
        "cpu": cpu,
        "pss_per_session": (after - before) / n,
        "pss_server": before,
        "bytes": sent,
    }


def _setup(folder: Path, count: int) -> tuple[Path, Path, list[asyncssh.SSHKey], list[str]]:
    db = folder / "serve-bench.db"
    subprocess.run(
        [sys.executable, "-m", "orderview", "demo", "--db", str(db), "--orders", "2000"],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    keys = [asyncssh.generate_private_key("ssh-ed25519") for _ in range(count)]
    lines = []
    for i, key in enumerate(keys):
        public = key.export_public_key().decode().strip()
        lines += [f"[operators.op{i}]", 'role = "operator"', f'keys = ["{public}"]']
    operators = folder / "operators.toml"
    operators.write_text("\n".join(lines) + "\n")
    import sqlite3

    with sqlite3.connect(db) as conn:
        ids = [
            r[0]
            for r in conn.execute(  # with rows enough to move down through
                "SELECT o.store_id FROM orders o JOIN licenses l ON l.order_id = o.id "
                "GROUP BY o.id HAVING count(*) >= 10 ORDER BY o.id DESC LIMIT 40"
            ).fetchall()
        ]
    return db, operators, keys, ids


async def run(sessions: list[int], rounds: int) -> tuple[list[dict[str, float]], float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db, operators, keys, store_ids = _setup(folder, max(sessions))
        baseline = plain_app_pss(db)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERVIEW_", "TEXTUAL"))}
        env.update(ORDERVIEW_DB=str(db), ORDERVIEW_SERVE_MAX_SESSIONS_PER_OPERATOR="5")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orderview",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--operators",
                str(operators),
                "--host-key",
                str(folder / "host_key"),
            ],
            env=env,
            cwd=ROOT,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
        )
        assert server.stderr is not None
        port = 0
        while not port:
            line = await asyncio.to_thread(server.stderr.readline)
            if not line:
                raise RuntimeError("the server ended before listening")
            found = re.search(rb"listening on 127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else 0
        # Keep the pipe drained (a task held by a name: the loop keeps only a weak reference).
        drain = asyncio.create_task(asyncio.to_thread(server.stderr.read))
        try:
            rows = [await measure(port, server.pid, keys, store_ids, n, rounds) for n in sessions]
        finally:
            server.terminate()
            server.wait(30)
            drain.cancel()  # as asyncio.run would at its end; the thread stops at end of file
        return rows, baseline


def table(rows: list[dict[str, float]], baseline: float, command: str) -> str:
    lines = [
        f"Command: `{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.  ",
        "Machine: {cores} cores ({cpu}), {os}, Python {python}, Textual {textual}; load "
        "average {load:.1f} when it started.  ".format(**machine(), load=os.getloadavg()[0]),
        "Data: `orderview demo --orders 2000`; each operator types an Order ID, opens it, "
        "switches to Licenses, moves down 5 rows, goes back and clears the box, "
        f"{THINK * 1000:.0f} ms between keys.",
        "",
        "| sessions | key-to-echo p50 / p95 | target p95 | server CPU (cores) | PSS per added "
        "session | baseline: one plain `orderview` process | target | bytes per session |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        p95_met = "—" if row["n"] < 20 else "met" if row["p95"] <= 50 else "**missed**"
        pss_met = "met" if row["pss_per_session"] <= 40 else "**missed**"
        lines.append(
            f"| {row['n']:.0f} | {row['p50']:.1f} / {row['p95']:.1f} ms ({row['keys']:.0f} keys) "
            f"| ≤ 50 ms at 20 ({p95_met}) | {row['cpu']:.2f} | {row['pss_per_session']:.1f} MB "
            f"| {baseline:.1f} MB | ≤ 40 MB ({pss_met}) | {row['bytes'] / 1024:.0f} KB |"
        )
    lines.append("")
    lines.append(f"Server and zygote before any session: {rows[0]['pss_server']:.1f} MB PSS.")
    return "\n".join(lines)


def write(block: str) -> None:
    write_block(DOC, BEGIN, END, block, "## Serving over SSH")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows, baseline = asyncio.run(run(args.sessions, args.rounds))
    block = table(rows, baseline, "make bench-serve")
    print(block)
    if not args.no_write:
        write(block)


if __name__ == "__main__":
    main()
