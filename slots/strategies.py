"""Recommendation strategies: each turns fetched statistics into candidate items, best first."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice, zip_longest
from typing import Final, Literal, get_args

from slots.catalog import Catalog
from slots.cooccurrence import (
    ItemKind,
    Similarity,
    ranked,
    score_neighbours,
    similarities,
    weighted_seeds,
)
from slots.profile import Profile

__all__ = [
    "MAX_SEEDS",
    "SHOWS_VIEWED",
    "STRATEGIES",
    "Candidate",
    "RecommendationInputs",
    "Strategy",
    "candidates",
    "kinds_for",
    "recent_items",
    "seeds_for",
    "trending_fetch_for",
]

Strategy = Literal[
    "also_bought",
    "also_viewed",
    "recently_viewed",
    "eyeing",
    "back_in_stock",
    "trending",
    "category_affinity",
    "for_you",
]
STRATEGIES: Final[tuple[Strategy, ...]] = get_args(Strategy)
#: Strategies whose point is the visitor's own viewed items (a reminder, not a discovery):
#: ``exclude_viewed`` leaves them alone.
SHOWS_VIEWED: Final[frozenset[Strategy]] = frozenset({"recently_viewed", "eyeing", "back_in_stock"})

#: A candidate item id and the strategy that proposed it.
Candidate = tuple[str, Strategy]

#: How many of a visitor's recent items seed the neighbour strategies.
MAX_SEEDS: Final[int] = 20
#: In ``for_you``, items viewed together count this much against items bought together.
VIEWED_BLEND: Final[float] = 0.5
#: ``for_you`` fuses the personal ranking with the trending one by reciprocal rank: an item
#: at (0-based) rank r of a list scores weight / (FUSION_K + r) from it. Trending weighs half,
#: which benchmarks/recommendations.py found best for predicting a customer's next order.
FUSION_K: Final[int] = 5
TRENDING_BLEND: Final[float] = 0.5
#: How much of the personal ranking takes part in the fusion; a slot never shows more.
FUSION_DEPTH: Final[int] = 60
#: ``category_affinity`` draws from this many of the visitor's strongest categories.
TOP_CATEGORIES: Final[int] = 3
#: Trending items to fetch: more than a slot shows, since some are excluded afterwards.
TRENDING_FETCH: Final[int] = 50
CATEGORY_TRENDING_FETCH: Final[int] = 500

_NEIGHBOUR_KINDS: Final[Mapping[Strategy, tuple[ItemKind, ...]]] = {
    "also_bought": ("bought",),
    "also_viewed": ("viewed",),
    "for_you": ("bought", "viewed"),
}


@dataclass(frozen=True, slots=True)
class RecommendationInputs:
    """What the middleware fetched for one slot: the page, the visitor, item statistics.

    ``neighbours[kind][item]`` maps each co-occurring item to its pair count;
    ``item_counts[kind][item]`` is how often the item occurred; ``similar[kind][item]``
    optionally holds the item's neighbours' similarities already normalised with the measure
    in use (the middleware caches them), and wins over the raw counts. ``trending`` is
    (item id, score), best first. ``exclude`` holds ids never to show (e.g. the cart).
    """

    current_item: str | None = None
    profile: Profile | None = None
    neighbours: Mapping[ItemKind, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)
    item_counts: Mapping[ItemKind, Mapping[str, float]] = field(default_factory=dict)
    similar: Mapping[ItemKind, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)
    trending: tuple[tuple[str, float], ...] = ()
    exclude: frozenset[str] = frozenset()


def recent_items(profile: Profile | None) -> tuple[str, ...]:
    """The visitor's recently viewed, then purchased, items, newest first, without repeats."""
    if profile is None:
        return ()
    return tuple(dict.fromkeys((*profile.viewed, *profile.purchased)))


def seeds_for(
    strategy: Strategy, *, current_item: str | None, profile: Profile | None
) -> tuple[str, ...]:
    """The items whose neighbours ``strategy`` reads, most important first.

    ``also_bought``/``also_viewed`` use the item on the page, or the visitor's recent items
    when there is none; ``for_you`` always blends the page's item with the recent ones.
    """
    if strategy not in _NEIGHBOUR_KINDS:
        return ()
    if strategy != "for_you" and current_item is not None:
        return (current_item,)
    page = (current_item,) if current_item is not None else ()
    return tuple(dict.fromkeys((*page, *recent_items(profile))))[:MAX_SEEDS]


def kinds_for(strategy: Strategy) -> tuple[ItemKind, ...]:
    """The co-occurrence kinds ``strategy`` reads from the store."""
    return _NEIGHBOUR_KINDS.get(strategy, ())


def trending_fetch_for(strategy: Strategy) -> int:
    """How many trending items ``strategy`` needs (0: none)."""
    if strategy == "category_affinity":
        return CATEGORY_TRENDING_FETCH
    return TRENDING_FETCH if strategy in ("trending", "for_you") else 0


