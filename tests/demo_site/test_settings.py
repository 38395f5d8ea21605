"""The demo's settings (demo_site/settings.py) and how create_app applies them."""

from __future__ import annotations

import pytest

from demo_site.app import create_app
from demo_site.settings import DemoSettings, DemoWeather, parse_weather, settings_from_env


def test_defaults_run_without_any_environment() -> None:
    settings = settings_from_env({})
    assert settings == DemoSettings()
    assert settings.is_debug and settings.weather is None
    assert settings.store == "sqlite:///cheers-demo.db"
    assert settings.policy.is_file() and settings.catalog.is_file()


def test_environment_overrides_defaults() -> None:
    settings = settings_from_env(
        {
            "CHEERS_SECRET_KEY": "s3cret",
            "CHEERS_STORE": "memory://",
            "CHEERS_DEMO_IP": "192.0.2.99",
            "CHEERS_DEMO_WEATHER": "rain:11",
        }
    )
    assert not settings.is_debug
    assert (settings.store, settings.demo_ip) == ("memory://", "192.0.2.99")
    assert settings.weather == DemoWeather(condition="rain", temp_c=11.0)


def test_empty_variables_count_as_unset() -> None:
    assert settings_from_env({"CHEERS_SECRET_KEY": "", "CHEERS_DEMO_WEATHER": ""}) == DemoSettings()


def test_parse_weather_accepts_condition_and_optional_temperature() -> None:
    assert parse_weather("Storm") == DemoWeather(condition="storm")
    assert parse_weather("clear:24.5").as_report() == {
        "condition": "clear",
        "temp_c": 24.5,
        "is_day": True,
        "wind_kmh": 8.0,
        "precip_mm": 0.0,
    }
    assert parse_weather("rain").as_report()["temp_c"] == 11.0


def test_parse_weather_rejects_unknown_condition_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown condition 'sunny'; use one of clear, cloudy"):
        parse_weather("sunny")


def test_parse_weather_rejects_a_bad_temperature() -> None:
    with pytest.raises(ValueError, match=r"temperature 'warm' is not a number"):
        parse_weather("rain:warm")


def test_create_app_rejects_unknown_overrides() -> None:
    with pytest.raises(TypeError, match="colour"):
        create_app(personalize=False, colour="blue")
