"""Tests for middleware/stores/_batch.py: the SQLite store's batch writer, on a bare table."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from middleware.stores._batch import MAX_BATCH, BatchWriter


def _opener(
    path: Path, *, statements: list[str] | None = None, timeout: float = 5.0
) -> Callable[[], sqlite3.Connection]:
    """A connection factory like the store's: autocommit, one table of numbers."""

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        conn.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY)")
        if statements is not None:
            conn.set_trace_callback(statements.append)
        return conn

    return connect


def _insert(n: int) -> Callable[[sqlite3.Connection], None]:
    def work(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (?)", (n,))

    return work


def _times_ten(n: int) -> Callable[[sqlite3.Connection], int]:
    return lambda conn: n * 10


def _rows(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [n for (n,) in conn.execute("SELECT n FROM t ORDER BY n")]
    finally:
        conn.close()


async def test_batch_writer_commits_writes_queued_together_in_few_transactions(
    tmp_path: Path,
) -> None:
    statements: list[str] = []
    writer = BatchWriter(_opener(tmp_path / "b.db", statements=statements))
    await asyncio.gather(*(writer.submit(_insert(n)) for n in range(MAX_BATCH + 10)))
    await writer.close()
    assert statements.count("BEGIN IMMEDIATE") == 2  # at most MAX_BATCH a transaction
    assert _rows(tmp_path / "b.db") == list(range(MAX_BATCH + 10))


async def test_batch_writer_a_failing_write_is_undone_alone(tmp_path: Path) -> None:
    def fails(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (2)")
        raise ValueError("no")

    writer = BatchWriter(_opener(tmp_path / "b.db"))
    results = await asyncio.gather(
        writer.submit(_insert(1)),
        writer.submit(fails),
        writer.submit(_insert(3)),
        return_exceptions=True,
    )
    await writer.close()
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    assert _rows(tmp_path / "b.db") == [1, 3]


async def test_batch_writer_returns_each_write_its_own_result(tmp_path: Path) -> None:
    writer = BatchWriter(_opener(tmp_path / "b.db"))
    results = await asyncio.gather(*(writer.submit(_times_ten(n)) for n in range(3)))
    await writer.close()
    assert results == [0, 10, 20]


async def test_batch_writer_fails_every_write_of_a_batch_when_the_file_stays_locked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "b.db"
    writer = BatchWriter(_opener(path, timeout=0.05))
    await writer.submit(_insert(1))
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        results = await asyncio.gather(
            writer.submit(_insert(2)), writer.submit(_insert(3)), return_exceptions=True
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await writer.submit(_insert(4))  # and carries on afterwards
    await writer.close()
    assert all(isinstance(r, sqlite3.OperationalError) and "locked" in str(r) for r in results)
    assert _rows(path) == [1, 4]


async def test_batch_writer_close_commits_the_writes_still_queued(tmp_path: Path) -> None:
    writer = BatchWriter(_opener(tmp_path / "b.db"))
    queued = [writer.submit(_insert(n)) for n in range(3)]  # none is committed yet
    await writer.close()
    assert all(future.done() and future.exception() is None for future in queued)
    assert _rows(tmp_path / "b.db") == [0, 1, 2]


async def test_batch_writer_skips_writes_cancelled_before_their_batch(tmp_path: Path) -> None:
    writer = BatchWriter(_opener(tmp_path / "b.db"))
    cancelled = writer.submit(_insert(1))
    cancelled.cancel()
    await writer.submit(_insert(2))
    await writer.close()
    assert _rows(tmp_path / "b.db") == [2]


async def test_batch_writer_runs_work_outside_any_batch(tmp_path: Path) -> None:
    writer = BatchWriter(_opener(tmp_path / "b.db"))
    in_transaction = await writer.run(lambda conn: conn.in_transaction)
    in_batch = await writer.submit(lambda conn: conn.in_transaction)
    await writer.close()
    assert (in_transaction, in_batch) == (False, True)


async def test_batch_writer_opens_on_first_use_and_reopens_after_close(tmp_path: Path) -> None:
    opened: list[int] = []
    connect = _opener(tmp_path / "b.db")

    def counting() -> sqlite3.Connection:
        opened.append(1)
        return connect()

    writer = BatchWriter(counting)
    states = [(writer.is_open, len(opened))]
    await writer.submit(_insert(1))
    states.append((writer.is_open, len(opened)))
    await writer.close()
    states.append((writer.is_open, len(opened)))
    await writer.submit(_insert(2))
    await writer.close()
    assert states == [(False, 0), (True, 1), (False, 1)]
    assert len(opened) == 2
    assert _rows(tmp_path / "b.db") == [1, 2]


def test_batch_writer_refuses_a_second_loop_while_busy(tmp_path: Path) -> None:
    writer = BatchWriter(_opener(tmp_path / "b.db"))
    first = asyncio.new_event_loop()
    try:
        first.run_until_complete(_queue(writer))  # leaves a write queued on the first loop
        with pytest.raises(RuntimeError, match="busy on another event loop"):
            asyncio.run(_queue(writer))
        first.run_until_complete(writer.close())
    finally:
        first.close()
    assert _rows(tmp_path / "b.db") == [1]


async def _queue(writer: BatchWriter) -> None:
    writer.submit(_insert(1))
