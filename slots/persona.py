"""Persona: one simulated visitor that QA previews pages as, and the book of a file's personas.

A persona says only what differs from the real request (device, place, local time, weather,
consent signals, request headers, history); the rest comes from the request that previews
it. :mod:`slots.personas` loads them from YAML; the format is documented in docs/preview.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Any, Final

from .errors import Location
from .profile import Campaign, Profile, TraitValue
from .yamlsource import did_you_mean

__all__ = [
    "OVERRIDE_NAMESPACES", "Consent", "History", "LocalInstant", "Persona", "PersonaBook",
    "RequestSignals",
]

#: The attribute namespaces a persona may set directly (``device: {type: mobile}``).
OVERRIDE_NAMESPACES: Final = ("device", "geo", "time", "weather")


@dataclass(frozen=True, slots=True)
class LocalInstant:
    """When a persona visits: a wall-clock time on ``day`` (``None``: the day of the preview,
    there) in the IANA ``zone``, or, with ``offset`` instead of a zone, one fixed instant."""

    clock: time
    day: date | None = None
    zone: str | None = None
    offset: timedelta | None = None

    def instant(self, *, tz: tzinfo, now: datetime) -> datetime:
        """The aware instant, given the zone object ``tz`` (of ``zone`` or ``offset``) and the
        real ``now`` (which supplies the day when none is set)."""
        day = self.day if self.day is not None else now.astimezone(tz).date()
        return datetime.combine(day, self.clock, tzinfo=tz)


@dataclass(frozen=True, slots=True)
class Consent:
    """The privacy signals a persona's browser sends (``Sec-GPC: 1``, ``DNT: 1``); ``None``
    leaves the real request's header as it is."""

    gpc: bool | None = None
    dnt: bool | None = None


@dataclass(frozen=True, slots=True)
class RequestSignals:
    """Where a persona comes from: referrer, UTM tags (``source``, ``medium``, ``campaign``),
    ``Accept-Language`` and any other request headers."""

    referrer: str | None = None
    utm: Mapping[str, str] = field(default_factory=dict)
    language: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class History:
    """What the store would remember about a persona; days are counted back from the preview."""

    visits: int = 0
    page_views: int = 0
    days_since_first_visit: int | None = None
    days_since_last_visit: int | None = None
    viewed: tuple[str, ...] = ()
    views: Mapping[str, int] = field(default_factory=dict)
    purchased: tuple[str, ...] = ()
    categories: Mapping[str, int] = field(default_factory=dict)
    traits: Mapping[str, TraitValue] = field(default_factory=dict)
    campaign: str | None = None

    def profile(self, *, visitor_id: str, now: datetime) -> Profile:
        """The stored profile this history stands for, as of ``now`` (timezone-aware)."""

        def ago(days: int | None) -> datetime | None:
            return None if days is None else now - timedelta(days=days)

        views = dict(self.views) or dict.fromkeys(self.viewed, 1)
        return Profile(
            visitor_id=visitor_id, first_seen=ago(self.days_since_first_visit),
            last_seen=ago(self.days_since_last_visit), visits=self.visits,
            page_views=self.page_views, viewed=self.viewed, views=views,
            categories=dict(self.categories), purchased=self.purchased, traits=dict(self.traits),
            campaign=Campaign(name=self.campaign) if self.campaign else None,
        )


@dataclass(frozen=True, slots=True)
class Persona:
    """One simulated visitor. ``attributes`` are overrides by namespace (``device``, ``geo``,
    ``time``, ``weather``), merged over what the providers compute from the request."""

    name: str
    description: str = ""
    user_agent: str | None = None
    ip: str | None = None
    at: LocalInstant | None = None
    attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    consent: Consent = Consent()
    request: RequestSignals = RequestSignals()
    history: History | None = None
    location: Location | None = field(default=None, compare=False)

    def overrides(self) -> dict[str, dict[str, Any]]:
        """The attribute overrides of a preview; the zone of ``at`` becomes ``geo.timezone``
        so that ``time.*`` is read on the persona's own clock."""
        overrides = {namespace: dict(values) for namespace, values in self.attributes.items()}
        if self.at is not None and self.at.zone is not None:
            overrides.setdefault("geo", {}).setdefault("timezone", self.at.zone)
        return overrides

    def profile(self, *, now: datetime) -> Profile | None:
        """The persona's profile as of ``now``; ``None`` (a first-time visitor) without history."""
        if self.history is None:
            return None
        return self.history.profile(visitor_id=f"persona:{self.name}", now=now)


@dataclass(frozen=True, slots=True)
class PersonaBook:
    """The personas of one file by name (file order), and the pages it suggests trying."""

    personas: Mapping[str, Persona] = field(default_factory=lambda: MappingProxyType({}))
    pages: tuple[str, ...] = ()
    filename: str = "personas.yaml"

    def get(self, name: str) -> Persona:
        """The persona called ``name``; a ``KeyError`` that lists the known names otherwise."""
        persona = self.personas.get(name)
        if persona is None:
            known = ", ".join(self.personas) or "none"
            hint = did_you_mean(name, self.personas)
            raise KeyError(f"no persona {name!r} in {self.filename}{hint}; known: {known}")
        return persona
