"""Current weather as context attributes: WMO weather codes and the validated ``Weather`` value."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

__all__ = [
    "WEATHER_CONDITIONS",
    "Weather",
    "WeatherCondition",
    "condition_from_wmo",
    "parse_open_meteo",
    "weather_problem",
]

WeatherCondition = Literal["clear", "cloudy", "fog", "drizzle", "rain", "snow", "storm"]

WEATHER_CONDITIONS: Final[tuple[WeatherCondition, ...]] = get_args(WeatherCondition)

# WMO 4677 "present weather" codes as Open-Meteo reports them (0-99), grouped into the few
# conditions a marketer writes rules about. Codes Open-Meteo never sends map to nothing.
_WMO_RANGES: Final[tuple[tuple[range, WeatherCondition], ...]] = (
    (range(0, 1), "clear"),
    (range(1, 4), "cloudy"),
    (range(45, 49, 3), "fog"),
    (range(51, 58), "drizzle"),
    (range(61, 68), "rain"),
    (range(80, 83), "rain"),
    (range(71, 78), "snow"),
    (range(85, 87), "snow"),
    (range(95, 100), "storm"),
)
_WMO_TABLE: Final[dict[int, WeatherCondition]] = {
    code: condition for codes, condition in _WMO_RANGES for code in codes
}

# Plausible bounds; a value outside them is a broken feed, not weather.
_TEMP_C: Final = (-90.0, 60.0)
_WIND_KMH: Final = (0.0, 500.0)
_PRECIP_MM: Final = (0.0, 500.0)
_OPEN_METEO_FIELDS: Final = (
    "temperature_2m", "is_day", "precipitation", "weather_code", "wind_speed_10m",
)


def condition_from_wmo(code: int) -> WeatherCondition | None:
    """The condition of a WMO 4677 weather code, or ``None`` for a code Open-Meteo does not use.

    0 clear; 1-3 cloudy; 45, 48 fog; 51-57 drizzle; 61-67 and 80-82 rain; 71-77 and 85-86
    snow; 95-99 storm.
    """
    return _WMO_TABLE.get(code)


@dataclass(frozen=True, slots=True)
class Weather:
    """The current weather at a place. ``condition`` is ``None`` when the code was unknown."""

    condition: WeatherCondition | None
    temp_c: float
    is_day: bool
    wind_kmh: float
    precip_mm: float

    def as_attributes(self) -> dict[str, Any]:
        """The ``weather.*`` attributes; an unknown condition is left out."""
        attributes: dict[str, Any] = {
            "temp_c": self.temp_c,
            "is_day": self.is_day,
            "wind_kmh": self.wind_kmh,
            "precip_mm": self.precip_mm,
        }
        if self.condition is not None:
            attributes["condition"] = self.condition
        return attributes


def weather_problem(weather: Weather) -> str | None:
    """What is wrong with a ``Weather`` value (a type or a range), or ``None`` when it is sound."""
    if weather.condition is not None and weather.condition not in WEATHER_CONDITIONS:
        return f"condition {weather.condition!r} is not one of {', '.join(WEATHER_CONDITIONS)}"
    # Typed fields, but the values may have come from untyped configuration.
    is_day: object = weather.is_day
    if not isinstance(is_day, bool):
        return f"is_day must be true or false, got {is_day!r}"
    for name, value, (low, high) in (
        ("temp_c", weather.temp_c, _TEMP_C),
        ("wind_kmh", weather.wind_kmh, _WIND_KMH),
        ("precip_mm", weather.precip_mm, _PRECIP_MM),
    ):
        if not _is_number(value) or not low <= value <= high:
            return f"{name} must be a number from {low:g} to {high:g}, got {value!r}"
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_open_meteo(payload: Any) -> Weather | None:
    """The weather in an Open-Meteo ``/v1/forecast`` response asked for ``current`` values.

    Reads ``current.temperature_2m`` (°C), ``is_day`` (0/1), ``precipitation`` (mm),
    ``weather_code`` (WMO 4677) and ``wind_speed_10m`` (km/h). Returns ``None`` for anything
    malformed or out of range rather than guess.
    """
    current = payload.get("current") if isinstance(payload, Mapping) else None
    if not isinstance(current, Mapping) or not all(key in current for key in _OPEN_METEO_FIELDS):
        return None
    code, is_day = current["weather_code"], current["is_day"]
    if not _is_number(code) or code != int(code) or not 0 <= code <= 99:
        return None
    if not _is_number(is_day) or is_day not in (0, 1):
        return None
    temp_c, wind_kmh, precip_mm = (
        current[key] for key in ("temperature_2m", "wind_speed_10m", "precipitation")
    )
    if not (_is_number(temp_c) and _is_number(wind_kmh) and _is_number(precip_mm)):
        return None
    weather = Weather(
        condition=condition_from_wmo(int(code)),
        temp_c=float(temp_c),
        is_day=bool(is_day),
        wind_kmh=float(wind_kmh),
        precip_mm=float(precip_mm),
    )
    return None if weather_problem(weather) is not None else weather