def candidates(
    strategy: Strategy, *, inputs: RecommendationInputs, catalog: Catalog, measure: Similarity
) -> Iterator[Candidate]:
    """Candidate items of ``strategy``, best first; exclusions are applied by the caller."""
    if strategy in _NEIGHBOUR_KINDS:
        return _neighbour_candidates(strategy, inputs=inputs, measure=measure)
    return _PROFILE_STRATEGIES[strategy](inputs, catalog)


def _neighbour_scores(
    kind: ItemKind, *, seeds: Sequence[str], inputs: RecommendationInputs, measure: Similarity
) -> dict[str, float]:
    given = inputs.similar.get(kind, {})
    pairs = inputs.neighbours.get(kind, {})
    counts = inputs.item_counts.get(kind, {})
    similar = {
        seed: given[seed]
        if seed in given
        else similarities(
            pairs.get(seed, {}), seed_count=counts.get(seed, 0.0), counts=counts, measure=measure
        )
        for seed in seeds
    }
    return score_neighbours(weighted_seeds(seeds), similar=similar)


def _neighbour_candidates(
    strategy: Strategy, *, inputs: RecommendationInputs, measure: Similarity
) -> Iterator[Candidate]:
    seeds = seeds_for(strategy, current_item=inputs.current_item, profile=inputs.profile)
    if strategy == "for_you":
        yield from _for_you(seeds, inputs=inputs, measure=measure)
        return
    scores = _neighbour_scores(kinds_for(strategy)[0], seeds=seeds, inputs=inputs, measure=measure)
    yield from ((item_id, strategy) for item_id in ranked(scores))


def _for_you(
    seeds: Sequence[str], *, inputs: RecommendationInputs, measure: Similarity
) -> Iterator[Candidate]:
    """Neighbours of the visitor's items (bought-with, and half as much viewed-with), fused
    with what is trending; a new visitor, with no items, gets what is trending."""
    personal = _neighbour_scores("bought", seeds=seeds, inputs=inputs, measure=measure)
    viewed = _neighbour_scores("viewed", seeds=seeds, inputs=inputs, measure=measure)
    for item_id, score in viewed.items():
        personal[item_id] = personal.get(item_id, 0.0) + VIEWED_BLEND * score
    top = islice(ranked(personal), FUSION_DEPTH)
    fused = {item_id: 1 / (FUSION_K + rank) for rank, item_id in enumerate(top)}
    for rank, (item_id, _) in enumerate(inputs.trending):
        fused[item_id] = fused.get(item_id, 0.0) + TRENDING_BLEND / (FUSION_K + rank)
    for item_id in ranked(fused):
        yield item_id, "for_you" if item_id in personal else "trending"


def _trending(inputs: RecommendationInputs, catalog: Catalog) -> Iterator[Candidate]:
    return ((item_id, "trending") for item_id, _ in inputs.trending)


def _recently_viewed(inputs: RecommendationInputs, catalog: Catalog) -> Iterator[Candidate]:
    viewed = inputs.profile.viewed if inputs.profile is not None else ()
    return ((item_id, "recently_viewed") for item_id in viewed)


def _eyeing(inputs: RecommendationInputs, catalog: Catalog) -> Iterator[Candidate]:
    """Items viewed at least twice and never bought: most viewed, then most recent, first."""
    profile = inputs.profile
    if profile is None:
        return iter(())
    recency = {item_id: rank for rank, item_id in reversed(list(enumerate(profile.viewed)))}
    bought = set(profile.purchased)
    views = profile.views
    eyed = [item_id for item_id, count in views.items() if count >= 2 and item_id not in bought]
    eyed.sort(key=lambda item_id: (-views[item_id], recency.get(item_id, len(recency)), item_id))
    return ((item_id, "eyeing") for item_id in eyed)


def _back_in_stock(inputs: RecommendationInputs, catalog: Catalog) -> Iterator[Candidate]:
    # Items still out of stock are dropped by the caller's stock check, like everywhere else.
    seen = inputs.profile.seen_out_of_stock if inputs.profile is not None else ()
    return ((item_id, "back_in_stock") for item_id in seen)


def _category_affinity(inputs: RecommendationInputs, catalog: Catalog) -> Iterator[Candidate]:
    """The most popular items of the visitor's strongest categories, taken in turn."""
    profile = inputs.profile
    if profile is None or not profile.categories:
        return
    strongest = sorted(profile.categories, key=lambda name: (-profile.categories[name], name))
    popularity = {item_id: score for item_id, score in inputs.trending}
    columns = []
    for name in strongest[:TOP_CATEGORIES]:
        members = catalog.by_category.get(name, ())
        order = {item_id: position for position, item_id in enumerate(members)}
        columns.append(sorted(members, key=lambda key: (-popularity.get(key, 0.0), order[key])))
    for row in zip_longest(*columns):
        yield from ((item_id, "category_affinity") for item_id in row if item_id is not None)


_PROFILE_STRATEGIES: Final[
    Mapping[Strategy, Callable[[RecommendationInputs, Catalog], Iterator[Candidate]]]
] = {
    "trending": _trending,
    "recently_viewed": _recently_viewed,
    "eyeing": _eyeing,
    "back_in_stock": _back_in_stock,
    "category_affinity": _category_affinity,
}
