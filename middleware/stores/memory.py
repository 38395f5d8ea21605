"""The in-process store: dictionaries, for tests and throwaway demos.

Each method runs to completion without awaiting, so on one event loop every update is
atomic. Nothing survives a restart and nothing is shared between processes. ``retention``
is not applied on its own: call :meth:`MemoryStore.purge`.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from middleware.stores._codec import (
    DEFAULT_LIMITS,
    log_add,
    log_weight,
    push_front,
    score_at,
    unique,
)
from middleware.stores.base import ItemKind, StoreLimits
from slots.profile import Campaign, Profile, TraitValue

__all__ = ["MemoryStore"]


@dataclass(slots=True)
class _Record:
    """One visitor's mutable history; turned into a frozen :class:`Profile` on load."""

    first_seen: datetime | None = None
    last_seen: datetime | None = None
    touched: datetime | None = None
    visits: int = 0
    page_views: int = 0
    viewed: list[str] = field(default_factory=list)
    views: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    purchased: list[str] = field(default_factory=list)
    traits: dict[str, TraitValue] = field(default_factory=dict)
    campaign: Campaign | None = None
    first_referrer: str | None = None
    caps: dict[str, tuple[int, float]] = field(default_factory=dict)  # key -> (count, expires)
    seen_out_of_stock: list[str] = field(default_factory=list)

    def touch(self, now: datetime) -> None:
        self.touched = now if self.touched is None else max(self.touched, now)


def _count(counts: dict[str, int], key: str, by: int = 1) -> None:
    counts[key] = counts.get(key, 0) + by


