"""Recommendation quality and speed on a real purchase log (UCI Online Retail).

Replays the log in time order through the same store and :class:`Recommender` the
middleware uses, trains on invoices before 2011-11-01, tests on the rest, and prints
HitRate@10 and MRR@10 per strategy for basket completion and next purchase, then the
median time of one recommendation and of recording one view on each store::

    .venv/bin/python -m benchmarks.recommendations            # about 4 minutes on 2 cores
    .venv/bin/python -m benchmarks.recommendations --quick    # 3 months, a subset
    .venv/bin/python -m benchmarks.recommendations --store sqlite:///bench.db

Redis is timed too when db 14 on 127.0.0.1 answers and is empty, or with ``--redis URL``
(that database is emptied afterwards). The module also exposes :func:`train`, a small
synchronous API over the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.recommendation_speed import (
    empty_redis,
    find_redis,
    measure_speed,
    speed_table,
    trained,
)
from benchmarks.retail_log import (
    CORPUS,
    RECENT,
    Case,
    basket_cases,
    baskets_from_rows,
    catalog_from_rows,
    next_purchase_cases,
    popularity_ranking,
    read_corpus,
)
from middleware.recommendations import Recommender
from middleware.stores import open_store
from middleware.stores.base import Store
from slots.catalog import Catalog, Item, build_catalog
from slots.cooccurrence import DEFAULT_SIMILARITY, SIMILARITIES, Similarity
from slots.decision import RecommendationRequest
from slots.profile import Profile

__all__ = ["Model", "Quality", "Score", "group_events", "main", "measure_quality", "train"]

CUTOFF = datetime(2011, 11, 1, tzinfo=UTC)
QUICK_START = datetime(2011, 8, 1, tzinfo=UTC)
#: SQLite and Redis take ~1 ms per purchased item to ingest, so the stores timed beside
#: memory hold the last two months of training (two weeks with --quick), not all eleven.
SPEED_HISTORY = {False: datetime(2011, 9, 1, tzinfo=UTC), True: datetime(2011, 10, 15, tzinfo=UTC)}
K = 10


# -- the train()/recommend() API ----------------------------------------------------------------


@dataclass(slots=True)
class Model:
    """A trained recommender over a store; :meth:`recommend` runs it synchronously."""

    recommender: Recommender
    now: datetime

    def recommend(
        self, history_item_ids: Sequence[str], k: int, strategy: str = "also_bought"
    ) -> list[str]:
        """Up to ``k`` item ids for someone who just looked at ``history_item_ids`` (oldest
        first, as they happened); items of the history are never recommended."""
        return asyncio.run(self.arecommend(history_item_ids, k, strategy))

    async def arecommend(
        self, history_item_ids: Sequence[str], k: int, strategy: str = "also_bought"
    ) -> list[str]:
        recent = tuple(dict.fromkeys(reversed(history_item_ids)))[:RECENT]
        result = await self.recommender.recommend(
            RecommendationRequest(strategy=strategy, limit=k),
            profile=Profile(visitor_id="model", viewed=recent),
            current_item=None,
            now=self.now,
            exclude=set(history_item_ids),
        )
        return [item.id for item in result.items]


def train(
    events: Iterable[Mapping[str, Any]],
    *,
    catalog: Catalog | None = None,
    measure: Similarity = DEFAULT_SIMILARITY,
) -> Model:
    """Replay ``events`` into a fresh ``memory://`` store and return a model over it.

    An event is a mapping with ``session_id``, ``visitor_id``, ``item_id``, ``timestamp``
    (a datetime, naive meaning UTC, or Unix seconds) and ``event`` (``"view"`` or
    ``"purchase"``); consecutive purchases of one session make one basket. Without a
    catalog, every item id in the events is an item in stock.
    """
    rows = sorted(events, key=lambda event: _moment(event["timestamp"]))
    if catalog is None:
        ids = dict.fromkeys(str(event["item_id"]) for event in rows)
        catalog = build_catalog(
            (Item(id=item_id, name=item_id, url=f"/items/{item_id}") for item_id in ids),
            source="events",
        )
    store = open_store("memory://")
    recommender = Recommender(store, catalog, measure=measure, cache_ttl=0)
    asyncio.run(_replay_events(store, recommender, rows, catalog))
    now = _moment(rows[-1]["timestamp"]) if rows else CUTOFF
    return Model(recommender=recommender, now=now)


async def _replay_events(
    store: Store, recommender: Recommender, events: Sequence[Mapping[str, Any]], catalog: Catalog
) -> None:
    for group in group_events(events):
        first = group[0]
        visitor, now = str(first["visitor_id"]), _moment(first["timestamp"])
        profile = await store.load_profile(visitor)
        if first["event"] == "purchase":
            items = [str(event["item_id"]) for event in group]
            await store.record_purchase(visitor, item_ids=items, now=now)
            await recommender.record_purchase(visitor, item_ids=items, profile=profile, now=now)
            continue
        item_id = str(first["item_id"])
        item = catalog.get(item_id)
        await store.record_view(
            visitor, item_id=item_id, category=item.category if item else None,
            in_stock=item.in_stock if item else True, now=now,
        )
        await recommender.record_view(visitor, item_id=item_id, profile=profile, now=now)


def group_events(events: Sequence[Mapping[str, Any]]) -> Iterator[list[Mapping[str, Any]]]:
    """Events one by one, except that consecutive purchases of one session come together."""
    group: list[Mapping[str, Any]] = []
    for event in events:
        if event["event"] not in ("view", "purchase"):
            raise ValueError(f"an event is 'view' or 'purchase', not {event['event']!r}")
        joins = bool(group) and (
            event["event"] == "purchase" == group[-1]["event"]
            and event["session_id"] == group[-1]["session_id"]
        )
        if group and not joins:
            yield group
            group = []
        group.append(event)
    if group:
        yield group


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), tz=UTC)


# -- quality ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Score:
    """HitRate@K and MRR@K over the cases added."""

    cases: int = 0
    hits: int = 0
    reciprocal_ranks: float = 0.0

    def add(self, ranked: Sequence[str], targets: frozenset[str]) -> None:
        self.cases += 1
        for rank, item_id in enumerate(ranked[:K], start=1):
            if item_id in targets:
                self.hits += 1
                self.reciprocal_ranks += 1 / rank
                return

    @property
    def hit_rate(self) -> float:
        return self.hits / self.cases if self.cases else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_ranks / self.cases if self.cases else 0.0


def _popular_for(ranking: Sequence[str], case: Case) -> list[str]:
    shut = case.given | set(case.profile.purchased)
    return [item_id for item_id in ranking[: K + len(shut)] if item_id not in shut][:K]


async def _evaluate(recommender: Recommender, strategy: str, cases: Sequence[Case]) -> Score:
    score = Score()
    request = RecommendationRequest(strategy=strategy, limit=K)
    for case in cases:
        result = await recommender.recommend(
            request, profile=case.profile, current_item=None, now=case.now, exclude=case.given
        )
        score.add([item.id for item in result.items], case.targets)
    return score


@dataclass(slots=True)
class Quality:
    """Per method, the score on basket completion and on next purchase."""

    rows: dict[str, tuple[Score, Score]] = field(default_factory=dict)

    def markdown(self) -> str:
        lines = [
            "| method | basket completion HitRate@10 | MRR@10 "
            "| next purchase HitRate@10 | MRR@10 |",
            "|---|---|---|---|---|",
        ]
        for name, (basket, following) in self.rows.items():
            lines.append(
                f"| {name} | {basket.hit_rate:.3f} | {basket.mrr:.3f} "
                f"| {following.hit_rate:.3f} | {following.mrr:.3f} |"
            )
        return "\n".join(lines)


async def measure_quality(
    store: Store, catalog: Catalog, *, cases: tuple[list[Case], list[Case]], ranking: list[str]
) -> Quality:
    """Every applicable strategy, each similarity for also_bought, and plain popularity."""
    methods: list[tuple[str, str, Similarity]] = [
        (f"also_bought ({DEFAULT_SIMILARITY}, the default)", "also_bought", DEFAULT_SIMILARITY),
        *(
            (f"also_bought ({measure})", "also_bought", measure)
            for measure in SIMILARITIES
            if measure != DEFAULT_SIMILARITY
        ),
        ("for_you", "for_you", DEFAULT_SIMILARITY),
        ("trending", "trending", DEFAULT_SIMILARITY),
    ]
    quality = Quality()
    for name, strategy, measure in methods:
        recommender = Recommender(store, catalog, measure=measure)
        basket = await _evaluate(recommender, strategy, cases[0])
        quality.rows[name] = (basket, await _evaluate(recommender, strategy, cases[1]))
    popular = (Score(), Score())
    for score, group in zip(popular, cases, strict=True):
        for case in group:
            score.add(_popular_for(ranking, case), case.targets)
    quality.rows["popularity (all-time best sellers)"] = popular
    return quality


# -- the command --------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    rows = read_corpus(args.corpus)
    baskets, catalog = baskets_from_rows(rows), catalog_from_rows(rows)
    start = QUICK_START if args.quick else datetime.min.replace(tzinfo=UTC)
    train_set = [basket for basket in baskets if start <= basket.time < CUTOFF]
    test_set = [basket for basket in baskets if basket.time >= CUTOFF]
    print(f"{len(rows):,} lines -> {len(baskets):,} invoices of {len(catalog):,} products; "
          f"training on {len(train_set):,} before {CUTOFF:%Y-%m-%d}, testing on {len(test_set):,}")
    store = await trained(args.store, catalog, train_set)
    returning = {basket.customer for basket in train_set if basket.customer is not None}
    limit = 1000 if args.quick else None
    cases = (
        basket_cases(test_set)[:limit],
        (await next_purchase_cases(store, test_set, returning=returning))[:limit],
    )
    print(f"{len(cases[0]):,} basket-completion cases (one seeded-random line held out), "
          f"{len(cases[1]):,} next-purchase cases (returning customers, items new to them)\n")
    ranking = popularity_ranking(train_set)
    quality = await measure_quality(store, catalog, cases=cases, ranking=ranking)
    print(quality.markdown())
    print("\nThe log has no page views (also_viewed, recently_viewed, eyeing, back_in_stock have "
          "nothing to learn from) and no category column (category_affinity is skipped).\n")
    speeds = {
        f"{args.store} (all training)": await measure_speed(
            store, catalog, cases[0], samples=args.samples
        )
    }
    await store.close()
    recent = [basket for basket in train_set if basket.time >= SPEED_HISTORY[args.quick]]
    with tempfile.TemporaryDirectory() as folder:
        others = [f"sqlite:///{folder}/bench.db"]
        redis_url = await find_redis(args.redis)
        others += [redis_url] if redis_url is not None else []
        for url in others:
            other = await trained(url, catalog, recent)
            label = url.split(":", 1)[0] + f" (since {SPEED_HISTORY[args.quick]:%Y-%m-%d})"
            speeds[label] = await measure_speed(other, catalog, cases[0], samples=args.samples)
            await other.close()
            if url == redis_url:
                await empty_redis(url)
    print("\nMedian µs per call:\n\n" + speed_table(speeds))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Recommendation quality and speed, real data.")
    parser.add_argument("--quick", action="store_true", help="train on 3 months, test 1,000 cases")
    parser.add_argument("--store", default="memory://", help="store to train and test on (memory://)")
    parser.add_argument("--redis", help="time this Redis database too (emptied afterwards)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--samples", type=int, help="timed calls per figure (1,000; 200 --quick)")
    args = parser.parse_args(argv)
    if args.samples is None:
        args.samples = 200 if args.quick else 1000
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
