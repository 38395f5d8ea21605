"""The Open-Meteo weather source: current conditions by coordinates, no API key."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Final
from urllib.parse import urlsplit

import httpx

from slots.errors import ConfigurationError
from slots.weather import Weather, parse_open_meteo

__all__ = ["OpenMeteoClient"]

logger = logging.getLogger("cheers.weather")

_CURRENT: Final = "temperature_2m,is_day,precipitation,weather_code,wind_speed_10m"


class OpenMeteoClient:
    """Fetches current weather from Open-Meteo's ``/v1/forecast`` endpoint.

    Every failure (network error, timeout, a status other than 200, a body that is not JSON
    or holds out-of-range values) gives ``None``, with the reason logged at debug level; the
    :class:`~middleware.weather.WeatherProvider` logs the warning and backs off. ``timeout``
    bounds the whole call, not just each network phase. A ``client`` passed in is used as is
    and not closed by :meth:`aclose`.
    """

    def __init__(
        self,
        *,
        base_url: str = "https://api.open-meteo.com",
        timeout: float = 2.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        parts = urlsplit(base_url) if isinstance(base_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(
                f"weather base_url must be an http(s) URL such as 'https://api.open-meteo.com', "
                f"got {base_url!r}"
            )
        if not isinstance(timeout, int | float) or not 0 < timeout < math.inf:
            raise ConfigurationError(
                f"weather timeout must be a positive number of seconds, got {timeout!r}"
            )
        self._url = base_url.rstrip("/") + "/v1/forecast"
        self._timeout = float(timeout)
        self._owns_client = client is None
        self._client = client if client is not None else httpx.AsyncClient()

    def __repr__(self) -> str:
        return f"OpenMeteoClient(url={self._url!r}, timeout={self._timeout!r})"

    async def fetch(self, latitude: float, longitude: float) -> Weather | None:
        """The current weather at a point, or ``None`` when Open-Meteo gave nothing usable."""
        params = {
            "latitude": f"{latitude:.4f}",
            "longitude": f"{longitude:.4f}",
            "current": _CURRENT,
        }
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.get(self._url, params=params, timeout=self._timeout)
        except (httpx.HTTPError, TimeoutError) as error:
            logger.debug("open-meteo request failed: %s: %s", type(error).__name__, error)
            return None
        if response.status_code != 200:
            logger.debug("open-meteo answered %s: %.200s", response.status_code, response.text)
            return None
        try:
            payload = response.json()
        except ValueError as error:
            logger.debug("open-meteo sent a body that is not JSON: %s", error)
            return None
        weather = parse_open_meteo(payload)
        if weather is None:
            logger.debug("open-meteo sent malformed or out-of-range weather: %.300r", payload)
        return weather

    async def aclose(self) -> None:
        """Close the HTTP client, if this object created it."""
        if self._owns_client:
            await self._client.aclose()