class MemoryStore:
    """A :class:`~middleware.stores.base.Store` in dictionaries (``memory://``)."""

    def __init__(
        self,
        *,
        limits: StoreLimits = DEFAULT_LIMITS,
        retention: timedelta = timedelta(days=395),
        trending_half_life: timedelta = timedelta(days=7),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits
        self.retention = retention
        self._half_life = trending_half_life
        self._clock = clock  # frequency-cap windows only; every other time is a parameter
        self._records: dict[str, _Record] = {}
        self._persons: dict[str, str] = {}
        self._item_counts: dict[ItemKind, dict[str, int]] = {"bought": {}, "viewed": {}}
        self._pairs: dict[ItemKind, dict[str, dict[str, int]]] = {"bought": {}, "viewed": {}}
        self._trending: dict[str, float] = {}  # item -> log2 of its forward-decayed score
        self._exposures: dict[str, dict[str, tuple[int, int]]] = {}

    def __repr__(self) -> str:
        return "MemoryStore()"

    def _record(self, visitor_id: str) -> _Record:
        return self._records.setdefault(visitor_id, _Record())

    # -- profiles -------------------------------------------------------------------------
    async def load_profile(self, visitor_id: str) -> Profile | None:
        record = self._records.get(visitor_id)
        if record is None:
            return None
        now = self._clock()
        return Profile(
            visitor_id=visitor_id,
            first_seen=record.first_seen,
            last_seen=record.last_seen,
            visits=record.visits,
            page_views=record.page_views,
            viewed=tuple(record.viewed),
            views=dict(record.views),
            categories=dict(record.categories),
            purchased=tuple(record.purchased),
            traits=dict(record.traits),
            campaign=record.campaign,
            first_referrer=record.first_referrer,
            caps={key: n for key, (n, expires) in record.caps.items() if expires > now},
            seen_out_of_stock=tuple(record.seen_out_of_stock),
        )

    async def record_visit(
        self,
        visitor_id: str,
        *,
        now: datetime,
        session_gap: timedelta,
        campaign: Campaign | None = None,
        referrer_host: str | None = None,
    ) -> None:
        record = self._record(visitor_id)
        now = now.astimezone(UTC)  # stored as UTC, like the other stores
        record.page_views += 1
        if record.last_seen is None or now - record.last_seen > session_gap:
            record.visits += 1
        if record.first_seen is None:
            record.first_seen = now
        record.last_seen = now if record.last_seen is None else max(record.last_seen, now)
        record.touch(now)
        if campaign is not None:
            record.campaign = campaign
        if referrer_host and record.first_referrer is None:
            record.first_referrer = referrer_host

    async def record_view(
        self, visitor_id: str, *, item_id: str, category: str | None, in_stock: bool, now: datetime
    ) -> None:
        record = self._record(visitor_id)
        record.touch(now)
        push_front(record.viewed, [item_id], bound=self.limits.recent_items)
        _count(record.views, item_id)
        if category is not None:
            _count(record.categories, category)
        if not in_stock:
            push_front(record.seen_out_of_stock, [item_id], bound=self.limits.recent_items)

    async def record_purchase(
        self, visitor_id: str, *, item_ids: Sequence[str], now: datetime
    ) -> None:
        record = self._record(visitor_id)
        record.touch(now)
        push_front(record.purchased, item_ids, bound=self.limits.purchased_items)

    async def set_traits(
        self, visitor_id: str, traits: Mapping[str, TraitValue], *, now: datetime
    ) -> None:
        record = self._record(visitor_id)
        record.touch(now)
        record.traits.update(traits)

    async def increment_cap(self, visitor_id: str, key: str, *, ttl: timedelta) -> int:
        record = self._record(visitor_id)
        now = self._clock()
        count, expires = record.caps.get(key, (0, now))
        if expires <= now:  # the window is over: a new one starts with this impression
            count, expires = 0, now + ttl.total_seconds()
        record.caps[key] = (count + 1, expires)
        return count + 1

    async def link_person(self, key_hash: str, visitor_id: str) -> str:
        return self._persons.setdefault(key_hash, visitor_id)

    async def merge_profiles(self, source_id: str, target_id: str) -> None:
        source = self._records.get(source_id)
        if source is None or source_id == target_id:
            return
        target = self._record(target_id)
        # The history seen more recently goes first; the other fills in behind it.
        source_first = source.last_seen is not None and (
            target.last_seen is None or source.last_seen > target.last_seen
        )
        self._merge_lists(source, target, source_first=source_first)
        self._merge_scalars(source, target)
        self._merge_caps(source, target)
        for key_hash, linked in self._persons.items():
            if linked == source_id:
                self._persons[key_hash] = target_id
        del self._records[source_id]

    @staticmethod
    def _merge_scalars(source: _Record, target: _Record) -> None:
        firsts = [seen for seen in (source.first_seen, target.first_seen) if seen is not None]
        lasts = [seen for seen in (source.last_seen, target.last_seen) if seen is not None]
        target.first_seen = min(firsts, default=None)
        target.last_seen = max(lasts, default=None)
        if source.touched is not None:
            target.touch(source.touched)
        target.visits += source.visits
        target.page_views += source.page_views
        for item, n in source.views.items():
            _count(target.views, item, n)
        for category, n in source.categories.items():
            _count(target.categories, category, n)
        target.traits = {**source.traits, **target.traits}
        target.campaign = target.campaign or source.campaign
        target.first_referrer = target.first_referrer or source.first_referrer

    def _merge_caps(self, source: _Record, target: _Record) -> None:
        now = self._clock()
        for key, (count, expires) in source.caps.items():
            old_count, old_expires = target.caps.get(key, (0, now))
            if expires <= now:
                continue
            if old_expires <= now:
                old_count = 0
            target.caps[key] = (old_count + count, max(old_expires, expires))

    def _merge_lists(self, source: _Record, target: _Record, *, source_first: bool) -> None:
        pairs = (
            (source.viewed, target.viewed, self.limits.recent_items),
            (source.purchased, target.purchased, self.limits.purchased_items),
            (source.seen_out_of_stock, target.seen_out_of_stock, self.limits.recent_items),
        )
        for theirs, ours, bound in pairs:
            newer, older = (theirs, ours) if source_first else (ours, theirs)
            ours[:] = unique(newer + older)[:bound]

    async def forget(self, visitor_id: str) -> bool:
        existed = self._records.pop(visitor_id, None) is not None
        links = [key for key, linked in self._persons.items() if linked == visitor_id]
        for key_hash in links:
            del self._persons[key_hash]
        return existed or bool(links)

    async def purge(self, *, older_than: datetime) -> int:
        stale = [
            visitor_id
            for visitor_id, record in self._records.items()
            if (seen := record.last_seen or record.touched) is None or seen < older_than
        ]
        for visitor_id in stale:
            await self.forget(visitor_id)
        return len(stale)

    # -- item statistics shared by all visitors --------------------------------------------
    async def add_cooccurrence(
        self, kind: ItemKind, *, item_id: str, others: Sequence[str], now: datetime
    ) -> None:
        _count(self._item_counts[kind], item_id)
        pairs = self._pairs[kind]
        for other in unique(others):
            if other != item_id:
                _count(pairs.setdefault(item_id, {}), other)
                _count(pairs.setdefault(other, {}), item_id)

    async def neighbours(
        self, kind: ItemKind, item_ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, float]]:
        pairs = self._pairs[kind]
        result: dict[str, Mapping[str, float]] = {}
        for item_id in unique(item_ids):
            counts = pairs.get(item_id, {})
            top = heapq.nlargest(self.limits.neighbours, counts.items(), key=lambda pair: pair[1])
            result[item_id] = {other: float(n) for other, n in top}
        return result

    async def item_counts(self, kind: ItemKind, item_ids: Sequence[str]) -> Mapping[str, float]:
        counts = self._item_counts[kind]
        return {item_id: float(counts.get(item_id, 0)) for item_id in unique(item_ids)}

    async def add_trending(self, item_id: str, *, weight: float, now: datetime) -> None:
        if weight <= 0:  # a log score cannot hold zero or less; such an event adds nothing
            return
        event = log_weight(weight, now=now, half_life=self._half_life)
        current = self._trending.get(item_id)
        self._trending[item_id] = event if current is None else log_add(current, event)

    async def trending(self, *, limit: int, now: datetime) -> Sequence[tuple[str, float]]:
        top = heapq.nlargest(limit, self._trending.items(), key=lambda pair: pair[1])
        return [(item, score_at(log, now=now, half_life=self._half_life)) for item, log in top]

    # -- experiments ---------------------------------------------------------------------
    async def record_exposure(
        self, experiment: str, variant: str, *, converted: bool = False
    ) -> None:
        variants = self._exposures.setdefault(experiment, {})
        exposed, conversions = variants.get(variant, (0, 0))
        variants[variant] = (exposed, conversions + 1) if converted else (exposed + 1, conversions)

    async def exposures(self, experiment: str) -> Mapping[str, tuple[int, int]]:
        return dict(self._exposures.get(experiment, {}))

    async def close(self) -> None:
        return None
