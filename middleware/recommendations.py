"""The recommender: fetches what a slot's strategies need from the store, and feeds it events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from slots.catalog import Catalog
from slots.cooccurrence import ItemKind, Similarity
from slots.decision import RecommendationRequest
from slots.profile import Profile
from slots.recommend import (
    DataNeeds,
    Recommendation,
    RecommendationInputs,
    data_needs,
    recommend,
)

from .catalog import CatalogSource
from .stores.base import Store

__all__ = ["Recommender"]

logger = logging.getLogger("cheers.recommendations")

_Neighbourhood = tuple[ItemKind, Mapping[str, Mapping[str, float]], Mapping[str, float]]


class Recommender:
    """Recommendations for slots, and the item statistics behind them.

    ``recent_pairs`` bounds the work of one event: a viewed item is paired with at most
    that many of the visitor's recent views, a purchased item with the rest of its basket
    (at most ``basket_limit`` distinct items) and that many earlier purchases.
    ``view_weight`` and ``purchase_weight`` are what a view and a purchased item add to the
    item's trending score. ``measure`` normalises pair counts (see
    :data:`slots.cooccurrence.Similarity`).
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
        measure: Similarity = "cosine",
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
        catalog fails, which is logged. ``exclude`` lists ids never to show (the cart)."""
        # An unknown strategy is a configuration error and raises here, outside the guard.
        needs = data_needs(request, current_item=current_item, profile=profile)
        try:
            catalog = await self._catalog.get()
            neighbourhoods, trending = await self._fetch(needs, now=now)
        except Exception:  # a failing store or catalog must never break the page
            logger.warning(
                "recommendations (%s) unavailable; the slot keeps its default",
                request.strategy,
                exc_info=True,
            )
            return Recommendation()
        inputs = RecommendationInputs(
            current_item=current_item,
            profile=profile,
            neighbours={kind: neighbours for kind, neighbours, _ in neighbourhoods},
            item_counts={kind: counts for kind, _, counts in neighbourhoods},
            trending=tuple(trending),
            exclude=frozenset(exclude),
        )
        return recommend(request, inputs=inputs, catalog=catalog, measure=self._measure)

    async def _fetch(
        self, needs: DataNeeds, *, now: datetime
    ) -> tuple[list[_Neighbourhood], Sequence[tuple[str, float]]]:
        # Concurrent only when there are two things to wait for: a task costs more than a
        # memory store's answer.
        if not needs.trending:
            return await self._neighbourhoods(needs), ()
        if not needs.kinds:
            return [], await self._store.trending(limit=needs.trending, now=now)
        return await asyncio.gather(
            self._neighbourhoods(needs), self._store.trending(limit=needs.trending, now=now)
        )

    async def _neighbourhoods(self, needs: DataNeeds) -> list[_Neighbourhood]:
        if len(needs.kinds) == 1:
            return [await self._neighbourhood(needs.kinds[0], needs.seeds)]
        jobs = (self._neighbourhood(kind, needs.seeds) for kind in needs.kinds)
        return list(await asyncio.gather(*jobs))

    async def _neighbourhood(self, kind: ItemKind, seeds: Sequence[str]) -> _Neighbourhood:
        """The seeds' neighbours, then how often each seed and neighbour occurred."""
        neighbours = await self._store.neighbours(kind, seeds)
        ids = dict.fromkeys(seeds)
        for others in neighbours.values():
            ids.update(dict.fromkeys(others))
        counts = await self._store.item_counts(kind, list(ids))
        return kind, neighbours, counts

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
        except Exception:  # statistics are best-effort: the page is already served
            logger.warning("recording a view of %r failed", item_id, exc_info=True)

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
        except Exception:  # statistics are best-effort: the purchase itself went through
            logger.warning("recording a purchase of %d items failed", len(basket), exc_info=True)
