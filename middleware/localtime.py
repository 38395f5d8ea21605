"""The ``time`` namespace: the request's instant seen in the visitor's time zone."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any, Final
from zoneinfo import ZoneInfo

from slots.errors import ConfigurationError
from slots.localtime import DEFAULT_DAYPARTS, Dayparts, local_time_attributes

from .providers import ProviderContext

__all__ = ["TimeProvider"]

logger = logging.getLogger("cheers.time")

# IANA has ~600 zone names; the cap only matters if a source sends arbitrary names.
_MAX_ZONES: Final = 1024


def _load_zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    # ZoneInfoNotFoundError is a KeyError; malformed keys raise ValueError; odd paths OSError.
    except (KeyError, ValueError, OSError):
        return None


class TimeProvider:
    """Computes ``time.*`` in the zone from ``geo.timezone``, else in ``default_zone``.

    Zone objects are kept in a dict by name: ``ZoneInfo(name)`` beyond its own small cache
    costs ~90 µs, a dict hit under 1 µs. An unknown zone name from geo falls back to the
    default (logged once per name at debug level); an unknown ``default_zone`` is a
    configuration error.
    """

    namespace = "time"

    def __init__(self, *, default_zone: str = "UTC", dayparts: Dayparts = DEFAULT_DAYPARTS) -> None:
        zone = _load_zone(default_zone) if isinstance(default_zone, str) else None
        if zone is None:
            raise ConfigurationError(
                f"unknown default time zone {default_zone!r}; use an IANA name such as 'UTC' "
                "or 'Europe/Paris' (install the tzdata package if the system has no zone files)"
            )
        if not isinstance(dayparts, Dayparts):
            raise ConfigurationError(
                "dayparts must be a Dayparts (see slots.localtime.parse_dayparts), "
                f"got {dayparts!r}"
            )
        self._default = zone
        self._dayparts = dayparts
        self._zones: dict[str, ZoneInfo | None] = {default_zone: zone}

    def resolve(self, context: ProviderContext) -> Mapping[str, Any]:
        geo = context.namespace("geo")
        zone = self._zone(geo.get("timezone"))
        latitude = geo.get("latitude")
        if not _is_latitude(latitude):
            latitude = None
        return local_time_attributes(
            context.now, zone=zone, latitude=latitude, dayparts=self._dayparts
        )

    def _zone(self, name: Any) -> ZoneInfo:
        if not isinstance(name, str):
            return self._default
        try:
            zone = self._zones[name]
        except KeyError:
            zone = _load_zone(name)
            if zone is None:
                logger.debug("unknown time zone %r from geo; using %s", name, self._default.key)
            if len(self._zones) < _MAX_ZONES:
                self._zones[name] = zone
        return self._default if zone is None else zone


def _is_latitude(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and -90 <= value <= 90
    )
