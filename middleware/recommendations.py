"""The recommender: fetches what a slot's strategies need from the store, and feeds it events."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slots.catalog import Catalog
from slots.cooccurrence import DEFAULT_SIMILARITY, ItemKind, Similarity, similarities
from slots.decision import RecommendationRequest
from slots.errors import ConfigurationError
from slots.profile import Profile
from slots.recommend import (
    DataNeeds,
    Recommendation,
    RecommendationInputs,
    data_needs,
    recommend,
)

from .catalog import CatalogSource
from .snapshot import Snapshot
from .stores.base import Store
from .stores.guard import BACKEND_ERRORS

__all__ = ["Recommender"]

logger = logging.getLogger("cheers.recommendations")

#: A store that is down or slow, or a catalog that cannot be loaded; anything else is a bug.
_FAILURES: tuple[type[Exception], ...] = (*BACKEND_ERRORS, ConfigurationError)

#: A recommendation kept in the snapshot, with the catalog it was computed against.
_Kept = tuple[Catalog, Recommendation]


def _history(profile: Profile | None) -> Hashable:
    """Of the profile, only what strategies read (slots/strategies.py): a new strategy that
    reads another field must add it here."""
    if profile is None:
        return None
    return (
        profile.viewed,
        profile.purchased,
        profile.seen_out_of_stock,
        frozenset(profile.views.items()),
        frozenset(profile.categories.items()),
    )


def _result_key(
    request: RecommendationRequest,
    *,
    history: Hashable,
    current_item: str | None,
    exclude: Collection[str],
) -> Hashable:
    """Everything a recommendation depends on besides the snapshot and the catalog.

    The request's fields (strategy, limit, ``exclude_purchased``, ``exclude_viewed``, ...)
    take part through its equality; ``request.filter`` does not, so it is added, compared by
    identity.
    """
    return (request, request.filter, current_item, frozenset(exclude), history)


class Recommender:
    """Recommendations for slots, and the item statistics behind them.

    ``recent_pairs`` bounds the work of one event: a viewed item is paired with at most
    that many of the visitor's recent views, a purchased item with the rest of its basket
    (at most ``basket_limit`` distinct items) and that many earlier purchases.
    ``view_weight`` and ``purchase_weight`` are what a view and a purchased item add to the
    item's trending score. ``measure`` normalises pair counts (see
    :data:`slots.cooccurrence.Similarity`). Statistics read from the store are reused for
    ``cache_ttl`` seconds (0: never), at most ``cache_size`` seeds' worth.
    """

    def __init__(
        self,
        store: Store,
        catalog_source: CatalogSource | Catalog,
        *,
        recent_pairs: int = 10,
        basket_limit: int = 50,
        view_weight: float = 1.0,
        purchase_weight: float = 3.0,
        measure: Similarity = DEFAULT_SIMILARITY,
        cache_ttl: float = 60.0,
        cache_size: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._catalog = (
            CatalogSource(catalog_source) if isinstance(catalog_source, Catalog) else catalog_source
        )
        self._recent_pairs = recent_pairs
        self._basket_limit = basket_limit
        self._view_weight = view_weight
        self._purchase_weight = purchase_weight
        self._measure: Similarity = measure
        self._last_history: tuple[Profile | None, Hashable] = (None, None)
        self._cache: Snapshot[_Kept] | None = (
            Snapshot(ttl=cache_ttl, maxsize=cache_size, clock=clock) if cache_ttl > 0 else None
        )

    # -- recommending ---------------------------------------------------------------------
    async def recommend(
        self,
        request: RecommendationRequest,
        *,
        profile: Profile | None,
        current_item: str | None,
        now: datetime,
        exclude: Collection[str] = (),
    ) -> Recommendation:
        """The items for a slot; empty (the slot keeps its default) when the store or the
        catalog fails, which is logged. ``exclude`` lists ids never to show (the cart).

        While the snapshot lasts, the same inputs give the same recommendation, so it is
        computed once: a visitor's next page, or another visitor with the same history.
        """
        key = self._key(request, profile=profile, current_item=current_item, exclude=exclude)
        kept = self._cache.result(key) if self._cache is not None and key is not None else None
        # An unknown strategy is a configuration error and raises here, outside the guard
        # (a kept result's strategies are known to be valid).
        needs = None if kept else data_needs(request, current_item=current_item, profile=profile)
        version = self._cache.version if self._cache is not None else 0
        try:
            catalog = await self._catalog.get()
            if kept is not None and kept[0] is catalog:
                return kept[1]
            if needs is None:  # kept, but computed against a catalog since replaced
                needs = data_needs(request, current_item=current_item, profile=profile)
            similar, trending = await self._fetch(needs, now=now)
        except _FAILURES:  # a failing store or catalog must never break the page
            logger.warning(
                "recommendations (%s) unavailable; the slot keeps its default",
                request.strategy,
                exc_info=True,
            )
            return Recommendation()
        inputs = RecommendationInputs(
            current_item=current_item,
            profile=profile,
            similar=similar,
            trending=tuple(trending),
            exclude=frozenset(exclude),
        )
        result = recommend(request, inputs=inputs, catalog=catalog, measure=self._measure)
        if self._cache is not None and key is not None:
            reads = [(kind, seed) for kind in needs.kinds for seed in needs.seeds]
            self._cache.keep(key, (catalog, result), reads=reads, version=version)
        return result

    def _key(
        self,
        request: RecommendationRequest,
        *,
        profile: Profile | None,
        current_item: str | None,
        exclude: Collection[str],
    ) -> Hashable | None:
        """The key a recommendation is kept under, or ``None`` when it cannot be kept."""
        if self._cache is None:
            return None
        self._cache.current()  # expires the snapshot first, so a stale result is not found
        try:
            key = _result_key(
                request,
                history=self._history_of(profile),
                current_item=current_item,
                exclude=exclude,
            )
            hash(key)
        except TypeError:  # an unhashable filter or count: compute every time
            return None
        return key

    def _history_of(self, profile: Profile | None) -> Hashable:
        """The profile's part of the key, worked out once per profile: a page's slots all
        ask with the same (immutable) profile object."""
        last, history = self._last_history
        if last is not profile or profile is None:
            history = _history(profile)
            self._last_history = (profile, history)
        return history

    async def _fetch(
        self, needs: DataNeeds, *, now: datetime
    ) -> tuple[dict[ItemKind, dict[str, Mapping[str, float]]], Sequence[tuple[str, float]]]:
        """Similarities of the seeds' neighbours per kind, and the trending list: what the
        snapshot lacks is read from the store, concurrently when more than one read is due
        (a task costs more than a memory store's answer)."""
        cache = self._cache.current() if self._cache is not None else {}
        similar: dict[ItemKind, dict[str, Mapping[str, float]]] = {}
        reads: list[Awaitable[None]] = []
        for kind in needs.kinds:
            found = similar[kind] = {}
            missing = []
            for seed in needs.seeds:
                vector = cache.get((kind, seed))
                if vector is None:
                    missing.append(seed)
                else:
                    found[seed] = vector
            if missing:
                reads.append(self._read_similarities(kind, missing, into=found, cache=cache))
        # Kept with the limit it was read with: a later request may need a longer list.
        trending: tuple[int, Sequence[tuple[str, float]]] | None = cache.get("trending")
        if needs.trending and (trending is None or trending[0] < needs.trending):
            reads.append(self._read_trending(needs.trending, now=now, cache=cache))
        if len(reads) == 1:
            await reads[0]
        elif reads:
            await asyncio.gather(*reads)
        if not needs.trending:
            return similar, ()
        return similar, cache["trending"][1][: needs.trending]

    async def _read_trending(self, limit: int, *, now: datetime, cache: dict[Any, Any]) -> None:
        cache["trending"] = (limit, await self._store.trending(limit=limit, now=now))

    async def _read_similarities(
        self,
        kind: ItemKind,
        seeds: Sequence[str],
        *,
        into: dict[str, Mapping[str, float]],
        cache: dict[Any, Any],
    ) -> None:
        for seed, vector in (await self._similarities(kind, seeds)).items():
            into[seed] = cache[(kind, seed)] = vector

    async def _similarities(
        self, kind: ItemKind, seeds: Sequence[str]
    ) -> dict[str, dict[str, float]]:
        """Two round trips: the seeds' neighbours, then how often each of them occurred."""
        neighbours = await self._store.neighbours(kind, seeds)
        ids = dict.fromkeys(seeds)
        for others in neighbours.values():
            ids.update(dict.fromkeys(others))
        counts = await self._store.item_counts(kind, list(ids))
        return {
            seed: similarities(
                neighbours.get(seed, {}),
                seed_count=counts.get(seed, 0.0),
                counts=counts,
                measure=self._measure,
            )
            for seed in seeds
        }

    # -- events ---------------------------------------------------------------------------
    async def record_view(
        self, visitor_id: str, *, item_id: str, profile: Profile | None, now: datetime
    ) -> None:
        """Count a view of ``item_id`` in the shared statistics; failures are logged.

        ``profile`` is the visitor's profile before this view. The item is paired with the
        visitor's last ``recent_pairs`` views, unless it is among them: those pairs were
        counted already, and reloading a page must not inflate them.
        """
        window = (profile.viewed if profile is not None else ())[: self._recent_pairs]
        store = self._store
        try:
            if item_id not in window:
                await store.add_cooccurrence("viewed", item_id=item_id, others=window, now=now)
            await store.add_trending(item_id, weight=self._view_weight, now=now)
        except BACKEND_ERRORS:  # statistics are best-effort: the page is already served
            logger.warning("recording a view of %r failed", item_id, exc_info=True)
        self._forget("viewed", (item_id, *window))

    async def record_purchase(
        self, visitor_id: str, *, item_ids: Sequence[str], profile: Profile | None, now: datetime
    ) -> None:
        """Count a purchase: every pair within the basket, and each basket item with the
        visitor's last ``recent_pairs`` earlier purchases. Failures are logged."""
        basket = list(dict.fromkeys(item_ids))[: self._basket_limit]
        in_basket = set(basket)
        earlier = [
            item_id
            for item_id in (profile.purchased if profile is not None else ())
            if item_id not in in_basket
        ][: self._recent_pairs]
        store = self._store
        try:
            for index, item_id in enumerate(basket):
                # Each pair is counted once: an item pairs with the basket items after it.
                others = basket[index + 1 :] + earlier
                await store.add_cooccurrence("bought", item_id=item_id, others=others, now=now)
                await store.add_trending(item_id, weight=self._purchase_weight, now=now)
        except BACKEND_ERRORS:  # statistics are best-effort: the purchase itself went through
            logger.warning("recording a purchase of %d items failed", len(basket), exc_info=True)
        self._forget("bought", (*basket, *earlier))

    def _forget(self, kind: ItemKind, item_ids: Iterable[str]) -> None:
        # So that a page right after a purchase shows what it taught (read your writes).
        if self._cache is not None:
            self._cache.forget((kind, item_id) for item_id in item_ids)
