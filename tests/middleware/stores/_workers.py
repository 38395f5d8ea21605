"""Work run in separate processes (multiprocessing 'spawn') to test cross-process atomicity."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from typing import Any

from middleware.stores import open_store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def record_visits(url: str, visitor_id: str, count: int, barrier: Barrier) -> None:
    """Record ``count`` page views of one visitor as concurrent tasks."""

    async def run() -> None:
        store = open_store(url)
        barrier.wait(timeout=60)  # both open a new SQLite file (WAL, schema) at once too
        await store.load_profile(visitor_id)
        gap = timedelta(minutes=30)
        await asyncio.gather(
            *(store.record_visit(visitor_id, now=NOW, session_gap=gap) for _ in range(count))
        )
        await store.close()

    asyncio.run(run())


def add_cooccurrences(url: str, item_ids: list[str], rounds: int, barrier: Barrier) -> None:
    """Count each item against all the others, ``rounds`` times, as concurrent tasks."""

    async def run() -> None:
        store = open_store(url)
        barrier.wait(timeout=60)
        await asyncio.gather(
            *(
                store.add_cooccurrence("bought", item_id=item_id, others=item_ids, now=NOW)
                for _ in range(rounds)
                for item_id in item_ids
            )
        )
        await store.close()

    asyncio.run(run())


def run_in_two_processes(target: Callable[..., None], *args: Any) -> None:
    """Run ``target(*args, barrier)`` in two spawned processes that start work together."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    processes = [context.Process(target=target, args=(*args, barrier)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    exit_codes = [process.exitcode for process in processes]
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()
    assert exit_codes == [0, 0]
