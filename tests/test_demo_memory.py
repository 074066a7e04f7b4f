"""The demo's SQLite load hands its page cache back before the index builds (demo_memory)."""

from __future__ import annotations

import ctypes
import sqlite3
from pathlib import Path

from orderview.demo_memory import connection_handle, release_page_cache


def _loaded(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO t (s) VALUES (?)", ((f"row {i} " * 8,) for i in range(200_000)))
    return conn


def _cache_pages(conn: sqlite3.Connection) -> int:
    """Bytes of page cache the connection holds, as SQLite counts them."""
    handle = connection_handle(conn, conn.execute("PRAGMA database_list").fetchone()[2])
    assert handle is not None
    lib, db = handle
    lib.sqlite3_db_status.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    current, highest = ctypes.c_int(), ctypes.c_int()
    assert lib.sqlite3_db_status(db, 1, ctypes.byref(current), ctypes.byref(highest), 0) == 0
    return current.value  # SQLITE_DBSTATUS_CACHE_USED


def test_the_handle_is_the_connections_own(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "a.db")
    assert connection_handle(conn, str(tmp_path / "a.db")) is not None
    assert connection_handle(conn, str(tmp_path / "other.db")) is None  # checked, not assumed
    conn.close()


def test_dirty_pages_are_written_and_freed_inside_the_transaction(tmp_path: Path) -> None:
    path = tmp_path / "load.db"
    conn = _loaded(path)
    before = _cache_pages(conn)
    assert before > 8 << 20
    conn.execute("PRAGMA cache_size=-1024")
    assert release_page_cache(conn, str(path))
    assert _cache_pages(conn) <= 2 << 20  # the dirty pages went too, not only clean ones
    assert conn.in_transaction
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 200_000
    conn.execute("ROLLBACK")  # still undoable: the journal holds what the file had
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    conn.close()
