"""Tests for middleware/localtime.py: the ``time`` namespace in the visitor's zone."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import middleware.localtime as localtime_module
from middleware.localtime import TimeProvider
from middleware.request import RequestInfo
from slots.errors import ConfigurationError
from slots.localtime import parse_dayparts

NOON_UTC = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeContext:
    now: datetime
    geo: Mapping[str, Any] = field(default_factory=dict)
    request: RequestInfo = field(default_factory=lambda: RequestInfo.from_scope({"type": "http"}))
    client_ip: str | None = None
    via_trusted_proxy: bool = False

    def namespace(self, name: str) -> Mapping[str, Any]:
        assert name == "geo"
        return self.geo


def test_time_provider_uses_the_geo_time_zone() -> None:
    attributes = TimeProvider().resolve(FakeContext(NOON_UTC, {"timezone": "Asia/Kolkata"}))
    assert attributes["local"] == "2024-07-01T17:30:00+05:30"
    assert attributes["daypart"] == "evening"


def test_time_provider_uses_the_default_zone_without_geo() -> None:
    provider = TimeProvider(default_zone="America/New_York")
    attributes = provider.resolve(FakeContext(NOON_UTC))
    assert attributes["local"] == "2024-07-01T08:00:00-04:00"
    assert attributes["daypart"] == "morning"


def test_time_provider_falls_back_to_the_default_for_an_unknown_geo_zone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = TimeProvider(default_zone="Europe/Paris")
    with caplog.at_level(logging.DEBUG, logger="cheers.time"):
        for name in ("Mars/Olympus_Mons", "Mars/Olympus_Mons", "../etc/passwd", "", 42):
            attributes = provider.resolve(FakeContext(NOON_UTC, {"timezone": name}))
            assert attributes["hour"] == 14
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count("unknown time zone 'Mars/Olympus_Mons' from geo; using Europe/Paris") == 1
    assert all(record.levelno == logging.DEBUG for record in caplog.records)


def test_time_provider_loads_each_zone_once(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    def counting_zone_info(name: str) -> ZoneInfo:
        loaded.append(name)
        return ZoneInfo(name)

    monkeypatch.setattr(localtime_module, "ZoneInfo", counting_zone_info)
    provider = TimeProvider()
    for _ in range(3):
        provider.resolve(FakeContext(NOON_UTC, {"timezone": "Europe/Berlin"}))
        provider.resolve(FakeContext(NOON_UTC, {"timezone": "Nowhere/Town"}))
    assert loaded == ["UTC", "Europe/Berlin", "Nowhere/Town"]


def test_time_provider_takes_the_hemisphere_from_geo_latitude() -> None:
    provider = TimeProvider()
    assert provider.resolve(FakeContext(NOON_UTC, {"latitude": -33.9}))["season"] == "winter"
    assert provider.resolve(FakeContext(NOON_UTC, {"latitude": 48.9}))["season"] == "summer"
    for bad in ("-33.9", -120.0, float("nan"), True):
        assert provider.resolve(FakeContext(NOON_UTC, {"latitude": bad}))["season"] == "summer"


def test_time_provider_uses_its_dayparts() -> None:
    provider = TimeProvider(dayparts=parse_dayparts({"open": [9, 18], "closed": [18, 9]}))
    assert provider.resolve(FakeContext(NOON_UTC))["daypart"] == "open"


def test_time_provider_reads_a_persona_instant_given_in_another_zone() -> None:
    instant = datetime(2024, 7, 1, 7, 0, tzinfo=ZoneInfo("America/Chicago"))
    attributes = TimeProvider(default_zone="Europe/London").resolve(FakeContext(instant))
    assert attributes["local"] == "2024-07-01T13:00:00+01:00"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "utc", None])
def test_time_provider_rejects_an_unknown_default_zone(zone: Any) -> None:
    with pytest.raises(ConfigurationError, match="unknown default time zone"):
        TimeProvider(default_zone=zone)


def test_time_provider_rejects_dayparts_of_the_wrong_type() -> None:
    with pytest.raises(ConfigurationError, match="parse_dayparts"):
        TimeProvider(dayparts={"day": [0, 24]})  # type: ignore[arg-type]
