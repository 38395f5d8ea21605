"""Tests for middleware/openmeteo.py, against the fake Open-Meteo server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from middleware.openmeteo import OpenMeteoClient
from slots.errors import ConfigurationError
from slots.weather import Weather

from .weather_server import FakeOpenMeteo, closed_port_url, fake_open_meteo


@pytest.fixture
def server() -> Iterator[FakeOpenMeteo]:
    with fake_open_meteo() as fake:
        yield fake


async def test_open_meteo_client_reads_the_current_weather(server: FakeOpenMeteo) -> None:
    client = OpenMeteoClient(base_url=server.base_url + "/")
    try:
        weather = await client.fetch(-33.868_8, 151.209_3)
    finally:
        await client.aclose()
    assert weather == Weather("rain", 14.2, True, 11.5, 0.4)
    (query,) = server.queries
    assert (query["latitude"], query["longitude"]) == (["-33.8688"], ["151.2093"])


@pytest.mark.parametrize("mode", ["error", "garbage", "out_of_range"])
async def test_open_meteo_client_gives_none_for_a_bad_answer(
    mode: Any, server: FakeOpenMeteo
) -> None:
    server.set_mode(mode)
    client = OpenMeteoClient(base_url=server.base_url)
    try:
        assert await client.fetch(52.52, 13.4) is None
    finally:
        await client.aclose()


async def test_open_meteo_client_gives_none_for_a_missing_endpoint(server: FakeOpenMeteo) -> None:
    client = OpenMeteoClient(base_url=server.base_url + "/not-here")
    try:
        assert await client.fetch(52.52, 13.4) is None
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": "api.open-meteo.com"}, "must be an http\\(s\\) URL"),
        ({"base_url": "ftp://api.open-meteo.com"}, "must be an http\\(s\\) URL"),
        ({"timeout": 0}, "timeout must be a positive number"),
        ({"timeout": float("inf")}, "timeout must be a positive number"),
    ],
)
def test_open_meteo_client_rejects_bad_configuration(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        OpenMeteoClient(**options)


async def test_open_meteo_client_gives_none_when_nothing_listens() -> None:
    client = OpenMeteoClient(base_url=closed_port_url())
    try:
        assert await client.fetch(52.52, 13.4) is None
    finally:
        await client.aclose()


async def test_open_meteo_client_gives_none_after_its_timeout(server: FakeOpenMeteo) -> None:
    server.set_mode("slow", delay=3)
    client = OpenMeteoClient(base_url=server.base_url, timeout=0.1)
    try:
        assert await client.fetch(52.52, 13.4) is None
    finally:
        await client.aclose()
    assert server.requests == 1
