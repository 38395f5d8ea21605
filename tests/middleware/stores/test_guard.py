"""GuardedStore: neutral answers, one warning per interval, and a circuit breaker."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, cast

import pytest
import redis.exceptions

from middleware.stores import GuardedStore, MemoryStore, RedisStore, Store
from tests.middleware.stores.conftest import GAP, NOW, FakeClock

LOGGER = "middleware.stores.guard"


class FlakyStore:
    """A memory store whose every call fails with ``error`` while it is set."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.limits = self.inner.limits
        self.error: Exception | None = None
        self.calls = 0
        self.gate: asyncio.Event | None = None

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.inner, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.gate is not None:
                await self.gate.wait()
            if self.error is not None:
                raise self.error
            return await method(*args, **kwargs)

        return call

    def __repr__(self) -> str:
        return "FlakyStore()"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _every_call(store: Store) -> list[object]:
    """Each method of the protocol once; the answers of those that return a value."""
    hour = timedelta(hours=1)
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    await store.record_view("v1", item_id="a", category="c", in_stock=True, now=NOW)
    await store.record_purchase("v1", item_ids=["a"], now=NOW)
    await store.set_traits("v1", {"tier": "gold"}, now=NOW)
    await store.merge_profiles("v0", "v1")
    await store.add_cooccurrence("bought", item_id="a", others=["b"], now=NOW)
    await store.add_trending("a", weight=1.0, now=NOW)
    await store.record_exposure("e", "x")
    return [
        await store.load_profile("v1"),
        await store.increment_cap("v1", "hero", ttl=hour),
        await store.link_person("person-1", "v1"),
        await store.forget("v1"),
        await store.purge(older_than=NOW),
        await store.neighbours("bought", ["a"]),
        await store.item_counts("bought", ["a"]),
        await store.trending(limit=3, now=NOW),
        await store.exposures("e"),
    ]


NEUTRAL: list[object] = [None, 0, "v1", False, 0, {}, {}, [], {}]
CALLS = 17  # methods in _every_call


async def test_guarded_store_answers_neutrally_and_warns_once_when_redis_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = RedisStore(f"redis://:hunter2@127.0.0.1:{_closed_port()}/0")
    store = GuardedStore(backend)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        answers = await _every_call(store)
        await store.close()
    assert answers == NEUTRAL
    assert store.is_open
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "RedisStore('redis://:***@127.0.0.1:" in record.getMessage()
    assert "ConnectionError" in record.getMessage()
    assert "hunter2" not in caplog.text


async def test_guarded_store_answers_neutrally_from_every_failing_method() -> None:
    flaky = FlakyStore()
    flaky.error = redis.exceptions.TimeoutError("Timeout reading from socket")
    store = GuardedStore(cast(Store, flaky), retry_after=0)
    assert await _every_call(store) == NEUTRAL
    assert flaky.calls == CALLS  # retry_after=0: every call tried the backend


async def test_guarded_store_skips_the_backend_until_retry_after_then_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    flaky, clock = FlakyStore(), FakeClock(0.0)
    store = GuardedStore(cast(Store, flaky), retry_after=5, monotonic=clock)
    await flaky.inner.record_visit("v1", now=NOW, session_gap=GAP)
    flaky.error = ConnectionRefusedError(111, "Connection refused")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert await store.load_profile("v1") is None
        clock.advance(4.9)
        assert await store.increment_cap("v1", "hero", ttl=timedelta(hours=1)) == 0
        assert flaky.calls == 1  # the breaker is open: the backend was not touched
        flaky.error = None
        clock.advance(0.2)
        recovered = await store.load_profile("v1")
        assert await store.increment_cap("v1", "hero", ttl=timedelta(hours=1)) == 1
    assert recovered is not None and recovered.page_views == 1
    assert not store.is_open
    assert [record.levelno for record in caplog.records] == [logging.WARNING, logging.INFO]
    assert "answers again" in caplog.records[1].getMessage()


async def test_guarded_store_warns_at_most_once_per_log_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    flaky, clock = FlakyStore(), FakeClock(0.0)
    flaky.error = sqlite3.OperationalError("database is locked")
    store = GuardedStore(cast(Store, flaky), log_interval=60, retry_after=0, monotonic=clock)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(5):
            await store.record_visit("v1", now=NOW, session_gap=GAP)
            clock.advance(10)
        clock.advance(20)
        await store.record_visit("v1", now=NOW, session_gap=GAP)
    assert flaky.calls == 6
    assert len(caplog.records) == 2
    assert "database is locked" in caplog.records[0].getMessage()


async def test_guarded_store_lets_one_probe_through_when_half_open() -> None:
    flaky, clock = FlakyStore(), FakeClock(0.0)
    store = GuardedStore(cast(Store, flaky), retry_after=5, monotonic=clock)
    flaky.error = OSError("down")
    await store.forget("v1")
    clock.advance(6)
    flaky.error, flaky.gate = None, asyncio.Event()
    probe = asyncio.create_task(store.item_counts("bought", ["a"]))
    await asyncio.sleep(0)
    skipped = await store.item_counts("bought", ["a"])
    flaky.gate.set()
    assert (await probe, skipped, flaky.calls) == ({"a": 0.0}, {}, 2)


async def test_guarded_store_lets_programming_errors_through() -> None:
    flaky = FlakyStore()
    flaky.error = TypeError("bad argument")
    store = GuardedStore(cast(Store, flaky))
    with pytest.raises(TypeError):
        await store.load_profile("v1")
    assert not store.is_open


async def test_guarded_store_close_logs_a_failing_backend(caplog: pytest.LogCaptureFixture) -> None:
    flaky = FlakyStore()
    flaky.error = OSError("gone")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        await GuardedStore(cast(Store, flaky)).close()
    assert "failed to close" in caplog.text
