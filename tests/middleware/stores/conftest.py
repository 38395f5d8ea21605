"""Fixtures for the stores: a store of each backend, and a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from middleware.stores import MemoryStore, RedisStore, SQLiteStore, Store, StoreLimits

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
GAP = timedelta(minutes=30)

MakeStore = Callable[..., Store]


class FakeClock:
    """Seconds, moved by hand: stands in for time.time (cap windows) or time.monotonic."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the backend under test: memory, sqlite or redis."""
    return str(request.param)


@pytest.fixture
async def make_store(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[MakeStore]:
    """Builds stores of the backend under test (same file or Redis db each time)."""
    redis_url = request.getfixturevalue("redis_url") if backend == "redis" else ""
    made: list[Store] = []

    def make(**options: Any) -> Store:
        store: Store
        if backend == "memory":
            store = MemoryStore(**options)
        elif backend == "sqlite":
            store = SQLiteStore(tmp_path / "cheers.db", **options)
        else:
            store = RedisStore(redis_url, **options)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(make_store: MakeStore, clock: FakeClock) -> Store:
    """A store of each backend in turn, with small limits and a clock the test moves."""
    return make_store(
        limits=StoreLimits(recent_items=3, purchased_items=4, neighbours=2), clock=clock
    )
