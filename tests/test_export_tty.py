"""`orderview export ID -o -` on a terminal never lets control sequences from the data through."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from tests import factories as f


async def test_export_to_a_terminal_shows_controls_visibly(sqlite_db, sqlite_path) -> None:
    product_id, policy_id = await f.add_product(sqlite_db)
    oid = await f.add_order(sqlite_db, "TTY-1", reference="EVIL\x1b]0;pwned\x07\x1b[2J")
    await f.add_licenses(sqlite_db, oid, product_id, 1, policy_id)
    main, child = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "orderview", "export", "TTY-1", "-o", "-", "--db", str(sqlite_path)],
        stdout=child,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in out and b"\x07" not in out
    assert "EVIL␛]0;pwned␇␛[2J".encode() in out
    assert b"order__store_id" in out


async def test_export_to_a_pipe_stays_exact(sqlite_db, sqlite_path) -> None:
    await f.add_order(sqlite_db, "PIPE-1", reference="a\x1bb")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "orderview",
            "export",
            "PIPE-1",
            "-o",
            "-",
            "--db",
            str(sqlite_path),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"a\x1bb" in proc.stdout
