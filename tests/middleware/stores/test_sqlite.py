"""The SQLite store: a file that survives restarts, WAL, threads and other processes."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from middleware.stores import SQLiteStore
from tests.middleware.stores import _workers
from tests.middleware.stores.conftest import GAP, NOW


async def test_sqlite_store_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "cheers.db"
    first = SQLiteStore(path)
    await first.record_visit("v1", now=NOW, session_gap=GAP, referrer_host="a.example")
    await first.record_view("v1", item_id="a", category="dogs", in_stock=True, now=NOW)
    await first.add_cooccurrence("bought", item_id="a", others=["b"], now=NOW)
    await first.add_trending("a", weight=1.0, now=NOW)
    await first.close()
    second = SQLiteStore(path)
    profile = await second.load_profile("v1")
    neighbours = await second.neighbours("bought", ["a"])
    trending = await second.trending(limit=1, now=NOW)
    await second.close()
    assert profile is not None
    assert (profile.page_views, profile.viewed, profile.first_referrer) == (1, ("a",), "a.example")
    assert neighbours == {"a": {"b": 1.0}}
    assert [item for item, _ in trending] == ["a"]
    assert trending[0][1] == pytest.approx(1.0)


def test_sqlite_store_opens_nothing_until_first_use(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "cheers.db")
    assert list(tmp_path.iterdir()) == []


async def test_sqlite_store_creates_its_schema_in_wal_mode(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cheers.db")
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    await store.close()
    with sqlite3.connect(tmp_path / "cheers.db") as conn:
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        tables = {
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    conn.close()
    assert mode == "wal"
    assert {"profiles", "lists", "counts", "pairs", "trending", "exposures"} <= tables


async def test_sqlite_store_reopens_after_close(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cheers.db")
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    await store.close()
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    profile = await store.load_profile("v1")
    await store.close()
    assert profile is not None and profile.page_views == 2


async def test_sqlite_store_pool_threads_lose_no_update(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cheers.db", threads="pool")
    await asyncio.gather(*(store.record_visit("v1", now=NOW, session_gap=GAP) for _ in range(100)))
    profile = await store.load_profile("v1")
    await store.close()
    assert profile is not None and profile.page_views == 100


async def test_sqlite_store_purge_removes_every_row_of_the_visitor(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cheers.db")
    old = NOW - timedelta(days=400)
    await store.record_visit("v1", now=old, session_gap=GAP)
    await store.record_view("v1", item_id="a", category="dogs", in_stock=False, now=old)
    await store.set_traits("v1", {"tier": "gold"}, now=old)
    await store.increment_cap("v1", "hero", ttl=timedelta(days=1))
    assert await store.purge(older_than=NOW) == 1
    await store.close()
    with sqlite3.connect(tmp_path / "cheers.db") as conn:
        counts = [
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("lists", "counts", "traits", "caps")
        ]
    conn.close()
    assert counts == [0, 0, 0, 0]


async def test_sqlite_store_raises_when_the_file_stays_locked(tmp_path: Path) -> None:
    path = tmp_path / "cheers.db"
    store = SQLiteStore(path, busy_timeout=0.05)
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await store.record_visit("v1", now=NOW, session_gap=GAP)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await store.close()


def test_sqlite_store_counts_every_visit_from_two_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cheers.db'}"
    _workers.run_in_two_processes(_workers.record_visits, url, "v1", 500)
    assert asyncio.run(_page_views(tmp_path / "cheers.db", "v1")) == 1000


def test_sqlite_store_counts_every_pair_from_two_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cheers.db'}"
    items = ["a", "b", "c", "d"]
    _workers.run_in_two_processes(_workers.add_cooccurrences, url, items, 25)
    counts, neighbours = asyncio.run(_statistics(tmp_path / "cheers.db", items))
    # Each process counts each item 25 times; each pair comes from both of its items.
    assert counts == {item: 50.0 for item in items}
    assert neighbours["a"] == {"b": 100.0, "c": 100.0, "d": 100.0}


async def _page_views(path: Path, visitor_id: str) -> int:
    store = SQLiteStore(path)
    profile = await store.load_profile(visitor_id)
    await store.close()
    return -1 if profile is None else profile.page_views


async def _statistics(path: Path, items: list[str]) -> tuple[object, dict[str, object]]:
    store = SQLiteStore(path)
    counts = await store.item_counts("bought", items)
    neighbours = await store.neighbours("bought", items)
    await store.close()
    return counts, dict(neighbours)
