"""The SQLite store: a file that survives restarts, WAL, threads and other processes."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

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


def _count_batches(store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each batch the store's writer applies, in order."""
    sizes: list[int] = []
    writer = store._writer
    apply = writer._apply

    def counting(loop: asyncio.AbstractEventLoop, jobs: list[Any]) -> None:
        sizes.append(len(jobs))
        apply(loop, jobs)

    monkeypatch.setattr(writer, "_apply", counting)
    return sizes


async def test_sqlite_store_applies_writes_queued_together_in_one_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStore(tmp_path / "cheers.db")
    batches = _count_batches(store, monkeypatch)
    await asyncio.gather(
        *(store.record_visit(f"v{n}", now=NOW, session_gap=GAP) for n in range(300)),
        store.record_view("v0", item_id="a", category="dogs", in_stock=True, now=NOW),
        store.add_cooccurrence("viewed", item_id="a", others=["b"], now=NOW),
    )
    await store.record_visit("v0", now=NOW, session_gap=GAP)
    profile = await store.load_profile("v0")
    await store.close()
    assert batches == [256, 46, 1]  # at most 256 a transaction; then the one awaited alone
    assert profile is not None and (profile.page_views, profile.viewed) == (2, ("a",))


async def test_sqlite_store_a_failing_write_fails_only_its_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStore(tmp_path / "cheers.db")
    batches = _count_batches(store, monkeypatch)
    unbindable: Any = object()  # fails the view's last statement, after its others succeeded
    results = await asyncio.gather(
        store.record_visit("v1", now=NOW, session_gap=GAP),
        store.record_view("v2", item_id="a", category=unbindable, in_stock=True, now=NOW),
        store.record_visit("v3", now=NOW, session_gap=GAP),
        return_exceptions=True,
    )
    profiles = [await store.load_profile(visitor) for visitor in ("v1", "v2", "v3")]
    await store.close()
    assert batches == [3]
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], sqlite3.ProgrammingError)
    assert profiles[1] is None  # its profile row and recent item were rolled back with it
    assert [p.page_views for p in (profiles[0], profiles[2]) if p is not None] == [1, 1]


async def test_sqlite_store_close_commits_the_writes_still_queued(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cheers.db")
    queued = [
        asyncio.create_task(store.record_visit("v1", now=NOW, session_gap=GAP)) for _ in range(3)
    ]
    await asyncio.sleep(0)  # the tasks queue their writes; none is committed yet
    await store.close()
    assert all(task.done() for task in queued)
    assert await _page_views(tmp_path / "cheers.db", "v1") == 3


async def test_sqlite_store_reads_while_a_write_waits_for_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "cheers.db"
    store = SQLiteStore(path)
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    write = asyncio.create_task(store.record_visit("v1", now=NOW, session_gap=GAP))
    try:
        # A read queued behind the write on its thread would wait for the lock too.
        during = await asyncio.wait_for(store.load_profile("v1"), timeout=2)
        write_was_waiting = not write.done()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await write
    after = await store.load_profile("v1")
    await store.close()
    assert write_was_waiting
    assert during is not None and during.page_views == 1
    assert after is not None and after.page_views == 2


class _LockedReader:
    """A read connection that finds the file locked (or failing) on every statement."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.statements = 0

    def execute(self, *args: object) -> None:
        self.statements += 1
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = self.code
        raise error


async def test_sqlite_store_a_read_that_finds_the_file_locked_reruns_on_the_writer_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStore(tmp_path / "cheers.db")
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    await store.add_trending("a", weight=1.0, now=NOW)
    locked = _LockedReader(sqlite3.SQLITE_BUSY)
    monkeypatch.setattr(store, "_reader", lambda: locked)
    profile = await store.load_profile("v1")
    trending = await store.trending(limit=1, now=NOW)
    await store.close()
    assert locked.statements == 2  # each read tried inline first
    assert profile is not None and profile.page_views == 1
    assert [item for item, _ in trending] == ["a"]


async def test_sqlite_store_a_read_that_fails_otherwise_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStore(tmp_path / "cheers.db")
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    monkeypatch.setattr(store, "_reader", lambda: _LockedReader(sqlite3.SQLITE_IOERR))
    with pytest.raises(sqlite3.OperationalError):
        await store.load_profile("v1")
    await store.close()


async def test_sqlite_store_reads_cannot_write(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cheers.db")
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await store._read(lambda conn: conn.execute("DELETE FROM profiles"))
    profile = await store.load_profile("v1")
    await store.close()
    assert profile is not None


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


async def test_sqlite_store_fails_every_write_of_a_batch_when_the_file_stays_locked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cheers.db"
    store = SQLiteStore(path, busy_timeout=0.05)
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        results = await asyncio.gather(
            store.record_visit("v1", now=NOW, session_gap=GAP),
            store.record_exposure("spring", "bold"),
            return_exceptions=True,
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await store.record_visit("v1", now=NOW, session_gap=GAP)  # and carries on afterwards
    profile = await store.load_profile("v1")
    await store.close()
    assert all(isinstance(r, sqlite3.OperationalError) and "locked" in str(r) for r in results)
    assert profile is not None and profile.page_views == 2


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
