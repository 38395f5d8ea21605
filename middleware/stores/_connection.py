"""Connections to the SQLite store's file: WAL mode, the schema, a writer and readers.

The writer creates the file, switches it to WAL and creates the schema; readers are
``query_only``, so work run on one cannot write. Times in the schema are whole microseconds
since 1970 (UTC), but ``caps.expires`` is in seconds of the store's clock.
"""

from __future__ import annotations

import sqlite3
import time

from middleware.stores._codec import log_add

__all__ = ["SCHEMA", "is_busy", "open_reader", "open_writer"]


SCHEMA = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS profiles (
    visitor_id TEXT PRIMARY KEY,
    first_seen INTEGER,
    last_seen INTEGER,
    touched INTEGER,
    visits INTEGER NOT NULL DEFAULT 0,
    page_views INTEGER NOT NULL DEFAULT 0,
    campaign TEXT,
    first_referrer TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS profiles_age ON profiles (coalesce(last_seen, touched, 0));
CREATE TABLE IF NOT EXISTS lists (
    visitor_id TEXT NOT NULL REFERENCES profiles ON DELETE CASCADE,
    list TEXT NOT NULL,
    item_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (visitor_id, list, item_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lists_order ON lists (visitor_id, list, seq);
CREATE TABLE IF NOT EXISTS counts (
    visitor_id TEXT NOT NULL REFERENCES profiles ON DELETE CASCADE,
    counter TEXT NOT NULL,
    name TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (visitor_id, counter, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS traits (
    visitor_id TEXT NOT NULL REFERENCES profiles ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (visitor_id, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS caps (
    visitor_id TEXT NOT NULL REFERENCES profiles ON DELETE CASCADE,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (visitor_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS persons (
    key_hash TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS persons_visitor ON persons (visitor_id);
CREATE TABLE IF NOT EXISTS item_counts (
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (kind, item_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pairs (
    kind TEXT NOT NULL,
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (kind, a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pairs_top ON pairs (kind, a, n DESC);
CREATE TABLE IF NOT EXISTS trending (
    item_id TEXT PRIMARY KEY,
    score REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trending_top ON trending (score DESC);
CREATE TABLE IF NOT EXISTS exposures (
    experiment TEXT NOT NULL,
    variant TEXT NOT NULL,
    exposed INTEGER NOT NULL,
    converted INTEGER NOT NULL,
    PRIMARY KEY (experiment, variant)
) WITHOUT ROWID;
COMMIT;
"""


def is_busy(error: sqlite3.OperationalError) -> bool:
    """The file was locked (SQLITE_BUSY or SQLITE_LOCKED, extended codes included)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def open_writer(path: str, *, busy_timeout: float) -> sqlite3.Connection:
    """A connection that may write: WAL, the schema, the function trending needs."""
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    try:
        _use_wal(conn, deadline=time.monotonic() + busy_timeout)
        conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; no fsync per commit
        conn.execute("PRAGMA foreign_keys = ON")
        conn.create_function("cheers_log_add", 2, log_add, deterministic=True)
        conn.executescript(SCHEMA)
    except BaseException:
        conn.close()
        raise
    return conn


def open_reader(path: str, *, busy_timeout: float) -> sqlite3.Connection:
    """A connection that only reads (and that the thread closing the store may close)."""
    conn = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA query_only = ON")
    return conn


def _use_wal(conn: sqlite3.Connection, *, deadline: float) -> None:
    # Switching to WAL fails at once, without the busy handler, while another process
    # switches the same new file; so retry until ``deadline`` (``time.monotonic``).
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        time.sleep(0.01)
