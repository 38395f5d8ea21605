"""Tests of the recommendation strategies, exclusions and fallbacks (plain function calls)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from slots.catalog import Catalog, Item, build_catalog
from slots.cooccurrence import ranked, score_neighbours, similarities, similarity, weighted_seeds
from slots.decision import RecommendationRequest
from slots.errors import ConfigurationError
from slots.profile import Profile
from slots.recommend import (
    DataNeeds,
    Recommendation,
    RecommendationInputs,
    as_strategy,
    data_needs,
    recommend,
)

CATALOG = build_catalog(
    [
        Item(id=name, name=name.upper(), url=f"/items/{name}", category=category, in_stock=stock)
        for name, category, stock in [
            ("shoes", "feet", True),
            ("socks", "feet", True),
            ("boots", "feet", True),
            ("laces", "feet", True),
            ("sandals", "feet", False),
            ("scarf", "neck", True),
            ("tie", "neck", True),
            ("hat", "head", True),
            ("cap", "head", True),
            ("gloves", "hands", True),
        ]
    ],
    source="test",
)


def ask(strategy: str, *, limit: int = 4, **options: Any) -> RecommendationRequest:
    return RecommendationRequest(strategy=strategy, limit=limit, **options)


def ids(result: Recommendation) -> list[str]:
    return [item.id for item in result.items]


def bought(
    neighbours: Mapping[str, Mapping[str, float]], counts: Mapping[str, float], **kw: Any
) -> RecommendationInputs:
    return RecommendationInputs(
        neighbours={"bought": neighbours}, item_counts={"bought": counts}, **kw
    )


# -- co-occurrence ---------------------------------------------------------------------------


@pytest.mark.parametrize("measure", ["cosine", "jaccard"])
def test_similarity_ranks_a_specific_pair_over_a_merely_popular_item(measure: Any) -> None:
    specific = similarity(5, 10, 6, measure=measure)  # bought with shoes 5 times out of 6
    popular = similarity(8, 10, 1000, measure=measure)  # with shoes 8 times, but by everyone
    assert specific > popular
    assert similarity(5, 10, 6, measure="count") < similarity(8, 10, 1000, measure="count")


def test_similarity_measures_follow_their_formulas() -> None:
    assert similarity(2, 4, 16, measure="cosine") == pytest.approx(2 / 8)
    assert similarity(2, 4, 16, measure="jaccard") == pytest.approx(2 / 18)
    assert similarity(2, 4, 16, measure="conditional") == pytest.approx(0.5)
    assert similarity(3, 0, 0, measure="cosine") == pytest.approx(1.0)  # a count >= its pair
    assert similarity(0, 4, 4) == 0.0


def test_weighted_seeds_weigh_recent_items_more_and_drop_repeats() -> None:
    assert weighted_seeds(["a", "b", "a", "c"], decay=0.5) == [("a", 1.0), ("b", 0.5), ("c", 0.25)]


def test_similarities_normalise_each_neighbour_of_a_seed() -> None:
    similar = similarities(
        {"x": 2, "y": 0, "z": 4}, seed_count=4, counts={"x": 16}, measure="cosine"
    )
    assert similar == {"x": pytest.approx(2 / 8), "z": pytest.approx(1.0)}  # y never co-occurred


def test_score_neighbours_sums_over_seeds_and_leaves_seeds_out() -> None:
    scores = score_neighbours(
        [("a", 1.0), ("b", 0.5)],
        similar={"a": {"b": 1.0, "x": 1.0}, "b": {"x": 1.0, "y": 1.0}},
    )
    assert scores == {"x": pytest.approx(1.5), "y": pytest.approx(0.5)}


def test_ranked_orders_by_score_then_id() -> None:
    assert list(ranked({"b": 1.0, "a": 1.0, "c": 2.0})) == ["c", "a", "b"]


# -- strategies ------------------------------------------------------------------------------


def test_also_bought_normalisation_ranks_the_co_bought_item_over_the_popular_one() -> None:
    inputs = bought(
        {"shoes": {"socks": 8, "laces": 5}},
        {"shoes": 10, "socks": 1000, "laces": 6},
        current_item="shoes",
    )
    assert ids(recommend(ask("also_bought"), inputs=inputs, catalog=CATALOG)) == ["laces", "socks"]
    raw = recommend(ask("also_bought"), inputs=inputs, catalog=CATALOG, measure="count")
    assert ids(raw) == ["socks", "laces"]


def test_also_bought_prefers_precomputed_similarities_over_raw_counts() -> None:
    inputs = bought(
        {"shoes": {"socks": 8, "laces": 5}},
        {"shoes": 10, "socks": 1000, "laces": 6},
        current_item="shoes",
        similar={"bought": {"shoes": {"boots": 0.9, "laces": 0.1}}},
    )
    assert ids(recommend(ask("also_bought"), inputs=inputs, catalog=CATALOG)) == ["boots", "laces"]


def test_also_bought_without_a_current_item_uses_recent_items_newest_first() -> None:
    profile = Profile(visitor_id="v", viewed=("hat", "scarf"))
    inputs = bought(
        {"hat": {"cap": 2}, "scarf": {"tie": 2}},
        {"hat": 2, "scarf": 2, "cap": 2, "tie": 2},
        profile=profile,
    )
    assert ids(recommend(ask("also_bought"), inputs=inputs, catalog=CATALOG)) == ["cap", "tie"]
    older_first = replace(inputs, profile=Profile(visitor_id="v", viewed=("scarf", "hat")))
    assert ids(recommend(ask("also_bought"), inputs=older_first, catalog=CATALOG)) == ["tie", "cap"]


def test_also_viewed_reads_viewed_neighbours_only() -> None:
    inputs = RecommendationInputs(
        current_item="shoes",
        neighbours={"viewed": {"shoes": {"boots": 3}}, "bought": {"shoes": {"socks": 3}}},
        item_counts={"viewed": {"shoes": 3, "boots": 3}, "bought": {"shoes": 3, "socks": 3}},
    )
    result = recommend(ask("also_viewed"), inputs=inputs, catalog=CATALOG)
    assert ids(result) == ["boots"] and result.strategy == "also_viewed"


def test_recently_viewed_lists_views_newest_first_without_the_current_item() -> None:
    profile = Profile(visitor_id="v", viewed=("hat", "shoes", "scarf"))
    inputs = RecommendationInputs(current_item="shoes", profile=profile)
    assert ids(recommend(ask("recently_viewed"), inputs=inputs, catalog=CATALOG)) == [
        "hat",
        "scarf",
    ]


def test_eyeing_shows_repeatedly_viewed_items_not_bought_most_viewed_then_most_recent() -> None:
    profile = Profile(
        visitor_id="v",
        viewed=("tie", "hat", "scarf", "boots"),
        views={"tie": 2, "hat": 1, "scarf": 2, "boots": 5, "gloves": 3},
        purchased=("gloves",),
    )
    inputs = RecommendationInputs(profile=profile)
    result = recommend(ask("eyeing", exclude_purchased=False), inputs=inputs, catalog=CATALOG)
    assert ids(result) == ["boots", "tie", "scarf"]


def test_back_in_stock_shows_only_items_in_stock_now() -> None:
    profile = Profile(visitor_id="v", seen_out_of_stock=("sandals", "boots", "nonexistent"))
    result = recommend(
        ask("back_in_stock"), inputs=RecommendationInputs(profile=profile), catalog=CATALOG
    )
    assert ids(result) == ["boots"] and result.sources == ("back_in_stock",)


def test_trending_keeps_the_store_order() -> None:
    inputs = RecommendationInputs(trending=(("scarf", 9.0), ("hat", 5.0), ("tie", 1.0)))
    assert ids(recommend(ask("trending", limit=2), inputs=inputs, catalog=CATALOG)) == [
        "scarf",
        "hat",
    ]


def test_category_affinity_takes_popular_items_of_the_strongest_categories_in_turn() -> None:
    profile = Profile(visitor_id="v", categories={"feet": 5, "head": 2, "neck": 1})
    inputs = RecommendationInputs(profile=profile, trending=(("boots", 3.0), ("cap", 2.0)))
    result = recommend(ask("category_affinity", limit=5), inputs=inputs, catalog=CATALOG)
    # feet, head and neck take turns; within one, trending first, then catalog order.
    assert ids(result) == ["boots", "cap", "scarf", "shoes", "hat"]


def test_for_you_blends_bought_and_viewed_neighbours_of_recent_items() -> None:
    profile = Profile(visitor_id="v", viewed=("shoes",))
    inputs = RecommendationInputs(
        profile=profile,
        neighbours={"bought": {"shoes": {"socks": 1}}, "viewed": {"shoes": {"boots": 4}}},
        item_counts={"bought": {"shoes": 4, "socks": 4}, "viewed": {"shoes": 4, "boots": 4}},
        trending=(("hat", 1.0),),
    )
    result = recommend(ask("for_you", limit=3), inputs=inputs, catalog=CATALOG)
    # viewed-together counts half: boots 0.5 * 1.0 beats socks 1 / 4.
    assert ids(result) == ["boots", "socks", "hat"]
    assert result.sources == ("for_you", "for_you", "trending")


def test_for_you_falls_back_to_trending_for_a_new_visitor() -> None:
    inputs = RecommendationInputs(trending=(("hat", 2.0), ("tie", 1.0)))
    result = recommend(ask("for_you"), inputs=inputs, catalog=CATALOG)
    assert ids(result) == ["hat", "tie"] and result.strategy == "trending"


# -- exclusions ------------------------------------------------------------------------------

TRENDING = RecommendationInputs(
    trending=tuple((name, 1.0) for name in ("shoes", "socks", "sandals", "ghost", "hat"))
)


def test_recommend_excludes_the_current_item() -> None:
    inputs = replace(TRENDING, current_item="shoes")
    assert "shoes" not in ids(recommend(ask("trending"), inputs=inputs, catalog=CATALOG))


def test_recommend_excludes_purchased_items_unless_told_not_to() -> None:
    inputs = replace(TRENDING, profile=Profile(visitor_id="v", purchased=("socks",)))
    assert ids(recommend(ask("trending"), inputs=inputs, catalog=CATALOG)) == ["shoes", "hat"]
    kept = recommend(ask("trending", exclude_purchased=False), inputs=inputs, catalog=CATALOG)
    assert ids(kept) == ["shoes", "socks", "hat"]


def test_recommend_skips_out_of_stock_and_unknown_items() -> None:
    result = recommend(ask("trending"), inputs=TRENDING, catalog=CATALOG)
    assert ids(result) == ["shoes", "socks", "hat"]  # not sandals (out of stock) nor ghost


def test_recommend_skips_items_the_exclude_set_names() -> None:
    inputs = replace(TRENDING, exclude=frozenset({"socks"}))
    assert ids(recommend(ask("trending"), inputs=inputs, catalog=CATALOG)) == ["shoes", "hat"]


def test_recommend_applies_the_policy_filter_on_item_fields() -> None:
    def not_feet(attributes: Mapping[str, Any]) -> bool:
        return bool(attributes["category"] != "feet")

    request = RecommendationRequest(strategy="trending", limit=4, filter=not_feet)
    assert ids(recommend(request, inputs=TRENDING, catalog=CATALOG)) == ["hat"]


def test_recommend_excludes_viewed_items_only_when_asked() -> None:
    inputs = replace(TRENDING, profile=Profile(visitor_id="v", viewed=("hat", "shoes")))
    assert ids(recommend(ask("trending"), inputs=inputs, catalog=CATALOG)) == [
        "shoes",
        "socks",
        "hat",
    ]
    hidden = recommend(ask("trending", exclude_viewed=True), inputs=inputs, catalog=CATALOG)
    assert ids(hidden) == ["socks"]


def test_exclude_viewed_hides_what_for_you_proposes_from_the_visitors_views() -> None:
    profile = Profile(visitor_id="v", viewed=("shoes", "boots"))
    inputs = RecommendationInputs(
        profile=profile,
        neighbours={"viewed": {"shoes": {"boots": 4, "socks": 1}}},
        item_counts={"viewed": {"shoes": 4, "boots": 4, "socks": 4}},
        trending=(("boots", 9.0), ("hat", 1.0)),
    )
    assert "boots" in ids(recommend(ask("for_you"), inputs=inputs, catalog=CATALOG))
    hidden = recommend(ask("for_you", exclude_viewed=True), inputs=inputs, catalog=CATALOG)
    assert ids(hidden) == ["socks", "hat"]


@pytest.mark.parametrize("strategy", ["recently_viewed", "eyeing", "back_in_stock"])
def test_exclude_viewed_spares_the_strategies_that_list_viewed_items(strategy: str) -> None:
    profile = Profile(
        visitor_id="v", viewed=("hat", "tie"), views={"hat": 2}, seen_out_of_stock=("hat",)
    )
    inputs = RecommendationInputs(profile=profile)
    result = recommend(ask(strategy, exclude_viewed=True), inputs=inputs, catalog=CATALOG)
    assert ids(result)[0] == "hat"


def test_exclude_viewed_applies_per_strategy_so_an_exempt_fallback_still_shows_views() -> None:
    profile = Profile(visitor_id="v", viewed=("hat", "scarf"))
    inputs = RecommendationInputs(profile=profile, trending=(("scarf", 5.0), ("tie", 4.0)))
    request = ask("trending", fallbacks=("recently_viewed",), exclude_viewed=True)
    result = recommend(request, inputs=inputs, catalog=CATALOG)
    assert ids(result) == ["tie", "hat", "scarf"]
    assert result.sources == ("trending", "recently_viewed", "recently_viewed")


# -- fallbacks and minimum -------------------------------------------------------------------


def test_fallbacks_fill_the_slot_in_order_without_duplicates() -> None:
    profile = Profile(visitor_id="v", viewed=("hat", "scarf"))
    inputs = RecommendationInputs(
        profile=profile, trending=(("scarf", 5.0), ("tie", 4.0), ("cap", 3.0))
    )
    request = ask("recently_viewed", limit=4, fallbacks=("trending", "recently_viewed"))
    result = recommend(request, inputs=inputs, catalog=CATALOG)
    assert ids(result) == ["hat", "scarf", "tie", "cap"]
    assert result.sources == ("recently_viewed", "recently_viewed", "trending", "trending")
    assert result.strategy == "recently_viewed"


def test_fallbacks_stop_once_the_slot_is_full() -> None:
    profile = Profile(visitor_id="v", viewed=("hat", "scarf"))
    inputs = RecommendationInputs(profile=profile, trending=(("tie", 4.0),))
    result = recommend(
        ask("recently_viewed", limit=2, fallbacks=("trending",)), inputs=inputs, catalog=CATALOG
    )
    assert ids(result) == ["hat", "scarf"]


def test_fewer_items_than_the_minimum_keep_the_default() -> None:
    inputs = RecommendationInputs(trending=(("hat", 1.0), ("tie", 1.0)))
    assert recommend(ask("trending", minimum=3), inputs=inputs, catalog=CATALOG).is_empty
    assert ids(recommend(ask("trending", minimum=2), inputs=inputs, catalog=CATALOG)) == [
        "hat",
        "tie",
    ]


def test_a_strategy_with_nothing_to_show_gives_an_empty_recommendation() -> None:
    result = recommend(ask("recently_viewed"), inputs=RecommendationInputs(), catalog=CATALOG)
    assert result == Recommendation() and result.strategy is None


def test_an_unknown_strategy_is_a_configuration_error() -> None:
    with pytest.raises(
        ConfigurationError,
        match="unknown recommendation strategy 'also_liked'; expected one of also_bought",
    ):
        recommend(
            ask("trending", fallbacks=("also_liked",)),
            inputs=RecommendationInputs(),
            catalog=CATALOG,
        )
    assert as_strategy("eyeing") == "eyeing"


# -- what to fetch ---------------------------------------------------------------------------


def test_data_needs_reads_only_what_the_strategies_use() -> None:
    profile = Profile(visitor_id="v", viewed=("hat",), purchased=("tie",))
    assert data_needs(ask("recently_viewed"), current_item="shoes", profile=profile) == DataNeeds()
    assert data_needs(ask("also_bought"), current_item="shoes", profile=profile) == DataNeeds(
        seeds=("shoes",), kinds=("bought",)
    )
    needs = data_needs(ask("for_you"), current_item=None, profile=profile)
    assert needs == DataNeeds(seeds=("hat", "tie"), kinds=("bought", "viewed"), trending=50)


def test_data_needs_skips_neighbours_when_there_are_no_seeds() -> None:
    needs = data_needs(ask("also_viewed", fallbacks=("trending",)), current_item=None, profile=None)
    assert needs == DataNeeds(trending=50)


def test_empty_catalog_shows_nothing() -> None:
    assert recommend(ask("trending"), inputs=TRENDING, catalog=Catalog()).is_empty


def test_data_needs_fetches_spare_trending_items_for_a_long_slot() -> None:
    assert data_needs(ask("trending", limit=40), current_item=None, profile=None).trending == 80


def test_data_needs_fetches_spare_trending_items_for_the_viewed_it_hides() -> None:
    profile = Profile(visitor_id="v", viewed=tuple(f"item{n}" for n in range(20)))
    long_slot = ask("trending", limit=40, exclude_viewed=True)
    assert data_needs(long_slot, current_item=None, profile=profile).trending == 100
    assert data_needs(ask("trending", limit=40), current_item=None, profile=profile).trending == 80
