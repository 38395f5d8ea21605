"""Item-to-item co-occurrence: how strongly items go together, normalised for popularity."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final, Literal, get_args

__all__ = [
    "DEFAULT_SIMILARITY",
    "ItemKind",
    "RECENCY_DECAY",
    "SIMILARITIES",
    "Similarity",
    "ranked",
    "score_neighbours",
    "similarities",
    "similarity",
    "weighted_seeds",
]

#: Items bought together (baskets) or viewed together (a visitor's recent views). The same
#: names as the store protocol's ``ItemKind``, repeated here because slots/ never imports
#: middleware/.
ItemKind = Literal["bought", "viewed"]

#: How a pair count is normalised. ``cosine``: pair / sqrt(count_a * count_b), so an item
#: that is merely popular does not win by co-occurring with everything; ``jaccard``: pair /
#: (count_a + count_b - pair); ``conditional``: pair / count_a, "of the people who bought a,
#: how many bought b" (favours popular b); ``count``: the raw pair count.
Similarity = Literal["cosine", "jaccard", "conditional", "count"]
SIMILARITIES: Final[tuple[Similarity, ...]] = get_args(Similarity)
#: Picked by benchmarks/recommendations.py: jaccard completed the most baskets, cosine
#: a close second; both beat raw and conditional counts, which favour best sellers.
DEFAULT_SIMILARITY: Final[Similarity] = "jaccard"

#: The weight of a seed is RECENCY_DECAY ** rank, rank 0 being the newest item, so what a
#: visitor looked at last counts most. Gently: on the retail benchmark a steeper decay
#: (0.8) lost a tenth of the hits, as the older items of a basket still say a lot.
RECENCY_DECAY: Final[float] = 0.95


def similarity(
    pair: float, count_a: float, count_b: float, *, measure: Similarity = DEFAULT_SIMILARITY
) -> float:
    """How strongly ``b`` goes with ``a``, given how often they occurred together and alone.

    A count the store no longer has (trimmed, or never counted) is taken as ``pair``: the
    pair itself proves each item occurred at least that often.
    """
    if pair <= 0:
        return 0.0
    return _NORMALISERS[measure](pair, max(count_a, pair), max(count_b, pair))


_NORMALISERS: Final[Mapping[Similarity, Callable[[float, float, float], float]]] = {
    "cosine": lambda pair, a, b: pair / math.sqrt(a * b),
    "jaccard": lambda pair, a, b: pair / (a + b - pair),
    "conditional": lambda pair, a, b: pair / a,
    "count": lambda pair, a, b: pair,
}


def weighted_seeds(
    item_ids: Sequence[str], *, decay: float = RECENCY_DECAY
) -> list[tuple[str, float]]:
    """Seed items with weights falling off by recency; ``item_ids`` is newest first."""
    seen: set[str] = set()
    seeds: list[tuple[str, float]] = []
    for item_id in item_ids:
        if item_id not in seen:
            seen.add(item_id)
            seeds.append((item_id, decay ** len(seeds)))
    return seeds


def similarities(
    pairs: Mapping[str, float],
    *,
    seed_count: float,
    counts: Mapping[str, float],
    measure: Similarity = DEFAULT_SIMILARITY,
) -> dict[str, float]:
    """How strongly each item of ``pairs`` (co-occurring item -> pair count) goes with a seed
    that occurred ``seed_count`` times; ``counts`` holds how often each other item occurred."""
    normalise = _NORMALISERS[measure]  # looked up once: this loop is on the request path
    return {
        other: normalise(pair, max(seed_count, pair), max(counts.get(other, 0.0), pair))
        for other, pair in pairs.items()
        if pair > 0
    }


def score_neighbours(
    seeds: Sequence[tuple[str, float]], *, similar: Mapping[str, Mapping[str, float]]
) -> dict[str, float]:
    """The seed-weighted sum of the similarities of every neighbour of the seeds.

    ``similar`` maps a seed to its neighbours' similarities (see :func:`similarities`). The
    seeds themselves are left out of the result.
    """
    scores: dict[str, float] = {}
    get = scores.get  # bound once: this loop runs for every neighbour of every seed
    for seed, weight in seeds:
        for other, score in similar.get(seed, {}).items():
            scores[other] = get(other, 0.0) + weight * score
    for seed, _ in seeds:
        scores.pop(seed, None)
    return scores


def ranked(scores: Mapping[str, float]) -> Iterator[str]:
    """Item ids by score, highest first, ties by id; lazily, since a slot takes only the
    first few (a heap costs O(n) up front and O(log n) per item taken, a sort O(n log n))."""
    heap = [(-score, item_id) for item_id, score in scores.items()]
    heapq.heapify(heap)
    while heap:
        yield heapq.heappop(heap)[1]
