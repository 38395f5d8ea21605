"""Tests for slots/weather.py: WMO codes, the Weather value and Open-Meteo parsing."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from slots.weather import (
    WEATHER_CONDITIONS,
    Weather,
    condition_from_wmo,
    parse_open_meteo,
    weather_problem,
)

# Every code in Open-Meteo's WMO table, with the condition Cheers reports for it.
OPEN_METEO_CODES = {
    0: "clear", 1: "cloudy", 2: "cloudy", 3: "cloudy", 45: "fog", 48: "fog",
    51: "drizzle", 53: "drizzle", 55: "drizzle", 56: "drizzle", 57: "drizzle",
    61: "rain", 63: "rain", 65: "rain", 66: "rain", 67: "rain",
    71: "snow", 73: "snow", 75: "snow", 77: "snow",
    80: "rain", 81: "rain", 82: "rain", 85: "snow", 86: "snow",
    95: "storm", 96: "storm", 99: "storm",
}

PAYLOAD: dict[str, Any] = {
    "latitude": 52.52,
    "longitude": 13.419998,
    "timezone": "GMT",
    "current_units": {"temperature_2m": "°C", "wind_speed_10m": "km/h", "precipitation": "mm"},
    "current": {
        "time": "2024-06-01T12:00",
        "interval": 900,
        "temperature_2m": 14.2,
        "is_day": 1,
        "precipitation": 0.4,
        "weather_code": 61,
        "wind_speed_10m": 11,
    },
}


def _with(**current: Any) -> dict[str, Any]:
    payload = copy.deepcopy(PAYLOAD)
    payload["current"].update(current)
    return payload


@pytest.mark.parametrize(("code", "condition"), sorted(OPEN_METEO_CODES.items()))
def test_condition_from_wmo_maps_every_open_meteo_code(code: int, condition: str) -> None:
    assert condition_from_wmo(code) == condition


UNUSED_CODES = [4, 10, 44, 46, 47, 49, 50, 58, 60, 68, 70, 78, 79, 83, 84, 87, 94, 100, -1]


@pytest.mark.parametrize("code", UNUSED_CODES)
def test_condition_from_wmo_gives_none_for_codes_open_meteo_does_not_use(code: int) -> None:
    assert condition_from_wmo(code) is None


def test_weather_conditions_lists_the_literal_values() -> None:
    assert WEATHER_CONDITIONS == ("clear", "cloudy", "fog", "drizzle", "rain", "snow", "storm")
    assert set(OPEN_METEO_CODES.values()) == set(WEATHER_CONDITIONS)


def test_parse_open_meteo_reads_the_current_values() -> None:
    assert parse_open_meteo(PAYLOAD) == Weather(
        condition="rain", temp_c=14.2, is_day=True, wind_kmh=11.0, precip_mm=0.4
    )


def test_parse_open_meteo_accepts_the_range_limits() -> None:
    weather = parse_open_meteo(
        _with(temperature_2m=-90, wind_speed_10m=500, precipitation=0, is_day=0, weather_code=99.0)
    )
    assert weather == Weather(
        condition="storm", temp_c=-90.0, is_day=False, wind_kmh=500.0, precip_mm=0.0
    )


def test_parse_open_meteo_keeps_the_values_of_an_unused_code_without_a_condition() -> None:
    weather = parse_open_meteo(_with(weather_code=4))
    assert weather is not None
    assert weather.condition is None
    assert weather.as_attributes() == {
        "temp_c": 14.2, "is_day": True, "wind_kmh": 11.0, "precip_mm": 0.4,
    }


@pytest.mark.parametrize(
    "payload",
    [
        None, "weather", [PAYLOAD], {}, {"current": None}, {"current": [1, 2]},
        {"current": {"temperature_2m": 14.2}},
        _with(temperature_2m="14.2"), _with(temperature_2m=None), _with(temperature_2m=math.nan),
        _with(temperature_2m=math.inf), _with(temperature_2m=True),
        _with(temperature_2m=-90.1), _with(temperature_2m=60.1), _with(temperature_2m=999),
        _with(wind_speed_10m=-0.1), _with(wind_speed_10m=500.1), _with(wind_speed_10m=[3]),
        _with(precipitation=-1), _with(precipitation=500.5), _with(precipitation={}),
        _with(is_day=2), _with(is_day=-1), _with(is_day=True), _with(is_day="1"), _with(is_day=0.5),
        _with(weather_code=3.5), _with(weather_code=100), _with(weather_code=-1),
        _with(weather_code="61"), _with(weather_code=None), _with(weather_code=False),
    ],
)
def test_parse_open_meteo_rejects_malformed_or_out_of_range_payloads(payload: Any) -> None:
    assert parse_open_meteo(payload) is None


@pytest.mark.parametrize(
    "field", ["temperature_2m", "is_day", "precipitation", "weather_code", "wind_speed_10m"]
)
def test_parse_open_meteo_needs_every_requested_field(field: str) -> None:
    payload = copy.deepcopy(PAYLOAD)
    del payload["current"][field]
    assert parse_open_meteo(payload) is None


def test_weather_as_attributes_names_the_weather_namespace_attributes() -> None:
    weather = Weather(condition="snow", temp_c=-2.5, is_day=False, wind_kmh=20.0, precip_mm=1.2)
    assert weather.as_attributes() == {
        "condition": "snow", "temp_c": -2.5, "is_day": False, "wind_kmh": 20.0, "precip_mm": 1.2,
    }


@pytest.mark.parametrize(
    ("weather", "problem"),
    [
        (Weather("rain", 10.0, True, 5.0, 0.0), None),
        (Weather(None, 10.0, True, 5.0, 0.0), None),
        (Weather("hail", 10.0, True, 5.0, 0.0), "condition 'hail' is not one of clear, cloudy"),  # type: ignore[arg-type]
        (Weather("rain", 61.0, True, 5.0, 0.0), "temp_c must be a number from -90 to 60, got 61.0"),
        (Weather("rain", "10", True, 5.0, 0.0), "temp_c must be a number"),  # type: ignore[arg-type]
        (Weather("rain", 10.0, 1, 5.0, 0.0), "is_day must be true or false, got 1"),  # type: ignore[arg-type]
        (Weather("rain", 10.0, True, -5.0, 0.0), "wind_kmh must be a number from 0 to 500"),
        (Weather("rain", 10.0, True, 5.0, 600.0), "precip_mm must be a number from 0 to 500"),
    ],
)
def test_weather_problem_names_the_bad_value(weather: Weather, problem: str | None) -> None:
    found = weather_problem(weather)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem)
