"""What a request costs in each store, and how long store work stalls the event loop.

    python benchmarks/stores.py [--requests 2000] [--concurrency 100] [--redis URL]

A request is what the middleware does on an item page: ``load_profile``, then at once
``record_visit`` and (``record_view``, then ``add_cooccurrence`` with the profile's recent
items), for visitors and items drawn from fixed rotations. Part one runs requests one after
another: the median and p99 of one request in µs, and the CPU time the event loop's thread
spent per request (what it cannot spend on other requests). Part two runs
``--concurrency`` requests at once, 20 rounds, while a 1 ms heartbeat timer measures how
late the event loop serves it: the stall any other request would see.

SQLite runs three ways, side by side: as before (every call handed to the store's thread
on its own, reads included), as now (reads inline on their own WAL connection, writes
batched on the thread: one handoff per batch) and everything inline on the loop (what not
to do). Redis is skipped when nothing answers at ``--redis``; it writes under the key
prefix ``cheersbench`` and deletes those keys afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from middleware.stores import MemoryStore, RedisStore, SQLiteStore, Store  # noqa: E402
from middleware.stores import _sql as sql  # noqa: E402

_T = TypeVar("_T")
GAP = timedelta(minutes=30)
HEARTBEAT = 0.001
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
VISITORS = [f"visitor-{n:05d}" for n in range(1_000)]
ITEMS = [f"sku-{n:04d}" for n in range(300)]
CATEGORIES = ["shoes", "scarves", "hats", "dogs", "cats", "garden", "kitchen", "books"]
RECENT_PAIRS = 3


def _alone(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], _T]) -> _T:
    conn.execute("BEGIN IMMEDIATE")
    with conn:
        return work(conn)


class PerCallSQLiteStore(SQLiteStore):
    """Before: every call, read or write, handed to the store's thread on its own."""

    async def _read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        return await self._writer.run(work)

    async def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        return await self._writer.run(lambda conn: _alone(conn, work))


class InlineSQLiteStore(SQLiteStore):
    """Writes too on the event loop's own thread: the anti-pattern, for comparison."""

    _inline: sqlite3.Connection | None = None

    async def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._inline is None:
            self._inline = sql.open_writer(self.path, busy_timeout=self.busy_timeout)
        return _alone(self._inline, work)

    async def close(self) -> None:
        if self._inline is not None:
            self._inline.close()
        await super().close()


async def one_request(store: Store, n: int) -> None:
    visitor = VISITORS[n % len(VISITORS)]
    item = ITEMS[(n * 7) % len(ITEMS)]
    now = START + timedelta(seconds=n)
    profile = await store.load_profile(visitor)
    recent = (profile.viewed if profile is not None else ())[:RECENT_PAIRS]

    async def view() -> None:  # as the middleware's item view: the view, then the pairs
        category = CATEGORIES[n % len(CATEGORIES)]
        await store.record_view(visitor, item_id=item, category=category, in_stock=True, now=now)
        await store.add_cooccurrence("viewed", item_id=item, others=recent, now=now)

    await asyncio.gather(store.record_visit(visitor, now=now, session_gap=GAP), view())


async def sequential(store: Store, first: int, requests: int) -> tuple[list[float], float]:
    """The time of each request (µs), and the CPU time the loop's thread spent on them."""
    timings = []
    cpu_started = time.thread_time_ns()
    for n in range(first, first + requests):
        started = time.perf_counter_ns()
        await one_request(store, n)
        timings.append((time.perf_counter_ns() - started) / 1_000)
    return timings, (time.thread_time_ns() - cpu_started) / 1_000


async def stalls(store: Store, concurrency: int, rounds: int = 20) -> tuple[float, float, float]:
    """While ``concurrency`` requests run at once (``rounds`` times over): the p99 and the
    longest lateness (ms) of a 1 ms heartbeat timer, and the wall time per round (ms).

    A timer rather than ``sleep(0)`` in a loop: a spinning heartbeat would hold the GIL and
    slow the very worker threads it is watching.
    """
    late: list[float] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(HEARTBEAT)
            now = time.perf_counter()
            late.append(max(0.0, now - last - HEARTBEAT))
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    started = time.perf_counter()
    for round_ in range(rounds):
        base = round_ * concurrency
        await asyncio.gather(*(one_request(store, base + n) for n in range(concurrency)))
    wall = (time.perf_counter() - started) / rounds
    done.set()
    await beat
    late.sort()
    return late[int(len(late) * 0.99) - 1] * 1_000, late[-1] * 1_000, wall * 1_000


def redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 0.5):
            return True
    except OSError:
        return False


async def clean_redis(store: RedisStore) -> None:
    client = store._client
    keys = [key async for key in client.scan_iter(match="cheersbench:*", count=1_000)]
    for start in range(0, len(keys), 500):
        await client.delete(*keys[start : start + 500])


async def measure(stores: dict[str, Store], requests: int, rounds: int = 5) -> None:
    """Sequential requests in interleaved rounds, so that drift hits every store alike."""
    timings: dict[str, list[float]] = {name: [] for name in stores}
    cpu = dict.fromkeys(stores, 0.0)
    for store in stores.values():  # warm: files created, statements prepared
        await sequential(store, 0, 200)
    for round_ in range(rounds):
        for name, store in stores.items():
            spent, cpu_spent = await sequential(store, round_ * requests, requests // rounds)
            timings[name] += spent
            cpu[name] += cpu_spent
    header = ("store", "median µs", "p99 µs", "loop CPU µs")
    print(f"{header[0]:<32}" + "".join(f"{column:>13}" for column in header[1:]))
    for name, spent in timings.items():
        spent.sort()
        p99 = spent[int(len(spent) * 0.99) - 1]
        per_request = cpu[name] / len(spent)
        print(f"{name:<32}{statistics.median(spent):>13.0f}{p99:>13.0f}{per_request:>13.0f}")


async def measure_stalls(stores: dict[str, Store], concurrency: int) -> None:
    header = ("store", "stall p99 ms", "stall max ms", "round ms")
    print(f"{header[0]:<32}" + "".join(f"{column:>13}" for column in header[1:]))
    for name, store in stores.items():
        stall_p99, stall_max, wall = await stalls(store, concurrency)
        print(f"{name:<32}{stall_p99:>13.2f}{stall_max:>13.2f}{wall:>13.1f}")


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cheers-bench-"))
    stores: dict[str, Store] = {
        "memory": MemoryStore(),
        "sqlite before: handoff per call": PerCallSQLiteStore(folder / "before.db"),
        "sqlite now: batched writes": SQLiteStore(folder / "now.db"),
        "sqlite, all on the loop": InlineSQLiteStore(folder / "inline.db"),
    }
    if redis_answers(args.redis):
        stores["redis"] = RedisStore(f"{args.redis}?timeout=5", prefix="cheersbench")
    else:
        print(f"(no Redis answers at {args.redis}: skipped)")
    print(f"{args.requests} sequential requests each, interleaved (load_profile, then")
    print("record_visit alongside record_view + add_cooccurrence):\n")
    await measure(stores, args.requests)
    print(f"\nevent-loop stall: lateness of a 1 ms timer while {args.concurrency} requests run")
    print("at once, 20 rounds (p99 and max), and the wall time of one round:\n")
    await measure_stalls(stores, args.concurrency)
    for store in stores.values():
        if isinstance(store, RedisStore):
            await clean_redis(store)
        await store.close()
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument(
        "--redis", default=os.environ.get("CHEERS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    asyncio.run(main(parser.parse_args()))
