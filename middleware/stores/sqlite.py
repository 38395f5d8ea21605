"""The SQLite store: one file in WAL mode, the embedded default (``sqlite:///cheers.db``).

Reads run inline on the event loop, on a ``query_only`` connection per thread: a WAL reader
never waits for the writer, and a read costs less than a round trip to a thread. In the
rare moment the file is locked for readers (another process recovering a crashed WAL), a
read waits at most 2 ms, then reruns on the writer thread, which waits up to
``busy_timeout``: it neither fails nor trips a GuardedStore. (On a cold disk cache, a read
waits for the disk on the loop.)

Writes run on one thread per store, in batches of one transaction each (see ``_batch.py``):
a write that fails is undone alone and only its caller gets the error. Every update is an
UPSERT (``n = n + 1``), so processes sharing the file never lose one; a batch that finds the
file locked waits up to ``busy_timeout``, then fails. The schema is created on first use;
run :meth:`SQLiteStore.purge` from a scheduled job to apply ``retention``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeVar, cast

from middleware.stores import _connection
from middleware.stores import _sql as sql
from middleware.stores._batch import BatchWriter, Work
from middleware.stores._codec import (
    DEFAULT_LIMITS,
    encode_campaign,
    encode_trait,
    log_weight,
    score_at,
    to_micros,
    unique,
)
from middleware.stores.base import ItemKind, StoreLimits
from slots.profile import Campaign, Profile, TraitValue

__all__ = ["SQLiteStore"]

_T = TypeVar("_T")

#: Seconds a read on the event loop waits for a lock before it moves to the writer thread.
_READ_BUSY_TIMEOUT = 0.002


class SQLiteStore:
    """A :class:`~middleware.stores.base.Store` in one SQLite file, for one event loop."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        limits: StoreLimits = DEFAULT_LIMITS,
        retention: timedelta = timedelta(days=395),
        trending_half_life: timedelta = timedelta(days=7),
        busy_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits
        self.retention = retention
        self.path = os.fspath(path)
        self._half_life = trending_half_life
        self.busy_timeout = busy_timeout
        self._clock = clock  # frequency-cap windows only; every other time is a parameter
        self._writer = BatchWriter(
            lambda: _connection.open_writer(self.path, busy_timeout=self.busy_timeout)
        )
        self._local = threading.local()  # each thread's read connection
        self._readers: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    # -- plumbing -------------------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connection.open_reader(self.path, busy_timeout=_READ_BUSY_TIMEOUT)
            with self._lock:
                self._readers.append(conn)
            self._local.conn = conn
        return conn

    async def _read(self, work: Work[_T]) -> _T:
        """Run ``work`` here, on this thread's read connection; when the file is locked,
        on the writer thread, which waits for the lock up to ``busy_timeout``."""
        if not self._writer.is_open:  # the writer creates the file, WAL mode and the schema
            await self._writer.run(lambda conn: None)
        try:
            return work(self._reader())
        except sqlite3.OperationalError as error:
            if not _connection.is_busy(error):
                raise
        return await self._writer.run(work)

    async def _write(self, work: Work[_T]) -> _T:
        """Run ``work`` in the writer's next batch; returns after that batch commits."""
        return cast(_T, await self._writer.submit(work))

    async def close(self) -> None:
        """Commit queued writes and close every connection; the store reopens on next use."""
        await self._writer.close()
        with self._lock:
            readers, self._readers = self._readers, []
        self._local = threading.local()
        for conn in readers:
            conn.close()

    # -- profiles -------------------------------------------------------------------------
    async def load_profile(self, visitor_id: str) -> Profile | None:
        now = self._clock()
        return await self._read(lambda conn: sql.read_profile(conn, visitor_id, now=now))

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
        await self._write(lambda conn: conn.execute(sql.RECORD_VISIT, params))

    async def record_view(
        self, visitor_id: str, *, item_id: str, category: str | None, in_stock: bool, now: datetime
    ) -> None:
        bound = self.limits.recent_items

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(sql.ENSURE_PROFILE, {"v": visitor_id, "now": to_micros(now)})
            sql.push(conn, visitor_id, name="viewed", items=[item_id], bound=bound)
            conn.execute(sql.COUNT, {"v": visitor_id, "c": "views", "name": item_id, "by": 1})
            if category is not None:
                conn.execute(
                    sql.COUNT, {"v": visitor_id, "c": "categories", "name": category, "by": 1}
                )
            if not in_stock:
                sql.push(conn, visitor_id, name="oos", items=[item_id], bound=bound)

        await self._write(work)

    async def record_purchase(
        self, visitor_id: str, *, item_ids: Sequence[str], now: datetime
    ) -> None:
        bound = self.limits.purchased_items

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(sql.ENSURE_PROFILE, {"v": visitor_id, "now": to_micros(now)})
            sql.push(conn, visitor_id, name="purchased", items=item_ids, bound=bound)

        await self._write(work)

    async def set_traits(
        self, visitor_id: str, traits: Mapping[str, TraitValue], *, now: datetime
    ) -> None:
        rows = [
            {"v": visitor_id, "name": name, "value": encode_trait(value)}
            for name, value in traits.items()
        ]

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(sql.ENSURE_PROFILE, {"v": visitor_id, "now": to_micros(now)})
            conn.executemany(sql.SET_TRAIT, rows)

        await self._write(work)

    async def increment_cap(self, visitor_id: str, key: str, *, ttl: timedelta) -> int:
        params = {"v": visitor_id, "key": key, "now": self._clock(), "ttl": ttl.total_seconds()}

        def work(conn: sqlite3.Connection) -> int:
            conn.execute(sql.ENSURE_PROFILE, {"v": visitor_id, "now": None})
            ((count,),) = conn.execute(sql.INCREMENT_CAP, params).fetchall()
            return int(count)

        return await self._write(work)

    async def link_person(self, key_hash: str, visitor_id: str) -> str:
        def work(conn: sqlite3.Connection) -> str:
            ((linked,),) = conn.execute(sql.LINK_PERSON, (key_hash, visitor_id)).fetchall()
            return str(linked)

        return await self._write(work)

    async def merge_profiles(self, source_id: str, target_id: str) -> None:
        if source_id == target_id:
            return
        ids = {"s": source_id, "t": target_id, "now": self._clock()}
        await self._write(lambda conn: sql.merge(conn, ids, limits=self.limits))

    async def forget(self, visitor_id: str) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            links = conn.execute(sql.FORGET_PERSONS, (visitor_id,)).rowcount
            rows = conn.execute(sql.FORGET_PROFILE, (visitor_id,)).rowcount
            return links + rows > 0

        return await self._write(work)

    async def purge(self, *, older_than: datetime) -> int:
        cutoff = {"cutoff": to_micros(older_than)}

        def work(conn: sqlite3.Connection) -> int:
            conn.execute(sql.PURGE_PERSONS, cutoff)
            return conn.execute(sql.PURGE_PROFILES, cutoff).rowcount

        return await self._write(work)

    # -- item statistics shared by all visitors --------------------------------------------
    async def add_cooccurrence(
        self, kind: ItemKind, *, item_id: str, others: Sequence[str], now: datetime
    ) -> None:
        pairs = [(item_id, other) for other in unique(others) if other != item_id]
        rows = [(kind, a, b) for pair in pairs for a, b in (pair, pair[::-1])]

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(sql.COUNT_ITEM, (kind, item_id))
            conn.executemany(sql.COUNT_PAIR, rows)

        await self._write(work)

    async def neighbours(
        self, kind: ItemKind, item_ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, float]]:
        wanted, limit = unique(item_ids), self.limits.neighbours
        return await self._read(lambda conn: sql.read_neighbours(conn, kind, wanted, limit=limit))

    async def item_counts(self, kind: ItemKind, item_ids: Sequence[str]) -> Mapping[str, float]:
        params = {"kind": kind, "ids": sql.json_list(unique(item_ids))}
        rows = await self._read(lambda conn: conn.execute(sql.ITEM_COUNTS, params).fetchall())
        return {item_id: float(n) for item_id, n in rows}

    async def add_trending(self, item_id: str, *, weight: float, now: datetime) -> None:
        if weight <= 0:  # a log score cannot hold zero or less; such an event adds nothing
            return
        score = log_weight(weight, now=now, half_life=self._half_life)
        await self._write(lambda conn: conn.execute(sql.ADD_TRENDING, (item_id, score)))

    async def trending(self, *, limit: int, now: datetime) -> Sequence[tuple[str, float]]:
        rows = await self._read(lambda conn: conn.execute(sql.TRENDING, (limit,)).fetchall())
        return [(item, score_at(log, now=now, half_life=self._half_life)) for item, log in rows]

    # -- experiments ---------------------------------------------------------------------
    async def record_exposure(
        self, experiment: str, variant: str, *, converted: bool = False
    ) -> None:
        row = (experiment, variant, int(not converted), int(converted))
        await self._write(lambda conn: conn.execute(sql.RECORD_EXPOSURE, row))

    async def exposures(self, experiment: str) -> Mapping[str, tuple[int, int]]:
        rows = await self._read(lambda conn: conn.execute(sql.EXPOSURES, (experiment,)).fetchall())
        return {variant: (exposed, converted) for variant, exposed, converted in rows}
