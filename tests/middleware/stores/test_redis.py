"""The Redis store: key layout, TTLs, and other processes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import redis

from middleware.stores import RedisStore
from tests.middleware.stores import _workers
from tests.middleware.stores.conftest import GAP, NOW

pytestmark = pytest.mark.redis


async def test_redis_store_keeps_a_visitor_under_one_hash_tag(redis_url: str) -> None:
    store = RedisStore(redis_url)
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    await store.record_view("v1", item_id="a", category="dogs", in_stock=False, now=NOW)
    await store.close()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    keys = set(client.keys("*"))
    client.close()
    assert keys == {f"cheers:v:{{v1}}:{part}" for part in ("p", "viewed", "views", "cats", "oos")}


async def test_redis_store_writes_refresh_the_ttl_to_retention(redis_url: str) -> None:
    store = RedisStore(redis_url, retention=timedelta(seconds=100))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    client.pexpire("cheers:v:{v1}:p", 1_000)
    await store.set_traits("v1", {"tier": "gold"}, now=NOW)
    ttls = [client.pttl(key) for key in client.keys("cheers:v:*")]
    client.close()
    await store.close()
    assert len(ttls) == 2
    assert all(90_000 < ttl <= 100_000 for ttl in ttls)


async def test_redis_store_links_expire_with_retention(redis_url: str) -> None:
    store = RedisStore(redis_url, retention=timedelta(seconds=100))
    await store.link_person("person-1", "v1")
    await store.close()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    ttl = client.pttl("cheers:p:person-1")
    client.close()
    assert 90_000 < ttl <= 100_000


def test_redis_store_counts_every_visit_from_two_processes(redis_url: str) -> None:
    url = f"{redis_url}?timeout=5"
    _workers.run_in_two_processes(_workers.record_visits, url, "v1", 500)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    page_views = client.hget("cheers:v:{v1}:p", "page_views")
    client.close()
    assert page_views == "1000"


def test_redis_store_counts_every_pair_from_two_processes(redis_url: str) -> None:
    url = f"{redis_url}?timeout=5"
    items = ["a", "b", "c", "d"]
    _workers.run_in_two_processes(_workers.add_cooccurrences, url, items, 25)

    async def read() -> tuple[object, object]:
        store = RedisStore(redis_url)
        counts = await store.item_counts("bought", items)
        neighbours = await store.neighbours("bought", ["a"])
        await store.close()
        return counts, neighbours

    counts, neighbours = asyncio.run(read())
    assert counts == {item: 50.0 for item in items}
    assert neighbours == {"a": {"b": 100.0, "c": 100.0, "d": 100.0}}
