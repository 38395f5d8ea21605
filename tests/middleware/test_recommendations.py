"""Tests of the recommender: what it reads from the store, what events write, and failures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from middleware.catalog import CatalogSource
from middleware.recommendations import Recommender
from middleware.stores import open_store
from middleware.stores.base import Store
from slots.catalog import Item, build_catalog
from slots.decision import RecommendationRequest
from slots.errors import ConfigurationError, StoreError
from slots.profile import Profile

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
CATALOG = build_catalog(
    [Item(id=name, name=name.title(), url=f"/items/{name}") for name in "abcdefghijklmnop"],
    source="test",
)


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened = open_store(
        "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/cheers.db"
    )
    yield opened
    await opened.close()


class SpyStore:
    """Forwards to a real store and records which statistics were read."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.limits = inner.limits
        self.reads: list[tuple[str, Any]] = []

    async def neighbours(
        self, kind: str, item_ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, float]]:
        self.reads.append(("neighbours", (kind, tuple(item_ids))))
        return await self.inner.neighbours(kind, item_ids)  # type: ignore[arg-type]

    async def item_counts(self, kind: str, item_ids: Sequence[str]) -> Mapping[str, float]:
        self.reads.append(("item_counts", kind))
        return await self.inner.item_counts(kind, item_ids)  # type: ignore[arg-type]

    async def trending(self, *, limit: int, now: datetime) -> Sequence[tuple[str, float]]:
        self.reads.append(("trending", limit))
        return await self.inner.trending(limit=limit, now=now)


class BrokenStore:
    """A store whose backend is down."""

    async def neighbours(
        self, kind: str, item_ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, float]]:
        raise StoreError("down")

    async def trending(self, *, limit: int, now: datetime) -> Sequence[tuple[str, float]]:
        raise ConnectionError("refused")

    async def add_cooccurrence(
        self, kind: str, *, item_id: str, others: Sequence[str], now: datetime
    ) -> None:
        raise StoreError("down")

    async def add_trending(self, item_id: str, *, weight: float, now: datetime) -> None:
        raise StoreError("down")


def ask(strategy: str, **options: Any) -> RecommendationRequest:
    return RecommendationRequest(strategy=strategy, limit=options.pop("limit", 4), **options)


def ids(result: Any) -> list[str]:
    return [item.id for item in result.items]


# -- events ----------------------------------------------------------------------------------


async def test_record_purchase_pairs_the_basket_and_a_bounded_number_of_earlier_purchases(
    store: Store,
) -> None:
    recommender = Recommender(store, CATALOG, recent_pairs=2, cache_ttl=0)
    profile = Profile(visitor_id="v", purchased=("a", "h", "i", "j"))  # newest first
    await recommender.record_purchase("v", item_ids=["a", "b", "c", "b"], profile=profile, now=NOW)
    neighbours = await store.neighbours("bought", ["a", "b", "h", "j"])
    # a, bought again, is not paired with itself; of the earlier purchases h and i are the
    # newest two besides a, and j is past the bound.
    assert neighbours["a"] == {"b": 1.0, "c": 1.0, "h": 1.0, "i": 1.0}
    assert neighbours["b"] == {"a": 1.0, "c": 1.0, "h": 1.0, "i": 1.0}  # once, though listed twice
    assert neighbours["h"] == {"a": 1.0, "b": 1.0, "c": 1.0} and neighbours["j"] == {}
    counts = await store.item_counts("bought", ["a", "b", "c", "h"])
    assert counts == {"a": 1.0, "b": 1.0, "c": 1.0, "h": 0.0}  # earlier purchases are not recounted


async def test_record_purchase_counts_basket_items_as_trending(store: Store) -> None:
    recommender = Recommender(store, CATALOG, purchase_weight=3.0)
    await recommender.record_purchase("v", item_ids=["a", "b"], profile=None, now=NOW)
    await recommender.record_purchase("w", item_ids=["b"], profile=None, now=NOW)
    assert [item_id for item_id, _ in await store.trending(limit=5, now=NOW)] == ["b", "a"]


async def test_record_view_pairs_the_item_with_the_last_recent_views_only(store: Store) -> None:
    recommender = Recommender(store, CATALOG, recent_pairs=3)
    profile = Profile(visitor_id="v", viewed=("b", "c", "d", "e", "f"))
    await recommender.record_view("v", item_id="a", profile=profile, now=NOW)
    assert (await store.neighbours("viewed", ["a"]))["a"] == {"b": 1.0, "c": 1.0, "d": 1.0}
    assert (await store.item_counts("viewed", ["a"])) == {"a": 1.0}


async def test_record_view_of_an_item_already_in_the_window_adds_no_pairs(store: Store) -> None:
    recommender = Recommender(store, CATALOG, recent_pairs=3)
    profile = Profile(visitor_id="v", viewed=("a", "b"))
    await recommender.record_view("v", item_id="b", profile=profile, now=NOW)  # a reload
    assert (await store.neighbours("viewed", ["b"]))["b"] == {}
    assert [item_id for item_id, _ in await store.trending(limit=5, now=NOW)] == ["b"]


