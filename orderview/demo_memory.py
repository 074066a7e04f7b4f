"""Giving the SQLite load's page cache back before the demo's index builds (flat memory).

At the end of the demo's load the connection's page cache (``demo_sqlite.LOAD_PRAGMAS``, 256 MB)
is full of *dirty* pages of the one open transaction. Lowering ``cache_size`` or ``PRAGMA
shrink_memory`` frees only clean pages, so the dirty ones stayed until the first index build's
table scan spilled them one by one; freed then, they stayed in the C heap as 4 KB holes that the
builds' sorts (large blocks, ``mmap``-ed apart) could not reuse — the builds' sort memory came
on top of the load's cache, ≈+200 MB at a million orders (docs/benchmarks.md). Here:

* ``sqlite3_db_cacheflush`` writes the dirty pages to the file inside the transaction, which
  stays open (as a cache spill does: the journal already holds what a rollback needs);
* ``PRAGMA shrink_memory`` then frees every page above the new, smaller cache;
* glibc's ``malloc_trim(0)`` returns the freed heap pages to the system.

The stdlib ``sqlite3`` module does not offer ``sqlite3_db_cacheflush``; it is called through
``ctypes`` on the connection's own handle, read from the CPython object (``pysqlite_Connection``
begins with its ``sqlite3 *`` after the object header, 3.8 to 3.13) and checked — the handle
must name the connection's own file — before use. Anything unexpected (another Python, a
statically linked SQLite without the symbol, no glibc) skips the step: the build then only
uses more memory, never different data.
"""

from __future__ import annotations

import ctypes
import os
import sqlite3
import sys
from typing import Any

SQLITE_OK = 0


def _library(name: str | None) -> Any:
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def _sqlite_library() -> Any:
    """The SQLite library the ``sqlite3`` module uses (its extension and what it links)."""
    import _sqlite3

    return _library(getattr(_sqlite3, "__file__", None))


def connection_handle(conn: sqlite3.Connection, path: str) -> tuple[Any, int] | None:
    """``(library, sqlite3 *)`` of ``conn`` if it can be read safely, else ``None``."""
    if sys.implementation.name != "cpython" or not (3, 8) <= sys.version_info[:2] <= (3, 13):
        return None
    lib = _sqlite_library()
    if lib is None or not hasattr(lib, "sqlite3_db_cacheflush"):
        return None
    handle = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    if not handle:
        return None
    lib.sqlite3_db_filename.restype = ctypes.c_char_p
    lib.sqlite3_db_filename.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    named = lib.sqlite3_db_filename(handle, b"main")
    if not named or os.path.realpath(os.fsdecode(named)) != os.path.realpath(path):
        return None
    return lib, handle


def release_page_cache(conn: sqlite3.Connection, path: str) -> bool:
    """Write the open transaction's dirty pages, free the cache above ``cache_size`` and give
    the freed memory back. True when the dirty pages were written (else only clean pages go)."""
    found = connection_handle(conn, path)
    flushed = False
    if found is not None:
        lib, handle = found
        lib.sqlite3_db_cacheflush.argtypes = [ctypes.c_void_p]
        flushed = lib.sqlite3_db_cacheflush(handle) == SQLITE_OK
    conn.execute("PRAGMA shrink_memory")
    trim_heap()
    return flushed


def trim_heap() -> None:
    """glibc: hand the C heap's free pages back to the system (elsewhere: nothing)."""
    libc = _library(None)
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim(0)
