"""Recommendations for a slot: run the strategy and its fallbacks, apply the exclusions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slots.catalog import Catalog, Item
from slots.cooccurrence import DEFAULT_SIMILARITY, ItemKind, Similarity
from slots.decision import RecommendationRequest
from slots.errors import ConfigurationError
from slots.profile import Profile
from slots.strategies import (
    SHOWS_VIEWED,
    STRATEGIES,
    RecommendationInputs,
    Strategy,
    candidates,
    kinds_for,
    seeds_for,
    trending_fetch_for,
)

__all__ = [
    "SHOWS_VIEWED",
    "STRATEGIES",
    "DataNeeds",
    "ItemFilter",
    "Recommendation",
    "RecommendationInputs",
    "Strategy",
    "as_strategy",
    "data_needs",
    "recommend",
]

#: A policy filter on item fields (``Item.as_attributes()``): True keeps the item.
ItemFilter = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The items to show, each with the strategy that proposed it.

    Empty means the slot keeps the page's default content.
    """

    items: tuple[Item, ...] = ()
    sources: tuple[Strategy, ...] = ()

    @property
    def strategy(self) -> Strategy | None:
        """The strategy behind the first item, for the template's heading."""
        return self.sources[0] if self.sources else None

    @property
    def is_empty(self) -> bool:
        return not self.items


@dataclass(frozen=True, slots=True)
class DataNeeds:
    """What to fetch from the store for a request: neighbours of ``seeds`` per kind, and
    how many trending items (0: none)."""

    seeds: tuple[str, ...] = ()
    kinds: tuple[ItemKind, ...] = ()
    trending: int = 0


def as_strategy(name: str) -> Strategy:
    """``name`` as a :data:`Strategy`; raises :class:`ConfigurationError` naming the valid ones."""
    if name not in STRATEGIES:
        raise ConfigurationError(
            f"unknown recommendation strategy {name!r}; expected one of {', '.join(STRATEGIES)}"
        )
    return name


def _strategies(request: RecommendationRequest) -> tuple[Strategy, ...]:
    names = (request.strategy, *request.fallbacks)
    return tuple(as_strategy(name) for name in dict.fromkeys(names))


def data_needs(
    request: RecommendationRequest, *, current_item: str | None, profile: Profile | None
) -> DataNeeds:
    """What the strategies of ``request`` (and its fallbacks) read from the store."""
    seeds: dict[str, None] = {}
    kinds: dict[ItemKind, None] = {}
    trending = 0
    for strategy in _strategies(request):
        seeds.update(dict.fromkeys(seeds_for(strategy, current_item=current_item, profile=profile)))
        kinds.update(dict.fromkeys(kinds_for(strategy)))
        if fetch := trending_fetch_for(strategy):
            # Some trending items are excluded later (bought, viewed, out of stock): fetch
            # spare ones.
            trending = max(trending, fetch, 2 * request.limit + len(_viewed(request, profile)))
    if not seeds:
        kinds.clear()
    return DataNeeds(seeds=tuple(seeds), kinds=tuple(kinds), trending=trending)


def recommend(
    request: RecommendationRequest,
    *,
    inputs: RecommendationInputs,
    catalog: Catalog,
    measure: Similarity = DEFAULT_SIMILARITY,
) -> Recommendation:
    """Fill a slot: the strategy's items, then each fallback's, up to ``request.limit``.

    Never shown: the item on the page, ``inputs.exclude``, purchased items (when
    ``request.exclude_purchased``), viewed items (when ``request.exclude_viewed``, except by
    the :data:`SHOWS_VIEWED` strategies), items out of stock, ids the catalog does not know,
    items the request's ``filter`` rejects, and repeats. Fewer than ``request.minimum`` items
    give an empty recommendation, so the slot keeps its default.
    """
    admit = _admission(request, inputs=inputs, catalog=catalog)
    viewed = _viewed(request, inputs.profile)
    items: list[Item] = []
    sources: list[Strategy] = []
    for strategy in _strategies(request):
        if len(items) >= request.limit:
            break
        hidden = frozenset() if strategy in SHOWS_VIEWED else viewed
        proposed = candidates(strategy, inputs=inputs, catalog=catalog, measure=measure)
        for item_id, source in proposed:
            item = None if item_id in hidden else admit(item_id)
            if item is not None:
                items.append(item)
                sources.append(source)
                if len(items) >= request.limit:
                    break
    if len(items) < max(request.minimum, 1):
        return Recommendation()
    return Recommendation(items=tuple(items), sources=tuple(sources))


def _viewed(request: RecommendationRequest, profile: Profile | None) -> frozenset[str]:
    """The ids ``request.exclude_viewed`` hides from the strategies it applies to."""
    if not request.exclude_viewed or profile is None:
        return frozenset()
    return frozenset(profile.viewed)


def _admission(
    request: RecommendationRequest, *, inputs: RecommendationInputs, catalog: Catalog
) -> Callable[[str], Item | None]:
    """A check that returns the item to show for an id, or ``None`` when it is excluded;
    an id it let through once is excluded afterwards."""
    shut = set(inputs.exclude)
    if inputs.current_item is not None:
        shut.add(inputs.current_item)
    if request.exclude_purchased and inputs.profile is not None:
        shut.update(inputs.profile.purchased)
    keep = request.filter

    def admit(item_id: str) -> Item | None:
        if item_id in shut:
            return None
        item = catalog.get(item_id)
        if item is None or not item.in_stock:
            return None
        if keep is not None and not keep(item.as_attributes()):
            return None
        shut.add(item_id)
        return item

    return admit
