"""The demo shop's settings: embedded defaults, overridden by CHEERS_* environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast, get_args

if TYPE_CHECKING:
    from middleware.clock import Clock

__all__ = [
    "HERE",
    "DemoSettings",
    "DemoWeather",
    "WeatherCondition",
    "parse_weather",
    "settings_from_env",
]

HERE = Path(__file__).resolve().parent

WeatherCondition = Literal["clear", "cloudy", "fog", "drizzle", "rain", "snow", "storm"]
_CONDITIONS: tuple[str, ...] = get_args(WeatherCondition)


#: Typical readings per condition (temperature °C, wind km/h, precipitation mm), used for
#: the facts CHEERS_DEMO_WEATHER does not give: the weather provider wants a full report.
_TYPICAL: dict[str, tuple[float, float, float]] = {
    "clear": (18.0, 8.0, 0.0),
    "cloudy": (14.0, 12.0, 0.0),
    "fog": (9.0, 4.0, 0.0),
    "drizzle": (11.0, 10.0, 0.3),
    "rain": (11.0, 16.0, 2.5),
    "snow": (-1.0, 12.0, 1.5),
    "storm": (12.0, 60.0, 8.0),
}


@dataclass(frozen=True, slots=True)
class DemoWeather:
    """A fixed weather report for the demo (there is no live weather feed by default)."""

    condition: WeatherCondition
    temp_c: float | None = None

    def as_report(self) -> dict[str, object]:
        """The full report the middleware's ``weather=`` takes: the given condition and
        temperature, the rest typical for the condition, in daylight."""
        temp_c, wind_kmh, precip_mm = _TYPICAL[self.condition]
        return {
            "condition": self.condition,
            "temp_c": temp_c if self.temp_c is None else self.temp_c,
            "is_day": True,
            "wind_kmh": wind_kmh,
            "precip_mm": precip_mm,
        }


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """Everything the demo app is built from.

    ``secret_key`` ``None`` runs Cheers in debug mode with a throwaway key (visitor cookies
    do not survive a restart). ``demo_ip`` stands in for loopback and private client
    addresses so a local browser gets a location from the bundled demo GeoIP database.
    ``weather`` ``None`` means no weather signal: weather rules never match.
    ``preview_secret`` turns on the persona preview console at ``/_cheers``.
    ``stock_file`` is where the demo writes its working catalogue (``catalog`` with the
    items restocked through the demo control) for Cheers to read; ``None`` puts it next to a
    SQLite store's file (``cheers-demo-catalog.json``) or, for other stores, in a temporary
    folder. ``clock`` ``None`` is the system clock (tests pass one they can move).
    """

    personalize: bool = True
    secret_key: str | None = None
    store: str = "sqlite:///cheers-demo.db"
    demo_ip: str = "192.0.2.10"
    weather: DemoWeather | None = None
    policy: Path = HERE / "policy.yaml"
    catalog: Path = HERE / "catalog.json"
    geoip_db: Path = HERE / "geo" / "demo-cities.mmdb"
    max_orders: int = 1000
    preview_secret: str | None = None
    personas: Path = HERE / "personas.yaml"
    stock_file: Path | None = None
    clock: Clock | None = None

    @property
    def is_debug(self) -> bool:
        return self.secret_key is None


def parse_weather(text: str) -> DemoWeather:
    """Read ``CONDITION`` or ``CONDITION:TEMP_C`` (``rain``, ``rain:11``, ``clear:24.5``)."""
    condition, _, temperature = text.strip().lower().partition(":")
    if condition not in _CONDITIONS:
        raise ValueError(
            f"CHEERS_DEMO_WEATHER={text!r}: unknown condition {condition!r}; "
            f"use one of {', '.join(_CONDITIONS)}, optionally followed by ':TEMP_C' (rain:11)"
        )
    try:
        temp_c = float(temperature) if temperature else None
    except ValueError:
        raise ValueError(
            f"CHEERS_DEMO_WEATHER={text!r}: temperature {temperature!r} is not a number"
        ) from None
    return DemoWeather(condition=cast(WeatherCondition, condition), temp_c=temp_c)


def settings_from_env(environ: Mapping[str, str]) -> DemoSettings:
    """The demo's settings: defaults, with CHEERS_SECRET_KEY, CHEERS_STORE, CHEERS_DEMO_IP,
    CHEERS_DEMO_WEATHER and CHEERS_PREVIEW_SECRET applied when set (empty counts as unset)."""
    defaults = DemoSettings()
    weather_text = environ.get("CHEERS_DEMO_WEATHER", "")
    return DemoSettings(
        secret_key=environ.get("CHEERS_SECRET_KEY") or None,
        store=environ.get("CHEERS_STORE") or defaults.store,
        demo_ip=environ.get("CHEERS_DEMO_IP") or defaults.demo_ip,
        weather=parse_weather(weather_text) if weather_text else None,
        preview_secret=environ.get("CHEERS_PREVIEW_SECRET") or None,
    )
