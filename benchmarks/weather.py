"""Benchmark: µs per resolve of the time, visit, page and weather providers.

Run from the repository root: ``.venv/bin/python -m benchmarks.weather``. The weather miss
goes to the fake Open-Meteo server of the tests on 127.0.0.1 (no internet), so it measures
the provider plus one local HTTP round trip. Figures drift between runs; compare rows of one
run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from middleware.localtime import TimeProvider
from middleware.openmeteo import OpenMeteoClient
from middleware.request import RequestInfo
from middleware.visit import PageProvider, VisitProvider
from middleware.weather import WeatherProvider
from tests.middleware.weather_server import fake_open_meteo

__all__ = ["main"]

N = 20_000  # calls per timing of a warm path
ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Africa/Lagos"]
HEADERS = {
    "host": "shop.example",
    "referer": "https://www.google.com/search?q=red+shoes",
    "accept-language": "en-GB,en;q=0.9,fr;q=0.8,de;q=0.7",
    "user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15",
}


@dataclass
class _Context:
    geo: Mapping[str, Any] = field(default_factory=dict)
    request: RequestInfo = field(default_factory=lambda: RequestInfo.from_scope({"type": "http"}))
    now: datetime = field(default_factory=lambda: datetime(2024, 6, 1, 12, tzinfo=UTC))
    client_ip: str | None = None
    via_trusted_proxy: bool = False

    def namespace(self, name: str) -> Mapping[str, Any]:
        return self.geo


def _per_call(run: Callable[[], object], *, number: int, repeat: int = 5) -> float:
    """The best of ``repeat`` mean µs per call over ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            run()
        best = min(best, (time.perf_counter() - started) / number)
    return best * 1e6


async def _per_await(
    run: Callable[[], Awaitable[object]], *, number: int, repeat: int = 5
) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            await run()
        best = min(best, (time.perf_counter() - started) / number)
    return best * 1e6


def _time_cold(rounds: int = 200) -> float:
    """A zone neither in the provider's dict nor in ZoneInfo's own cache (median µs)."""
    samples = []
    for index in range(rounds):
        ZoneInfo.clear_cache()
        provider = TimeProvider()
        context = _Context(geo={"timezone": ZONES[index % len(ZONES)], "latitude": 48.9})
        started = time.perf_counter()
        provider.resolve(context)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


def _sync_rows() -> list[tuple[str, float]]:
    time_provider = TimeProvider()
    warm = _Context(geo={"timezone": "Europe/Paris", "latitude": 48.9})
    time_provider.resolve(warm)
    scope = {
        "type": "http", "scheme": "https", "path": "/shoes/red",
        "query_string": b"utm_source=newsletter&utm_medium=email&utm_campaign=spring&page=2",
        "headers": [(name.encode(), value.encode()) for name, value in HEADERS.items()],
    }
    request = _Context(request=RequestInfo.from_scope(scope))
    visit, page = VisitProvider(), PageProvider()
    return [
        ("time, cold zone (median)", _time_cold()),
        ("time, warm zone", _per_call(lambda: time_provider.resolve(warm), number=N)),
        ("visit (referrer, utm, languages)", _per_call(lambda: visit.resolve(request), number=N)),
        ("page (path, 4 query values)", _per_call(lambda: page.resolve(request), number=N)),
    ]


async def _weather_rows() -> list[tuple[str, float]]:
    with fake_open_meteo() as server:
        provider = WeatherProvider(OpenMeteoClient(base_url=server.base_url), budget=2.0)
        try:
            hit = _Context(geo={"latitude": 52.52, "longitude": 13.405})
            await provider.resolve(hit)
            hit_us = await _per_await(lambda: provider.resolve(hit), number=N)
            misses = iter(range(10**9))

            async def miss() -> None:
                step = next(misses)
                geo = {"latitude": -60 + (step % 1200) * 0.1, "longitude": -170 + step // 1200}
                if not await provider.resolve(_Context(geo=geo)):
                    raise RuntimeError("the fake server gave no weather")

            miss_us = await _per_await(miss, number=100, repeat=3)
            requests = server.requests
        finally:
            await provider.aclose()
    return [
        ("weather, cache hit", hit_us),
        (f"weather, miss via local fake server ({requests} fetches)", miss_us),
    ]


def main() -> None:
    rows = _sync_rows() + asyncio.run(_weather_rows())
    width = max(len(name) for name, _ in rows)
    print(f"{'provider resolve':<{width}}  µs per call")
    for name, micros in rows:
        print(f"{name:<{width}}  {micros:10.2f}")


if __name__ == "__main__":
    main()
