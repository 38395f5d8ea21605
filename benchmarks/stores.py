"""What a request costs in each store, and how long SQLite work stalls the event loop.

    python benchmarks/stores.py [--requests 2000] [--concurrency 100] [--redis URL]

A request is what the middleware does per item page: ``load_profile`` + ``record_visit`` +
``record_view``, for visitors and items drawn from fixed rotations. Part one runs requests
one after another and reports the median and p99 in microseconds per request. Part two
runs ``--concurrency`` requests at once, 20 rounds, while a 1 ms heartbeat timer measures
how late the event loop serves it: the stall any other request would see.

SQLite runs on its dedicated thread, on asyncio's thread pool, and inline on the loop
thread (what not to do), side by side; the dedicated thread is the default because it
costs less per call and stalls the loop less than the pool (whose threads contend for the
GIL and for SQLite's write lock). Redis is skipped when nothing answers at ``--redis``; it
writes under the key prefix ``cheersbench`` and deletes those keys afterwards.
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

_T = TypeVar("_T")
GAP = timedelta(minutes=30)
HEARTBEAT = 0.001
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
VISITORS = [f"visitor-{n:05d}" for n in range(1_000)]
ITEMS = [f"sku-{n:04d}" for n in range(300)]
CATEGORIES = ["shoes", "scarves", "hats", "dogs", "cats", "garden", "kitchen", "books"]


class InlineSQLiteStore(SQLiteStore):
    """SQLite run on the event loop's own thread: the anti-pattern, for comparison."""

    async def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        return work(self._connection())


async def one_request(store: Store, n: int) -> None:
    visitor = VISITORS[n % len(VISITORS)]
    item = ITEMS[(n * 7) % len(ITEMS)]
    now = START + timedelta(seconds=n)
    await store.load_profile(visitor)
    await store.record_visit(visitor, now=now, session_gap=GAP)
    await store.record_view(
        visitor, item_id=item, category=CATEGORIES[n % len(CATEGORIES)], in_stock=True, now=now
    )


async def sequential(store: Store, requests: int) -> tuple[float, float]:
    """Median and p99 of one request, in microseconds, after a warm-up."""
    for n in range(200):
        await one_request(store, n)
    timings = []
    for n in range(requests):
        started = time.perf_counter_ns()
        await one_request(store, n)
        timings.append((time.perf_counter_ns() - started) / 1_000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


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


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cheers-bench-"))
    stores: dict[str, Callable[[], Store]] = {
        "memory": MemoryStore,
        "sqlite, dedicated thread": lambda: SQLiteStore(folder / "dedicated.db"),
        "sqlite, asyncio.to_thread": lambda: SQLiteStore(folder / "pool.db", threads="pool"),
        "sqlite, inline on the loop": lambda: InlineSQLiteStore(folder / "inline.db"),
    }
    if redis_answers(args.redis):
        stores["redis"] = lambda: RedisStore(f"{args.redis}?timeout=5", prefix="cheersbench")
    else:
        print(f"(no Redis answers at {args.redis}: skipped)")
    print(f"{args.requests} sequential requests (load_profile + record_visit + record_view);")
    print(f"event-loop stall: lateness of a 1 ms timer while {args.concurrency} requests run")
    print("at once, 20 rounds (p99 and max), and the wall time of one round\n")
    header = ("store", "median µs", "p99 µs", "stall p99", "stall max", "round ms")
    print(f"{header[0]:<28}" + "".join(f"{column:>11}" for column in header[1:]))
    for name, make in stores.items():
        store = make()
        median, p99 = await sequential(store, args.requests)
        stall_p99, stall_max, wall = await stalls(store, args.concurrency)
        if isinstance(store, RedisStore):
            await clean_redis(store)
        await store.close()
        print(
            f"{name:<28}{median:>11.0f}{p99:>11.0f}{stall_p99:>11.2f}{stall_max:>11.2f}{wall:>11.1f}"
        )
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
