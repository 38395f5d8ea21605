"""Tests for middleware/weather.py, against the fake Open-Meteo server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from middleware.openmeteo import OpenMeteoClient
from middleware.request import RequestInfo
from middleware.weather import StaticWeather, WeatherProvider, WeatherSource
from slots.errors import ConfigurationError
from slots.weather import Weather

from .weather_server import FakeOpenMeteo, closed_port_url, fake_open_meteo

BERLIN = {"latitude": 52.52, "longitude": 13.405}
RAIN = {"condition": "rain", "temp_c": 14.2, "is_day": True, "wind_kmh": 11.5, "precip_mm": 0.4}


@dataclass
class FakeContext:
    geo: Mapping[str, Any] = field(default_factory=dict)
    request: RequestInfo = field(default_factory=lambda: RequestInfo.from_scope({"type": "http"}))
    now: datetime = datetime(2024, 6, 1, 12, tzinfo=UTC)
    client_ip: str | None = None
    via_trusted_proxy: bool = False

    def namespace(self, name: str) -> Mapping[str, Any]:
        assert name == "geo"
        return self.geo


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RecordingSource:
    """Wraps a source and records the coordinates it is asked about."""

    inner: WeatherSource
    calls: list[tuple[float, float]] = field(default_factory=list)

    async def fetch(self, latitude: float, longitude: float) -> Weather | None:
        self.calls.append((latitude, longitude))
        return await self.inner.fetch(latitude, longitude)

    async def aclose(self) -> None:
        if isinstance(self.inner, OpenMeteoClient):
            await self.inner.aclose()


@pytest.fixture
def server() -> Iterator[FakeOpenMeteo]:
    with fake_open_meteo() as fake:
        yield fake


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


MakeProvider = Callable[..., WeatherProvider]


@pytest.fixture
async def make_provider(server: FakeOpenMeteo, clock: FakeMonotonic) -> AsyncIterator[MakeProvider]:
    made: list[WeatherProvider] = []

    def make(source: WeatherSource | None = None, **options: Any) -> WeatherProvider:
        options.setdefault("monotonic", clock)
        provider = WeatherProvider(source or OpenMeteoClient(base_url=server.base_url), **options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


def _weather_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record for record in caplog.records
        if record.name == "cheers.weather" and record.levelno >= logging.WARNING
    ]


async def test_weather_provider_gives_the_current_weather_near_the_visitor(
    server: FakeOpenMeteo, make_provider: MakeProvider
) -> None:
    assert await make_provider(budget=2).resolve(FakeContext(BERLIN)) == RAIN
    (query,) = server.queries
    assert query["current"] == ["temperature_2m,is_day,precipitation,weather_code,wind_speed_10m"]
    assert abs(float(query["latitude"][0]) - 52.52) < 0.1
    assert abs(float(query["longitude"][0]) - 13.405) < 0.1


async def test_weather_provider_serves_a_cache_hit_without_calling_again(
    server: FakeOpenMeteo, make_provider: MakeProvider, clock: FakeMonotonic
) -> None:
    provider = make_provider(budget=2, ttl=900)
    await provider.resolve(FakeContext(BERLIN))
    server.current["temperature_2m"] = 30.0
    clock.now += 899
    assert await provider.resolve(FakeContext(BERLIN)) == RAIN
    assert server.requests == 1


async def test_weather_provider_asks_once_for_twenty_concurrent_requests(
    server: FakeOpenMeteo, make_provider: MakeProvider
) -> None:
    server.set_mode("slow", delay=0.3)
    provider = make_provider(budget=5)
    results = await asyncio.gather(*(provider.resolve(FakeContext(BERLIN)) for _ in range(20)))
    assert results == [RAIN] * 20
    assert server.requests == 1


async def test_weather_provider_returns_nothing_within_the_budget_and_fills_the_cache_later(
    server: FakeOpenMeteo, make_provider: MakeProvider
) -> None:
    server.set_mode("hold")
    provider = make_provider(budget=0.05)
    started = time.perf_counter()
    assert await provider.resolve(FakeContext(BERLIN)) == {}
    assert time.perf_counter() - started < 0.05 + 0.5  # a behavioural bound, not a benchmark
    assert await provider.resolve(FakeContext(BERLIN)) == {}
    server.release()
    await provider.drain()
    assert await provider.resolve(FakeContext(BERLIN)) == RAIN
    assert server.requests == 1


async def test_weather_provider_serves_stale_weather_while_it_refreshes(
    server: FakeOpenMeteo, make_provider: MakeProvider, clock: FakeMonotonic
) -> None:
    provider = make_provider(budget=2, ttl=600)
    await provider.resolve(FakeContext(BERLIN))
    server.current["temperature_2m"] = 30.0
    server.set_mode("hold")
    clock.now += 601
    assert await provider.resolve(FakeContext(BERLIN)) == RAIN  # stale, at once
    assert await provider.resolve(FakeContext(BERLIN)) == RAIN
    server.release()
    await provider.drain()
    assert (await provider.resolve(FakeContext(BERLIN)))["temp_c"] == 30.0
    assert server.requests == 2


async def test_weather_provider_fetches_again_once_the_stale_window_is_over(
    server: FakeOpenMeteo, make_provider: MakeProvider, clock: FakeMonotonic
) -> None:
    provider = make_provider(budget=2, ttl=600)
    await provider.resolve(FakeContext(BERLIN))
    server.current["temperature_2m"] = 30.0
    clock.now += 1_201
    assert (await provider.resolve(FakeContext(BERLIN)))["temp_c"] == 30.0
    assert server.requests == 2


async def test_weather_provider_shares_one_answer_within_a_tile_and_hides_exact_coordinates(
    server: FakeOpenMeteo, make_provider: MakeProvider
) -> None:
    source = RecordingSource(OpenMeteoClient(base_url=server.base_url))
    provider = make_provider(source, budget=2)
    await provider.resolve(FakeContext(BERLIN))
    ((latitude, longitude),) = source.calls
    assert (latitude, longitude) != (BERLIN["latitude"], BERLIN["longitude"])
    near = {"latitude": latitude + 0.03, "longitude": longitude - 0.03}
    assert await provider.resolve(FakeContext(near)) == RAIN
    far = {"latitude": latitude + 0.5, "longitude": longitude}
    assert await provider.resolve(FakeContext(far)) == RAIN
    assert len(source.calls) == 2


async def test_weather_provider_keeps_tiles_about_as_wide_far_from_the_equator(
    server: FakeOpenMeteo, make_provider: MakeProvider
) -> None:
    source = RecordingSource(OpenMeteoClient(base_url=server.base_url))
    provider = make_provider(source, budget=2)
    await provider.resolve(FakeContext({"latitude": 69.65, "longitude": 18.96}))  # Tromsø
    ((latitude, longitude),) = source.calls
    # 0.1° of longitude is ~3.9 km at 70° N: still the same ~10 km tile.
    await provider.resolve(FakeContext({"latitude": latitude, "longitude": longitude + 0.1}))
    await provider.resolve(FakeContext({"latitude": latitude, "longitude": longitude - 0.1}))
    assert len(source.calls) == 1


async def test_weather_provider_handles_the_poles_and_the_antimeridian(
    server: FakeOpenMeteo, make_provider: MakeProvider
) -> None:
    source = RecordingSource(OpenMeteoClient(base_url=server.base_url))
    provider = make_provider(source, budget=2)
    for latitude, longitude in ((90, 180), (-90, -180), (89.99, -179.99), (0, 0)):
        geo = {"latitude": latitude, "longitude": longitude}
        assert await provider.resolve(FakeContext(geo)) == RAIN
    assert all(-90 <= lat <= 90 and -180 <= lon <= 180 for lat, lon in source.calls)


@pytest.mark.parametrize(
    "geo",
    [
        {},
        {"latitude": 52.5},
        {"latitude": "52.5", "longitude": "13.4"},
        {"latitude": 91.0, "longitude": 13.4},
        {"latitude": 52.5, "longitude": -180.5},
        {"latitude": float("nan"), "longitude": 13.4},
        {"latitude": True, "longitude": False},
    ],
)
async def test_weather_provider_gives_nothing_without_usable_coordinates(
    geo: Mapping[str, Any], server: FakeOpenMeteo, make_provider: MakeProvider
) -> None:
    assert await make_provider(budget=2).resolve(FakeContext(geo)) == {}
    assert server.requests == 0


@pytest.mark.parametrize("mode", ["error", "garbage", "out_of_range"])
async def test_weather_provider_backs_off_a_tile_whose_fetch_failed(
    mode: Any,
    server: FakeOpenMeteo,
    make_provider: MakeProvider,
    clock: FakeMonotonic,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.set_mode(mode)
    provider = make_provider(budget=2, backoff=60)
    with caplog.at_level(logging.INFO, logger="cheers.weather"):
        for _ in range(5):
            assert await provider.resolve(FakeContext(BERLIN)) == {}
        assert server.requests == 1
        (warning,) = _weather_warnings(caplog)
        assert "pages go without weather" in warning.getMessage()
        server.set_mode("ok")
        clock.now += 59
        assert await provider.resolve(FakeContext(BERLIN)) == {}
        clock.now += 2
        assert await provider.resolve(FakeContext(BERLIN)) == RAIN
    assert server.requests == 2
    assert "answers again" in caplog.records[-1].getMessage()


async def test_weather_provider_pauses_every_tile_after_failures_in_a_row(
    server: FakeOpenMeteo,
    make_provider: MakeProvider,
    clock: FakeMonotonic,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.set_mode("error")
    provider = make_provider(budget=2, backoff=60)
    places = [{"latitude": 40.0 + step, "longitude": 10.0} for step in range(6)]
    with caplog.at_level(logging.DEBUG, logger="cheers.weather"):
        for geo in places:
            assert await provider.resolve(FakeContext(geo)) == {}
    assert server.requests == 3
    assert len(_weather_warnings(caplog)) == 1
    clock.now += 61
    await provider.resolve(FakeContext(places[5]))
    assert server.requests == 4  # one probe after the pause, which fails and pauses again
    await provider.resolve(FakeContext(places[4]))
    assert server.requests == 4


async def test_weather_provider_gives_nothing_when_the_source_is_down(
    make_provider: MakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    source = RecordingSource(OpenMeteoClient(base_url=closed_port_url()))
    provider = make_provider(source, budget=2)
    with caplog.at_level(logging.DEBUG, logger="cheers.weather"):
        assert await provider.resolve(FakeContext(BERLIN)) == {}
        assert await provider.resolve(FakeContext(BERLIN)) == {}
    assert len(source.calls) == 1
    assert len(_weather_warnings(caplog)) == 1
    assert any("ConnectError" in record.getMessage() for record in caplog.records)


class ExplodingSource:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0

    async def fetch(self, latitude: float, longitude: float) -> Weather | None:
        self.calls += 1
        await asyncio.sleep(self.delay)
        raise RuntimeError("boom")


@pytest.mark.parametrize("delay", [0.0, 0.2])
async def test_weather_provider_contains_a_source_that_raises(
    delay: float, make_provider: MakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    source = ExplodingSource(delay)
    provider = make_provider(source, budget=0.05)
    with caplog.at_level(logging.DEBUG):
        assert await provider.resolve(FakeContext(BERLIN)) == {}
        await provider.drain()
        gc.collect()
        assert await provider.resolve(FakeContext(BERLIN)) == {}
    assert source.calls == 1
    (warning,) = _weather_warnings(caplog)
    assert "RuntimeError: boom" in warning.getMessage()
    assert not [record for record in caplog.records if record.name == "asyncio"]


async def test_weather_provider_rejects_invalid_weather_from_a_source(
    make_provider: MakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenSource:
        async def fetch(self, latitude: float, longitude: float) -> Weather | None:
            return Weather("rain", 400.0, True, 1.0, 0.0)

    with caplog.at_level(logging.WARNING):
        assert await make_provider(BrokenSource(), budget=2).resolve(FakeContext(BERLIN)) == {}
    assert "temp_c must be a number from -90 to 60" in _weather_warnings(caplog)[0].getMessage()


async def test_weather_provider_forgets_the_least_recent_tile_beyond_max_tiles(
    server: FakeOpenMeteo, make_provider: MakeProvider
) -> None:
    provider = make_provider(budget=2, max_tiles=2)
    places = [{"latitude": 40.0 + step, "longitude": 10.0} for step in range(3)]
    for geo in places:
        await provider.resolve(FakeContext(geo))
    await provider.resolve(FakeContext(places[2]))
    assert server.requests == 3
    await provider.resolve(FakeContext(places[0]))
    assert server.requests == 4


async def test_weather_provider_aclose_cancels_fetches_in_flight(server: FakeOpenMeteo) -> None:
    server.set_mode("hold")
    external = httpx.AsyncClient()
    source = OpenMeteoClient(base_url=server.base_url, client=external)
    provider = WeatherProvider(source, budget=0.01)
    assert await provider.resolve(FakeContext(BERLIN)) == {}
    await provider.aclose()
    await provider.drain()  # nothing left in flight
    assert not external.is_closed  # a client passed in belongs to the caller
    await external.aclose()


async def test_weather_provider_with_static_weather_needs_no_network() -> None:
    source = StaticWeather.from_mapping({"condition": "snow", "temp_c": -3, "is_day": False})
    provider = WeatherProvider(source)
    assert await provider.resolve(FakeContext(BERLIN)) == {
        "condition": "snow", "temp_c": -3, "is_day": False, "wind_kmh": 5.0, "precip_mm": 0.0,
    }
    await provider.aclose()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"condition": "hail"}, "condition 'hail' is not one of clear, cloudy"),
        ({"temp_c": 99}, "temp_c must be a number from -90 to 60, got 99"),
        ({"is_day": "yes"}, "is_day must be true or false"),
        ({"wind": 3}, r"unknown keys \['wind'\]"),
        (["rain"], "must be a mapping"),
    ],
)
def test_static_weather_rejects_bad_configuration(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        StaticWeather.from_mapping(values)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"budget": 0}, "budget must be a number more than zero"),
        ({"ttl": -1}, "ttl must be a number more than zero"),
        ({"tile_km": float("nan")}, "tile_km must be a number more than zero"),
        ({"backoff": -5}, "backoff must be a number zero or more"),
        ({"max_tiles": 0}, "max_tiles must be a whole number from 1"),
        ({"budget": "fast"}, "budget must be a number"),
    ],
)
def test_weather_provider_rejects_bad_configuration(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        WeatherProvider(StaticWeather(Weather("clear", 20.0, True, 0.0, 0.0)), **options)


def test_weather_provider_rejects_a_source_without_fetch() -> None:
    with pytest.raises(ConfigurationError, match="has no fetch"):
        WeatherProvider(object())  # type: ignore[arg-type]
