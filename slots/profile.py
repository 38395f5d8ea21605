"""A visitor's profile: what personalization remembers about them, and nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

__all__ = ["Campaign", "Profile", "TraitValue", "current_visits", "profile_attributes"]

TraitValue = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Campaign:
    """The last campaign a visitor arrived from (utm_source / utm_medium / utm_campaign)."""

    source: str | None = None
    medium: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """What the store holds about one visitor, as read at the start of a request.

    ``viewed`` holds recently viewed item ids, newest first and bounded; ``views`` counts
    views per item across visits (for "still thinking about ..."); ``categories`` counts
    item views per category; ``caps`` counts impressions of frequency-capped rules by key;
    ``seen_out_of_stock`` lists items the visitor viewed while they were out of stock.
    Datetimes are timezone-aware UTC.
    """

    visitor_id: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    visits: int = 0
    page_views: int = 0
    viewed: tuple[str, ...] = ()
    views: Mapping[str, int] = field(default_factory=dict)
    categories: Mapping[str, int] = field(default_factory=dict)
    purchased: tuple[str, ...] = ()
    traits: Mapping[str, TraitValue] = field(default_factory=dict)
    campaign: Campaign | None = None
    first_referrer: str | None = None
    caps: Mapping[str, int] = field(default_factory=dict)
    seen_out_of_stock: tuple[str, ...] = ()


def _whole_days(later: datetime, earlier: datetime | None) -> int | None:
    return None if earlier is None else max(0, (later - earlier).days)


def current_visits(profile: Profile | None, *, now: datetime, session_gap: timedelta) -> int:
    """How many visits this request's visit is: the stored count, plus one when this request
    starts a new visit (the first ever, or more than ``session_gap`` after the last)."""
    if profile is None:
        return 1
    starts_visit = profile.last_seen is None or now - profile.last_seen > session_gap
    return profile.visits + 1 if starts_visit else max(profile.visits, 1)


def profile_attributes(
    profile: Profile | None, *, visitor_id: str | None, now: datetime, session_gap: timedelta
) -> dict[str, Any]:
    """The ``visitor.*``, ``profile.*`` and ``visit.campaign`` attributes of a profile.

    ``profile`` is the stored profile as it was *before* this request (``None`` for a
    visitor the store has never seen). ``visitor.visits`` counts the current visit, so a
    "welcome back" rule reads ``visitor.visits >= 2``. A missing fact is left out, so a
    condition on it is false rather than matching a made-up value.
    """
    visits = current_visits(profile, now=now, session_gap=session_gap)
    visitor: dict[str, Any] = {"is_new": visits <= 1, "visits": visits}
    if visitor_id is not None:
        visitor["id"] = visitor_id
    if profile is None:
        return {"visitor": visitor, "profile": {}}
    since_first = _whole_days(now, profile.first_seen)
    since_last = _whole_days(now, profile.last_seen)
    if since_first is not None:
        visitor["days_since_first_visit"] = since_first
    if since_last is not None:
        visitor["days_since_last_visit"] = since_last
    attributes: dict[str, Any] = {
        "visitor": visitor,
        "profile": {
            "viewed": list(profile.viewed),
            "purchased": list(profile.purchased),
            "page_views": profile.page_views,
            "categories": dict(profile.categories),
            "views": dict(profile.views),
            "traits": dict(profile.traits),
        },
    }
    if profile.campaign is not None and profile.campaign.name:
        attributes["visit"] = {"campaign": profile.campaign.name}
    return attributes
