"""The benchmark caches are regenerated when the demo generator changes: a cache of another
generator's rows would measure data the demo no longer makes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from benchmarks import common


@pytest.fixture
def cache(tmp_path: Path) -> str:
    path = tmp_path / "demo-300.db"
    common.run_demo(str(path), 300)
    asyncio.run(common._finish(str(path), 300))
    return str(path)


def test_a_finished_cache_of_this_generator_is_reused(cache: str) -> None:
    assert common._ready(cache, 300)


def test_a_cache_of_another_generator_is_generated_again(cache: str) -> None:
    with sqlite3.connect(cache) as conn:
        conn.execute("UPDATE bench_complete SET generator = 'older'")
    assert not common._ready(cache, 300)


def test_a_cache_marked_before_generators_were_recorded_is_generated_again(cache: str) -> None:
    with sqlite3.connect(cache) as conn:
        conn.execute("DROP TABLE bench_complete")
        conn.execute("CREATE TABLE bench_complete (seed integer, orders integer)")
        conn.execute(f"INSERT INTO bench_complete VALUES ({common.SEED}, 300)")
    assert not common._ready(cache, 300)
