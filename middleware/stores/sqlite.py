"""The SQLite store: one file in WAL mode, the embedded default (``sqlite:///cheers.db``).

Every update is a single UPSERT (``... ON CONFLICT DO UPDATE SET n = n + 1``) or a short
``BEGIN IMMEDIATE`` transaction of them, so processes sharing the file never lose an
update; a writer that finds the file locked waits up to ``busy_timeout``. Statements run on
one dedicated thread per store, which owns the connection, so the event loop never waits on
the disk (``threads="pool"`` uses ``asyncio.to_thread`` with a connection per worker thread
instead; ``benchmarks/stores.py`` compares the two). The schema is created on first use.
``retention`` is not applied on its own: run :meth:`SQLiteStore.purge` from a scheduled job.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from middleware.stores import _sql as sql
from middleware.stores._codec import (
    DEFAULT_LIMITS,
    decode_campaign,
    decode_trait,
    encode_campaign,
    encode_trait,
    from_micros,
    log_add,
    log_weight,
    score_at,
    to_micros,
    unique,
)
from middleware.stores.base import ItemKind, StoreLimits
from slots.profile import Campaign, Profile, TraitValue

__all__ = ["SQLiteStore", "ThreadMode"]

#: ``dedicated``: one thread and one connection per store. ``pool``: asyncio's default
#: executor, with one connection per worker thread.
ThreadMode = Literal["dedicated", "pool"]

_T = TypeVar("_T")
_LISTS = ("viewed", "purchased", "oos")


@contextmanager
def _transaction(conn: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
    """A transaction; IMMEDIATE takes the write lock up front, so it can wait for it
    (a deferred one that later needs to write fails at once when another process wrote)."""
    conn.execute(f"BEGIN {mode}")
    with conn:  # commits, or rolls back on an exception
        yield conn


class SQLiteStore:
    """A :class:`~middleware.stores.base.Store` in one SQLite file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        limits: StoreLimits = DEFAULT_LIMITS,
        retention: timedelta = timedelta(days=395),
        trending_half_life: timedelta = timedelta(days=7),
        busy_timeout: float = 5.0,
        threads: ThreadMode = "dedicated",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits
        self.retention = retention
        self.path = os.fspath(path)
        self._half_life = trending_half_life
        self.busy_timeout = busy_timeout
        self._threads = threads
        self._clock = clock  # frequency-cap windows only; every other time is a parameter
        self._executor: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    # -- plumbing -------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def _open(self) -> sqlite3.Connection:
        # Each connection is used only by the thread that opened it; check_same_thread is
        # off solely so close() can close the pool's connections from the loop's thread.
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._use_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; no fsync per commit
            conn.execute("PRAGMA foreign_keys = ON")
            conn.create_function("cheers_log_add", 2, log_add, deterministic=True)
            conn.executescript(sql.SCHEMA)
        except BaseException:
            conn.close()
            raise
        with self._lock:
            self._connections.append(conn)
        return conn

    def _use_wal(self, conn: sqlite3.Connection) -> None:
        # Switching a new file to WAL fails at once, without the busy handler, while another
        # process switches it too; so wait here (on a worker thread) up to busy_timeout.
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
            time.sleep(0.01)

    async def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        def job() -> _T:
            return work(self._connection())

        if self._threads == "pool":
            return await asyncio.to_thread(job)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="cheers-sqlite")
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    def _close_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:  # close on the owning thread, after any queued work
            await asyncio.get_running_loop().run_in_executor(executor, self._close_connections)
            executor.shutdown(wait=False)
        self._close_connections()
        self._local = threading.local()

    # -- profiles -------------------------------------------------------------------------
    async def load_profile(self, visitor_id: str) -> Profile | None:
        now = self._clock()
        return await self._run(lambda conn: self._load(conn, visitor_id, now=now))

    def _load(self, conn: sqlite3.Connection, visitor_id: str, *, now: float) -> Profile | None:
        key = {"v": visitor_id, "now": now}
        with _transaction(conn, "DEFERRED"):  # one consistent snapshot of all tables
            row = conn.execute(sql.LOAD_PROFILE, key).fetchone()
            if row is None:
                return None
            lists: dict[str, list[str]] = {name: [] for name in _LISTS}
            for name, item_id in conn.execute(sql.LOAD_LISTS, key):
                lists[name].append(item_id)
            counts: dict[str, dict[str, int]] = {"views": {}, "categories": {}}
            for counter, name, n in conn.execute(sql.LOAD_COUNTS, key):
                counts[counter][name] = n
            traits = {
                name: decode_trait(value) for name, value in conn.execute(sql.LOAD_TRAITS, key)
            }
            caps = dict(conn.execute(sql.LOAD_CAPS, key).fetchall())
        first_seen, last_seen, visits, page_views, campaign, first_referrer = row
        return Profile(
            visitor_id=visitor_id,
            first_seen=None if first_seen is None else from_micros(first_seen),
            last_seen=None if last_seen is None else from_micros(last_seen),
            visits=visits,
            page_views=page_views,
            viewed=tuple(lists["viewed"]),
            views=counts["views"],
            categories=counts["categories"],
            purchased=tuple(lists["purchased"]),
            traits=traits,
            campaign=None if campaign is None else decode_campaign(campaign),
            first_referrer=first_referrer,
            caps=caps,
            seen_out_of_stock=tuple(lists["oos"]),
        )

    async def record_visit(
        self,
        visitor_id: str,
        *,
        now: datetime,
        session_gap: timedelta,
        campaign: Campaign | None = None,
        referrer_host: str | None = None,
    ) -> None:
        params = {
            "v": visitor_id,
            "now": to_micros(now),
            "gap": session_gap // timedelta(microseconds=1),
            "campaign": None if campaign is None else encode_campaign(campaign),
            "referrer": referrer_host or None,
        }
        await self._run(lambda conn: conn.execute(sql.RECORD_VISIT, params))

    async def record_view(
        self, visitor_id: str, *, item_id: str, category: str | None, in_stock: bool, now: datetime
    ) -> None:
        bound = self.limits.recent_items

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.execute(sql.ENSURE_PROFILE, {"v": visitor_id, "now": to_micros(now)})
                _push(conn, visitor_id, name="viewed", items=[item_id], bound=bound)
                conn.execute(sql.COUNT, {"v": visitor_id, "c": "views", "name": item_id, "by": 1})
                if category is not None:
                    conn.execute(
                        sql.COUNT, {"v": visitor_id, "c": "categories", "name": category, "by": 1}
                    )
                if not in_stock:
                    _push(conn, visitor_id, name="oos", items=[item_id], bound=bound)

        await self._run(work)

    async def record_purchase(
        self, visitor_id: str, *, item_ids: Sequence[str], now: datetime
    ) -> None:
        bound = self.limits.purchased_items

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.execute(sql.ENSURE_PROFILE, {"v": visitor_id, "now": to_micros(now)})
                _push(conn, visitor_id, name="purchased", items=item_ids, bound=bound)

        await self._run(work)

    async def set_traits(
        self, visitor_id: str, traits: Mapping[str, TraitValue], *, now: datetime
    ) -> None:
        rows = [
            {"v": visitor_id, "name": name, "value": encode_trait(value)}
            for name, value in traits.items()
        ]

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.execute(sql.ENSURE_PROFILE, {"v": visitor_id, "now": to_micros(now)})
                conn.executemany(sql.SET_TRAIT, rows)

        await self._run(work)

    async def increment_cap(self, visitor_id: str, key: str, *, ttl: timedelta) -> int:
        params = {"v": visitor_id, "key": key, "now": self._clock(), "ttl": ttl.total_seconds()}

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                conn.execute(sql.ENSURE_PROFILE, {"v": visitor_id, "now": None})
                ((count,),) = conn.execute(sql.INCREMENT_CAP, params).fetchall()
            return int(count)

        return await self._run(work)

    async def link_person(self, key_hash: str, visitor_id: str) -> str:
        def work(conn: sqlite3.Connection) -> str:
            ((linked,),) = conn.execute(sql.LINK_PERSON, (key_hash, visitor_id)).fetchall()
            return str(linked)

        return await self._run(work)

    async def merge_profiles(self, source_id: str, target_id: str) -> None:
        if source_id != target_id:
            await self._run(
                lambda conn: self._merge(conn, source_id=source_id, target_id=target_id)
            )

    def _merge(self, conn: sqlite3.Connection, *, source_id: str, target_id: str) -> None:
        ids = {"s": source_id, "t": target_id, "now": self._clock()}
        limits = self.limits
        bounds = {
            "viewed": limits.recent_items,
            "purchased": limits.purchased_items,
            "oos": limits.recent_items,
        }
        with _transaction(conn):
            row = conn.execute(sql.SOURCE_IS_NEWER, ids).fetchone()
            if row is None:  # no source profile: nothing to fold in
                return
            conn.execute(sql.MERGE_PROFILE, ids)
            for name, bound in bounds.items():
                conn.execute(sql.MERGE_LIST, {**ids, "list": name, "first": row[0]})
                _trim(conn, target_id, name=name, bound=bound)
            for statement in sql.MERGE_REST:
                conn.execute(statement, ids)

    async def forget(self, visitor_id: str) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                links = conn.execute(sql.FORGET_PERSONS, (visitor_id,)).rowcount
                rows = conn.execute(sql.FORGET_PROFILE, (visitor_id,)).rowcount
            return links + rows > 0

        return await self._run(work)

    async def purge(self, *, older_than: datetime) -> int:
        cutoff = {"cutoff": to_micros(older_than)}

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                conn.execute(sql.PURGE_PERSONS, cutoff)
                return conn.execute(sql.PURGE_PROFILES, cutoff).rowcount

        return await self._run(work)

    # -- item statistics shared by all visitors --------------------------------------------
    async def add_cooccurrence(
        self, kind: ItemKind, *, item_id: str, others: Sequence[str], now: datetime
    ) -> None:
        pairs = [other for other in unique(others) if other != item_id]
        rows = [(kind, item_id, other) for other in pairs] + [
            (kind, other, item_id) for other in pairs
        ]

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.execute(sql.COUNT_ITEM, (kind, item_id))
                conn.executemany(sql.COUNT_PAIR, rows)

        await self._run(work)

    async def neighbours(
        self, kind: ItemKind, item_ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, float]]:
        limit = self.limits.neighbours

        def work(conn: sqlite3.Connection) -> dict[str, Mapping[str, float]]:
            with _transaction(conn, "DEFERRED"):
                return {
                    item_id: {
                        b: float(n) for b, n in conn.execute(sql.NEIGHBOURS, (kind, item_id, limit))
                    }
                    for item_id in unique(item_ids)
                }

        return await self._run(work)

    async def item_counts(self, kind: ItemKind, item_ids: Sequence[str]) -> Mapping[str, float]:
        wanted = unique(item_ids)

        def work(conn: sqlite3.Connection) -> dict[str, float]:
            found = dict(
                conn.execute(sql.ITEM_COUNTS, {"kind": kind, "ids": sql.json_list(wanted)})
            )
            return {item_id: float(found.get(item_id, 0)) for item_id in wanted}

        return await self._run(work)

    async def add_trending(self, item_id: str, *, weight: float, now: datetime) -> None:
        if weight <= 0:  # a log score cannot hold zero or less; such an event adds nothing
            return
        score = log_weight(weight, now=now, half_life=self._half_life)
        await self._run(lambda conn: conn.execute(sql.ADD_TRENDING, (item_id, score)))

    async def trending(self, *, limit: int, now: datetime) -> Sequence[tuple[str, float]]:
        rows = await self._run(lambda conn: conn.execute(sql.TRENDING, (limit,)).fetchall())
        return [(item, score_at(log, now=now, half_life=self._half_life)) for item, log in rows]

    # -- experiments ---------------------------------------------------------------------
    async def record_exposure(
        self, experiment: str, variant: str, *, converted: bool = False
    ) -> None:
        row = (experiment, variant, int(not converted), int(converted))
        await self._run(lambda conn: conn.execute(sql.RECORD_EXPOSURE, row))

    async def exposures(self, experiment: str) -> Mapping[str, tuple[int, int]]:
        rows = await self._run(lambda conn: conn.execute(sql.EXPOSURES, (experiment,)).fetchall())
        return {variant: (exposed, converted) for variant, exposed, converted in rows}


def _push(
    conn: sqlite3.Connection, visitor_id: str, *, name: str, items: Sequence[str], bound: int
) -> None:
    """Put ``items`` (in their order) at the front of a list, without repeats, bounded."""
    rows = [{"v": visitor_id, "list": name, "item": item} for item in reversed(unique(items))]
    conn.executemany(sql.PUSH, rows)
    _trim(conn, visitor_id, name=name, bound=bound)


def _trim(conn: sqlite3.Connection, visitor_id: str, *, name: str, bound: int) -> None:
    conn.execute(sql.TRIM, {"v": visitor_id, "list": name, "bound": bound})