async def test_record_events_log_store_failures_instead_of_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recommender = Recommender(BrokenStore(), CATALOG)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="cheers.recommendations"):
        await recommender.record_view("v", item_id="a", profile=None, now=NOW)
        await recommender.record_purchase("v", item_ids=["a"], profile=None, now=NOW)
    assert "recording a view of 'a' failed" in caplog.text
    assert "recording a purchase of 1 items failed" in caplog.text


# -- recommending ----------------------------------------------------------------------------


async def test_recommend_also_bought_ranks_what_is_bought_with_the_page_item(store: Store) -> None:
    recommender = Recommender(store, CATALOG, recent_pairs=0)
    for basket in (["a", "b"], ["a", "b"], ["a", "c"], ["d", "e"]):
        await recommender.record_purchase("v", item_ids=basket, profile=None, now=NOW)
    result = await recommender.recommend(
        ask("also_bought"), profile=None, current_item="a", now=NOW
    )
    assert ids(result) == ["b", "c"] and result.strategy == "also_bought"


async def test_recommend_falls_back_to_trending_and_honours_exclude(store: Store) -> None:
    recommender = Recommender(store, CATALOG)
    for item_id, weight in (("d", 3.0), ("e", 2.0), ("f", 1.0)):
        await store.add_trending(item_id, weight=weight, now=NOW)
    result = await recommender.recommend(
        ask("also_bought", fallbacks=("trending",)),
        profile=None,
        current_item="a",
        now=NOW,
        exclude={"e"},
    )
    assert ids(result) == ["d", "f"] and result.sources == ("trending", "trending")


async def test_recommend_reads_only_what_the_strategies_need(store: Store) -> None:
    spy = SpyStore(store)
    recommender = Recommender(spy, CATALOG, cache_ttl=0)  # type: ignore[arg-type]
    profile = Profile(visitor_id="v", viewed=("b", "c"))
    await recommender.recommend(ask("recently_viewed"), profile=profile, current_item="a", now=NOW)
    assert spy.reads == []
    await recommender.recommend(ask("also_bought"), profile=profile, current_item="a", now=NOW)
    assert spy.reads == [("neighbours", ("bought", ("a",))), ("item_counts", "bought")]
    spy.reads.clear()
    await recommender.recommend(
        ask("eyeing", fallbacks=("trending",)), profile=profile, current_item="a", now=NOW
    )
    assert spy.reads == [("trending", 50)]


async def test_recommend_reuses_store_reads_until_the_snapshot_expires(store: Store) -> None:
    spy, clock = SpyStore(store), [0.0]
    recommender = Recommender(spy, CATALOG, cache_ttl=60, clock=lambda: clock[0])  # type: ignore[arg-type]
    await store.add_cooccurrence("bought", item_id="a", others=["b"], now=NOW)
    first = await recommender.recommend(ask("also_bought"), profile=None, current_item="a", now=NOW)
    await store.add_cooccurrence("bought", item_id="a", others=["c"], now=NOW)
    again = await recommender.recommend(ask("also_bought"), profile=None, current_item="a", now=NOW)
    assert ids(first) == ids(again) == ["b"] and len(spy.reads) == 2
    clock[0] = 61.0
    later = await recommender.recommend(ask("also_bought"), profile=None, current_item="a", now=NOW)
    assert ids(later) == ["b", "c"] and len(spy.reads) == 4


async def test_recommend_degrades_to_empty_when_the_store_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recommender = Recommender(BrokenStore(), CATALOG)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="cheers.recommendations"):
        result = await recommender.recommend(
            ask("for_you"), profile=None, current_item="a", now=NOW
        )
    assert result.is_empty
    assert "recommendations (for_you) unavailable; the slot keeps its default" in caplog.text


async def test_recommend_degrades_to_empty_when_the_catalog_cannot_load(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recommender = Recommender(store, CatalogSource(tmp_path / "missing.json"))
    with caplog.at_level(logging.WARNING, logger="cheers.recommendations"):
        result = await recommender.recommend(
            ask("trending"), profile=None, current_item=None, now=NOW
        )
    assert result.is_empty and "unavailable" in caplog.text


async def test_recommend_raises_for_an_unknown_strategy(store: Store) -> None:
    with pytest.raises(ConfigurationError, match="unknown recommendation strategy 'bestsellers'"):
        await Recommender(store, CATALOG).recommend(
            ask("bestsellers"), profile=None, current_item=None, now=NOW
        )


async def test_recommend_sees_what_this_process_just_recorded(store: Store) -> None:
    recommender = Recommender(store, CATALOG, cache_ttl=60)
    first = await recommender.recommend(ask("also_bought"), profile=None, current_item="a", now=NOW)
    await recommender.record_purchase("v", item_ids=["a", "b"], profile=None, now=NOW)
    again = await recommender.recommend(ask("also_bought"), profile=None, current_item="a", now=NOW)
    assert first.is_empty and ids(again) == ["b"]
    viewed = ask("also_viewed")
    assert (await recommender.recommend(viewed, profile=None, current_item="a", now=NOW)).is_empty
    profile = Profile(visitor_id="v", viewed=("a",))
    await recommender.record_view("v", item_id="c", profile=profile, now=NOW)
    after = await recommender.recommend(viewed, profile=None, current_item="a", now=NOW)
    assert ids(after) == ["c"]
