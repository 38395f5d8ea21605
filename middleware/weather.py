"""The ``weather`` namespace: current weather near the visitor, cached by tile, within a budget."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol, runtime_checkable

from cachetools import TTLCache

from slots.errors import ConfigurationError
from slots.weather import WEATHER_CONDITIONS, Weather, weather_problem

from .openmeteo import OpenMeteoClient
from .providers import ProviderContext

__all__ = ["OpenMeteoClient", "StaticWeather", "WeatherProvider", "WeatherSource"]

logger = logging.getLogger("cheers.weather")

_KM_PER_DEGREE: Final = 111.32
# After this many failed fetches in a row (any tiles), every tile backs off, not just the one.
_FAILURES_BEFORE_PAUSE: Final = 3

Tile = tuple[int, int]


class WeatherSource(Protocol):
    """Where current weather comes from; returns ``None`` when it has nothing usable."""

    async def fetch(self, latitude: float, longitude: float) -> Weather | None: ...


@runtime_checkable
class _Closable(Protocol):
    async def aclose(self) -> None: ...


class StaticWeather:
    """The same weather everywhere, for demos and tests without a network."""

    __slots__ = ("weather",)

    def __init__(self, weather: Weather) -> None:
        problem = weather_problem(weather) if isinstance(weather, Weather) else "not a Weather"
        if problem is not None:
            raise ConfigurationError(f"static weather is invalid: {problem}")
        self.weather = weather

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> StaticWeather:
        """From configuration: ``{condition: rain, temp_c: 12, is_day: true, wind_kmh: 8,
        precip_mm: 1.5}`` (``condition`` may be left out; the rest default to mild and dry)."""
        if not isinstance(values, Mapping):
            raise ConfigurationError(f"static weather must be a mapping, got {values!r}")
        unknown = set(values) - {"condition", "temp_c", "is_day", "wind_kmh", "precip_mm"}
        if unknown:
            raise ConfigurationError(
                f"static weather has unknown keys {sorted(unknown)}; use condition, temp_c, "
                "is_day, wind_kmh, precip_mm"
            )
        condition = values.get("condition")
        if condition is not None and condition not in WEATHER_CONDITIONS:
            raise ConfigurationError(
                f"static weather condition {condition!r} is not one of "
                f"{', '.join(WEATHER_CONDITIONS)}"
            )
        return cls(
            Weather(
                condition=condition,
                temp_c=values.get("temp_c", 18.0),
                is_day=values.get("is_day", True),
                wind_kmh=values.get("wind_kmh", 5.0),
                precip_mm=values.get("precip_mm", 0.0),
            )
        )

    async def fetch(self, latitude: float, longitude: float) -> Weather | None:
        return self.weather


@dataclass(frozen=True, slots=True)
class _Entry:
    attributes: Mapping[str, Any]
    fetched_at: float


def _positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        least = "zero or more" if allow_zero else "more than zero"
        raise ConfigurationError(f"weather {name} must be a number {least}, got {value!r}")
    return float(value)


def _coordinate(value: Any, limit: float) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and -limit <= value <= limit:
        return float(value)  # NaN fails the comparison above
    return None


class WeatherProvider:
    """Computes ``weather.*`` from ``geo.latitude``/``geo.longitude`` via a :class:`WeatherSource`.

    Coordinates are snapped to tiles of about ``tile_km`` kilometres, and the source is asked
    about the tile's centre, so nearby visitors share one cached answer (and the source never
    sees a visitor's exact position). A cached answer is fresh for ``ttl`` seconds; for
    another ``ttl`` it is still served while one background fetch refreshes it.

    On a miss, one fetch per tile runs however many requests wait for it, and each request
    waits at most ``budget`` seconds: past that the page renders without weather while the
    fetch finishes in the background and fills the cache for later requests. A failed fetch
    (nothing usable from the source, or an exception) gives no weather, logs one warning per
    run of failures, and keeps that tile from being fetched for ``backoff`` seconds; after
    several failures in a row every tile waits, so a source that is down is not hammered.

    The provider belongs to one event loop; call :meth:`aclose` at shutdown (it also closes
    the source when the source has an ``aclose``).
    """

    namespace = "weather"

    def __init__(
        self,
        source: WeatherSource,
        *,
        budget: float = 0.1,
        ttl: float = 900,
        tile_km: float = 10,
        backoff: float = 60,
        max_tiles: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not callable(getattr(source, "fetch", None)):
            raise ConfigurationError(f"weather source {source!r} has no fetch(latitude, longitude)")
        if not isinstance(max_tiles, int) or isinstance(max_tiles, bool) or max_tiles < 1:
            raise ConfigurationError(
                f"weather max_tiles must be a whole number from 1, got {max_tiles!r}"
            )
        self._source = source
        self._budget = _positive("budget", budget)
        self._ttl = _positive("ttl", ttl)
        self._tile_degrees = _positive("tile_km", tile_km) / _KM_PER_DEGREE
        backoff = _positive("backoff", backoff, allow_zero=True)
        self._backoff = backoff
        self._monotonic = monotonic
        # Entries live twice the TTL: fresh for one, then served stale while a refresh runs.
        self._cache: TTLCache[Tile, _Entry] = TTLCache(max_tiles, 2 * self._ttl, timer=monotonic)
        self._failed: TTLCache[Tile, bool] | None = (
            TTLCache(max_tiles, backoff, timer=monotonic) if backoff else None
        )
        self._inflight: dict[Tile, asyncio.Task[Weather | None]] = {}
        self._failures = 0
        self._paused_until = -math.inf

    async def resolve(self, context: ProviderContext) -> Mapping[str, Any]:
        geo = context.namespace("geo")
        latitude = _coordinate(geo.get("latitude"), 90.0)
        longitude = _coordinate(geo.get("longitude"), 180.0)
        if latitude is None or longitude is None:
            return {}
        tile = self._tile_of(latitude, longitude)
        entry = self._cache.get(tile)
        if entry is not None:
            if self._monotonic() - entry.fetched_at >= self._ttl:
                self._start_fetch(tile)
            return dict(entry.attributes)
        task = self._start_fetch(tile)
        if task is None:
            return {}
        # asyncio.wait never cancels what it waits for: the shared fetch outlives the budget.
        await asyncio.wait((task,), timeout=self._budget)
        if not task.done() or task.cancelled():
            return {}
        weather = task.result()
        return {} if weather is None else weather.as_attributes()

    async def drain(self) -> None:
        """Wait until the fetches in flight have finished (for tests and graceful shutdown)."""
        tasks = self._tasks_of_this_loop()
        if tasks:
            await asyncio.wait(tasks)

    async def aclose(self) -> None:
        """Cancel the fetches in flight and close the source."""
        tasks = self._tasks_of_this_loop()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if isinstance(self._source, _Closable):
            await self._source.aclose()

    def _tasks_of_this_loop(self) -> list[asyncio.Task[Weather | None]]:
        loop = asyncio.get_running_loop()
        return [task for task in self._inflight.values() if task.get_loop() is loop]

    def _start_fetch(self, tile: Tile) -> asyncio.Task[Weather | None] | None:
        """The fetch for a tile: the one in flight, a new one, or ``None`` while backing off."""
        loop = asyncio.get_running_loop()
        task = self._inflight.get(tile)
        if task is not None and task.get_loop() is loop:
            return task
        now = self._monotonic()
        if now < self._paused_until or (self._failed is not None and tile in self._failed):
            return None
        task = loop.create_task(self._fetch(tile), name=f"cheers-weather-{tile[0]}-{tile[1]}")
        self._inflight[tile] = task
        return task

    async def _fetch(self, tile: Tile) -> Weather | None:
        try:
            weather, reason = await self._ask_source(*self._centre_of(tile))
            self._record(tile, weather, reason)
            return weather
        finally:
            if self._inflight.get(tile) is asyncio.current_task():
                del self._inflight[tile]

    async def _ask_source(self, latitude: float, longitude: float) -> tuple[Weather | None, str]:
        try:
            weather = await self._source.fetch(latitude, longitude)
        # A pluggable source may fail in any way; none of it may reach a page or go unretrieved.
        except Exception as error:
            return None, f"{type(error).__name__}: {error}"
        if weather is None:
            return None, "it gave no usable weather (details at debug level)"
        problem = weather_problem(weather) if isinstance(weather, Weather) else "not a Weather"
        if problem is not None:
            return None, f"it gave invalid weather: {problem}"
        return weather, ""

    def _record(self, tile: Tile, weather: Weather | None, reason: str) -> None:
        now = self._monotonic()
        if weather is not None:
            self._cache[tile] = _Entry(weather.as_attributes(), now)
            if self._failures:
                logger.info("weather source %r answers again", self._source)
            self._failures = 0
            return
        self._failures += 1
        if self._failed is not None:
            self._failed[tile] = True
        if self._failures >= _FAILURES_BEFORE_PAUSE:
            self._paused_until = now + self._backoff
        latitude, longitude = self._centre_of(tile)
        log = logger.warning if self._failures == 1 else logger.debug
        log(
            "weather from %r failed near %.2f,%.2f: %s; pages go without weather and the "
            "source is not asked again for %g s (for any place after %d failures in a row)",
            self._source, latitude, longitude, reason, self._backoff, _FAILURES_BEFORE_PAUSE,
        )

    def _tile_of(self, latitude: float, longitude: float) -> Tile:
        row = math.floor(latitude / self._tile_degrees)
        return row, math.floor(longitude / self._longitude_step(row))

    def _longitude_step(self, row: int) -> float:
        # Meridians converge: widen tiles in degrees of longitude to keep them ~tile_km wide.
        latitude = min(abs((row + 0.5) * self._tile_degrees), 90.0)
        return min(self._tile_degrees / max(math.cos(math.radians(latitude)), 0.01), 360.0)

    def _centre_of(self, tile: Tile) -> tuple[float, float]:
        row, column = tile
        latitude = min(max((row + 0.5) * self._tile_degrees, -90.0), 90.0)
        longitude = min(max((column + 0.5) * self._longitude_step(row), -180.0), 180.0)
        return latitude, longitude
