"""The store protocol: where profiles, counters and shared item statistics live.

One protocol, three implementations chosen by URL (``memory://``, ``sqlite:///path.db``,
``redis://host:6379/0``). Every update is an atomic increment or append in the backend,
never a read-modify-write in Python, so concurrent requests from many processes never lose
an update. Datetimes are timezone-aware; implementations store UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from slots.profile import Campaign, Profile, TraitValue

__all__ = ["ItemKind", "Store", "StoreLimits"]

#: Which co-occurrence a statistic is about: items bought together (baskets) or viewed
#: together (sessions).
ItemKind = Literal["bought", "viewed"]


@dataclass(frozen=True, slots=True)
class StoreLimits:
    """Bounds that keep a profile small and per-event work constant."""

    recent_items: int = 20  # profile.viewed keeps this many, newest first
    purchased_items: int = 100
    neighbours: int = 50  # co-occurrence neighbours kept per item when read


class Store(Protocol):
    """A backend for profiles, frequency caps, identity links and item statistics."""

    limits: StoreLimits

    # -- profiles -------------------------------------------------------------------------
    async def load_profile(self, visitor_id: str) -> Profile | None:
        """The profile as stored, or ``None`` for a visitor never seen."""

    async def record_visit(
        self,
        visitor_id: str,
        *,
        now: datetime,
        session_gap: timedelta,
        campaign: Campaign | None = None,
        referrer_host: str | None = None,
    ) -> None:
        """Count a page view; start a new visit when the last one is older than
        ``session_gap``; set first/last seen, the last campaign and the first referrer."""

    async def record_view(
        self, visitor_id: str, *, item_id: str, category: str | None, in_stock: bool, now: datetime
    ) -> None:
        """An item page was viewed: recent items, per-item and per-category counts."""

    async def record_purchase(
        self, visitor_id: str, *, item_ids: Sequence[str], now: datetime
    ) -> None: ...

    async def set_traits(
        self, visitor_id: str, traits: Mapping[str, TraitValue], *, now: datetime
    ) -> None: ...

    async def increment_cap(self, visitor_id: str, key: str, *, ttl: timedelta) -> int:
        """Count one impression of a frequency-capped rule; returns the new count."""

    async def link_person(self, key_hash: str, visitor_id: str) -> str:
        """Link a person (a keyed hash of the app's user key) to a visitor id, atomically.

        Returns the visitor id the person is linked to: an existing one when the person was
        seen before (on another device), else ``visitor_id``."""

    async def merge_profiles(self, source_id: str, target_id: str) -> None:
        """Fold the history of ``source_id`` into ``target_id`` and delete ``source_id``."""

    async def forget(self, visitor_id: str) -> bool:
        """Erase everything stored about a visitor; True when there was something."""

    async def purge(self, *, older_than: datetime) -> int:
        """Delete profiles last seen before ``older_than``; returns how many."""

    # -- item statistics shared by all visitors --------------------------------------------
    async def add_cooccurrence(
        self, kind: ItemKind, *, item_id: str, others: Sequence[str], now: datetime
    ) -> None:
        """Count ``item_id`` once and each pair (item_id, other) once, symmetrically."""

    async def neighbours(
        self, kind: ItemKind, item_ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, float]]:
        """For each item, its co-occurring items and pair counts (top ``limits.neighbours``)."""

    async def item_counts(self, kind: ItemKind, item_ids: Sequence[str]) -> Mapping[str, float]: ...

    async def add_trending(self, item_id: str, *, weight: float, now: datetime) -> None:
        """Add to an item's time-decayed popularity."""

    async def trending(self, *, limit: int, now: datetime) -> Sequence[tuple[str, float]]: ...

    # -- experiments ---------------------------------------------------------------------
    async def record_exposure(
        self, experiment: str, variant: str, *, converted: bool = False
    ) -> None: ...

    async def exposures(self, experiment: str) -> Mapping[str, tuple[int, int]]:
        """Per variant: (exposures, conversions)."""

    async def close(self) -> None: ...
