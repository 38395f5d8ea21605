"""Tests for middleware/stores/_connection.py: opening the SQLite store's file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from middleware.stores._connection import is_busy, open_reader, open_writer

TABLES = {
    "profiles", "lists", "counts", "traits", "caps", "persons", "item_counts", "pairs",
    "trending", "exposures",
}


def test_open_writer_creates_the_schema_in_wal_mode(tmp_path: Path) -> None:
    conn = open_writer(str(tmp_path / "c.db"), busy_timeout=1.0)
    try:
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        (keys,) = conn.execute("PRAGMA foreign_keys").fetchone()
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        (added,) = conn.execute("SELECT cheers_log_add(0.0, 0.0)").fetchone()
        autocommit = conn.isolation_level is None and not conn.in_transaction
    finally:
        conn.close()
    assert (mode, keys, autocommit) == ("wal", 1, True)
    assert TABLES <= tables
    assert added == pytest.approx(1.0)  # trending's log2(2**0 + 2**0)


def test_open_writer_twice_keeps_the_data(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    first = open_writer(path, busy_timeout=1.0)
    first.execute("INSERT INTO trending VALUES ('a', 1.0)")
    first.close()
    second = open_writer(path, busy_timeout=1.0)
    rows = second.execute("SELECT item_id FROM trending").fetchall()
    second.close()
    assert rows == [("a",)]


def test_open_reader_cannot_write(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    open_writer(path, busy_timeout=1.0).close()
    reader = open_reader(path, busy_timeout=0.002)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.execute("DELETE FROM profiles")
        (count,) = reader.execute("SELECT count(*) FROM profiles").fetchone()
    finally:
        reader.close()
    assert count == 0


def _error(code: int | None) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    if code is not None:
        error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (sqlite3.SQLITE_BUSY, True),
        (sqlite3.SQLITE_BUSY | 1 << 8, True),  # SQLITE_BUSY_RECOVERY, an extended code
        (sqlite3.SQLITE_LOCKED, True),
        (sqlite3.SQLITE_IOERR, False),
        (None, False),  # raised by Python, not SQLite: no code
    ],
)
def test_is_busy_reads_the_primary_error_code(code: int | None, expected: bool) -> None:
    assert is_busy(_error(code)) is expected
