"""Tests of the recommender reusing a slot's recommendation while its snapshot lasts.

(These belong with tests/middleware/test_recommendations.py; they are kept apart only while
several people edit the tests at once.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from middleware.catalog import CatalogSource
from middleware.recommendations import Recommender
from middleware.stores import open_store
from slots.catalog import Catalog, Item, build_catalog
from slots.decision import RecommendationRequest
from slots.profile import Profile

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def catalog(*names: str) -> Catalog:
    items = [Item(id=name, name=name.title(), url=f"/items/{name}") for name in names]
    return build_catalog(items, source="test")


def ask(strategy: str, **options: Any) -> RecommendationRequest:
    return RecommendationRequest(strategy=strategy, limit=options.pop("limit", 4), **options)


def ids(result: Any) -> list[str]:
    return [item.id for item in result.items]


async def test_recommend_reuses_a_result_for_the_same_inputs() -> None:
    store = open_store("memory://")
    await store.add_trending("a", weight=2.0, now=NOW)
    await store.add_trending("b", weight=1.0, now=NOW)
    recommender = Recommender(store, catalog("a", "b", "c"))
    profile = Profile(visitor_id="v", viewed=("c",))
    first = await recommender.recommend(
        ask("trending"), profile=profile, current_item=None, now=NOW
    )
    same = Profile(visitor_id="w", viewed=("c",), visits=9)  # history alike, the rest not
    again = await recommender.recommend(ask("trending"), profile=same, current_item=None, now=NOW)
    assert again is first and ids(first) == ["a", "b"]


async def test_recommend_computes_again_for_other_history_page_or_exclusions() -> None:
    store = open_store("memory://")
    recommender = Recommender(store, catalog("a", "b", "c"))
    request = ask("recently_viewed", exclude_purchased=True)
    base = Profile(visitor_id="v", viewed=("a", "b"))
    assert ids(await recommender.recommend(request, profile=base, current_item=None, now=NOW)) == [
        "a",
        "b",
    ]
    bought = Profile(visitor_id="v", viewed=("a", "b"), purchased=("a",))
    on_b = await recommender.recommend(request, profile=base, current_item="b", now=NOW)
    results = [
        ids(await recommender.recommend(request, profile=bought, current_item=None, now=NOW)),
        ids(on_b),
        ids(
            await recommender.recommend(
                request, profile=base, current_item=None, now=NOW, exclude={"b"}
            )
        ),
    ]
    assert results == [["b"], ["a"], ["a"]]


async def test_recommend_tells_apart_requests_that_differ_only_in_their_filter() -> None:
    store = open_store("memory://")
    recommender = Recommender(store, catalog("a", "b"))
    profile = Profile(visitor_id="v", viewed=("a", "b"))
    only_a = ask("recently_viewed", filter=lambda item: item["id"] == "a")
    only_b = ask("recently_viewed", filter=lambda item: item["id"] == "b")
    first = await recommender.recommend(only_a, profile=profile, current_item=None, now=NOW)
    second = await recommender.recommend(only_b, profile=profile, current_item=None, now=NOW)
    assert (ids(first), ids(second)) == (["a"], ["b"])


async def test_recommend_computes_again_when_the_catalog_changes() -> None:
    store = open_store("memory://")
    current = [catalog("a", "b")]
    recommender = Recommender(store, CatalogSource(lambda: current[0].items.values(), ttl=0))
    profile = Profile(visitor_id="v", viewed=("a", "b"))
    request = ask("recently_viewed")
    before = await recommender.recommend(request, profile=profile, current_item=None, now=NOW)
    current[0] = catalog("b")
    after = await recommender.recommend(request, profile=profile, current_item=None, now=NOW)
    assert (ids(before), ids(after)) == (["a", "b"], ["b"])


async def test_recommend_drops_a_reused_result_when_this_process_records_a_view() -> None:
    store = open_store("memory://")
    recommender = Recommender(store, catalog("a", "b", "c"))
    request = ask("also_viewed")
    first = await recommender.recommend(request, profile=None, current_item="a", now=NOW)
    await recommender.record_view("v", item_id="b", profile=Profile("v", viewed=("a",)), now=NOW)
    again = await recommender.recommend(request, profile=None, current_item="a", now=NOW)
    assert first.is_empty and ids(again) == ["b"]


async def test_recommend_tells_apart_requests_that_differ_only_in_exclude_viewed() -> None:
    store = open_store("memory://")
    await store.add_trending("a", weight=2.0, now=NOW)
    await store.add_trending("b", weight=1.0, now=NOW)
    recommender = Recommender(store, catalog("a", "b"))
    profile = Profile(visitor_id="v", viewed=("a",))
    shown = await recommender.recommend(
        ask("trending"), profile=profile, current_item=None, now=NOW
    )
    hidden = await recommender.recommend(
        ask("trending", exclude_viewed=True), profile=profile, current_item=None, now=NOW
    )
    assert (ids(shown), ids(hidden)) == (["a", "b"], ["b"])
