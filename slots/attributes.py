"""The catalogue of context attributes that conditions and templates may read.

Attributes live in namespaces (``device.type``, ``geo.country``, ...). A namespace is the
unit of lazy computation: the middleware computes one only when a condition for a slot on
the page reads it. The catalogue lets the policy loader reject a misspelled attribute at
load time instead of letting the condition quietly never match.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

__all__ = [
    "ATTRIBUTES",
    "NAMESPACES",
    "OPEN_PREFIXES",
    "ASYNC_NAMESPACES",
    "Namespace",
    "is_known_attribute",
    "namespace_of",
    "namespaces_read",
]

Namespace = Literal[
    "device", "geo", "time", "weather", "visit", "page", "visitor", "profile", "segments"
]

NAMESPACES: Final[tuple[Namespace, ...]] = (
    "device",
    "geo",
    "time",
    "weather",
    "visit",
    "page",
    "visitor",
    "profile",
    "segments",
)

#: Namespaces whose provider does I/O with a time budget; they are resolved before a
#: decision, concurrently, and are absent when the budget runs out.
ASYNC_NAMESPACES: Final[frozenset[str]] = frozenset({"weather", "visitor", "profile"})

#: Every fixed attribute, by dotted name, with the type a condition sees.
ATTRIBUTES: Final[dict[str, str]] = {
    "device.type": "str: mobile | tablet | desktop | bot | other",
    "device.os": "str",
    "device.os_version": "str",
    "device.browser": "str",
    "device.browser_version": "str",
    "device.brand": "str",
    "device.model": "str",
    "device.is_touch": "bool",
    "geo.country": "str (ISO 3166-1 alpha-2)",
    "geo.country_name": "str",
    "geo.continent": "str (two-letter code)",
    "geo.region": "str (ISO 3166-2 subdivision code)",
    "geo.city": "str",
    "geo.postal": "str",
    "geo.timezone": "str (IANA)",
    "geo.latitude": "float",
    "geo.longitude": "float",
    "geo.in_eu": "bool",
    "time.local": "str (ISO 8601 with offset)",
    "time.hour": "int 0-23",
    "time.minute": "int 0-59",
    "time.daypart": "str: night | morning | afternoon | evening (configurable)",
    "time.weekday": "str: monday .. sunday",
    "time.is_weekend": "bool",
    "time.month": "int 1-12",
    "time.day": "int 1-31",
    "time.season": "str: spring | summer | autumn | winter",
    "time.date": "str YYYY-MM-DD",
    "weather.condition": "str: clear | cloudy | fog | drizzle | rain | snow | storm",
    "weather.temp_c": "float",
    "weather.is_day": "bool",
    "weather.wind_kmh": "float",
    "weather.precip_mm": "float",
    "visit.referrer_host": "str",
    "visit.utm_source": "str",
    "visit.utm_medium": "str",
    "visit.utm_campaign": "str",
    "visit.campaign": "str (the last utm_campaign seen for this visitor)",
    "visit.language": "str (primary Accept-Language tag)",
    "visit.languages": "list[str]",
    "visit.is_https": "bool",
    "page.path": "str",
    "page.item": "str (the item id of an item page)",
    "visitor.id": "str",
    "visitor.is_new": "bool",
    "visitor.visits": "int",
    "visitor.days_since_first_visit": "int",
    "visitor.days_since_last_visit": "int",
    "profile.viewed": "list[str] (item ids, newest first)",
    "profile.purchased": "list[str] (item ids)",
    "profile.page_views": "int",
    "segments": "list[str] (the names of the visitor's segments)",
}

#: Prefixes under which any name is valid (``profile.categories.dogs``).
OPEN_PREFIXES: Final[tuple[str, ...]] = (
    "page.query.",
    "profile.categories.",
    "profile.traits.",
    "profile.views.",
)


def namespace_of(path: str) -> str:
    """The namespace an attribute path belongs to: ``"geo.city"`` -> ``"geo"``."""
    return path.partition(".")[0]


#: Attributes kept with the visitor's profile although they are read under another namespace:
#: reading them needs the stored profile loaded.
_STORED_ELSEWHERE: Final[dict[str, str]] = {"visit.campaign": "profile"}


def namespaces_read(paths: Iterable[str]) -> frozenset[str]:
    """The namespaces that must be computed to read ``paths`` (``visit.campaign`` also needs
    ``profile``, where the last campaign is stored)."""
    found: set[str] = set()
    for path in paths:
        found.add(namespace_of(path))
        stored = _STORED_ELSEWHERE.get(path)
        if stored is not None:
            found.add(stored)
    return frozenset(found)


def is_known_attribute(path: str) -> bool:
    """Whether a dotted path names an attribute (or a parent of some) that Cheers provides."""
    if path in ATTRIBUTES or path.startswith(OPEN_PREFIXES):
        return True
    prefix = path + "."
    return any(name.startswith(prefix) for name in ATTRIBUTES) or any(
        open_prefix.startswith(prefix) or open_prefix == prefix for open_prefix in OPEN_PREFIXES
    )
