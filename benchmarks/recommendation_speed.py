"""Speed of recommending and of recording events, on a store holding a real purchase log."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from benchmarks.retail_log import Basket, Case, replay_purchases
from middleware.recommendations import Recommender
from middleware.stores import open_store
from middleware.stores.base import Store
from slots.catalog import Catalog
from slots.decision import RecommendationRequest
from slots.profile import Profile

__all__ = ["SPEED_COLUMNS", "empty_redis", "find_redis", "measure_speed", "speed_table", "trained"]

SEED = "cheers-speed"
SPEED_COLUMNS = (
    "also_bought, item page", "also_bought, cold",
    "for_you, home page", "for_you, cold", "record a view",
)


async def measure_speed(
    store: Store, catalog: Catalog, cases: Sequence[Case], *, samples: int
) -> dict[str, float]:
    """Median µs of one recommendation and of recording one view.

    Item page: also_bought of the page's item; home page: for_you of the visitor's recent
    items. Warm: the recommender's snapshot already holds the seeds (asked a second time);
    cold: no snapshot, every statistic read from the store.
    """
    rng = random.Random(SEED)
    warm, cold = Recommender(store, catalog), Recommender(store, catalog, cache_ttl=0)
    items = list(catalog.items)
    timings: dict[str, list[float]] = {name: [] for name in SPEED_COLUMNS}
    for _ in range(samples):
        case = rng.choice(cases)
        page = rng.choice(sorted(case.given | case.targets))
        for strategy, current, where in (("also_bought", page, "item"), ("for_you", None, "home")):
            request = RecommendationRequest(strategy=strategy, limit=4)
            options: dict[str, Any] = {
                "profile": case.profile, "current_item": current, "now": case.now
            }
            await warm.recommend(request, **options)  # fills the snapshot
            hit = await _timed(warm.recommend(request, **options))
            timings[f"{strategy}, {where} page"].append(hit)
            timings[f"{strategy}, cold"].append(await _timed(cold.recommend(request, **options)))
        profile = Profile(visitor_id="speed", viewed=tuple(rng.sample(items, 10)))
        view = warm.record_view("speed", item_id=rng.choice(items), profile=profile, now=case.now)
        timings["record a view"].append(await _timed(view))
    return {name: statistics.median(values) for name, values in timings.items()}


async def _timed(call: Awaitable[object]) -> float:
    """µs until ``call`` (an already created coroutine) completes."""
    started = time.perf_counter_ns()
    await call
    return (time.perf_counter_ns() - started) / 1000


async def find_redis(explicit: str | None) -> str | None:
    """The Redis database to time: the one named, or db 14 on 127.0.0.1 when it answers and
    is empty, so that emptying it afterwards never touches data in use."""
    import redis.asyncio as aioredis

    url = explicit or "redis://127.0.0.1:6379/14"
    client = aioredis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        size = await client.dbsize()
    except (OSError, aioredis.RedisError):
        print(f"no Redis answers at {url}: not timed")
        return None
    finally:
        await client.aclose()
    if explicit is None and size:
        print(f"{url} holds {size} keys: Redis not timed (name an empty database with --redis)")
        return None
    return url


async def empty_redis(url: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


async def trained(url: str, catalog: Catalog, baskets: Sequence[Basket]) -> Store:
    store = open_store(url)
    started = time.perf_counter()
    await replay_purchases(store, Recommender(store, catalog), baskets)
    seconds = time.perf_counter() - started
    items = sum(len(basket.items) for basket in baskets)
    print(f"replayed {len(baskets):,} invoices ({items:,} items) into {url} in {seconds:.1f} s "
          f"({seconds / max(items, 1) * 1e6:.0f} µs per purchased item)")
    return store


def speed_table(speeds: Mapping[str, Mapping[str, float]]) -> str:
    lines = ["| store | " + " | ".join(SPEED_COLUMNS) + " |", "|---|" + "---|" * len(SPEED_COLUMNS)]
    for name, figures in speeds.items():
        lines.append(f"| {name} | " + " | ".join(f"{figures[c]:.0f}" for c in SPEED_COLUMNS) + " |")
    return "\n".join(lines)
