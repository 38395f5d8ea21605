"""The Store protocol's semantics, on every backend (memory, SQLite, Redis)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from middleware.stores import Store
from slots.profile import Campaign, Profile
from tests.middleware.stores.conftest import GAP, NOW, FakeClock


async def _profile(store: Store, visitor_id: str = "v1") -> Profile:
    profile = await store.load_profile(visitor_id)
    assert profile is not None
    return profile


# -- record_visit -----------------------------------------------------------------------


async def test_store_load_profile_unknown_visitor_is_none(store: Store) -> None:
    assert await store.load_profile("nobody") is None


async def test_store_record_visit_counts_page_views_and_new_visits(store: Store) -> None:
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    await store.record_visit("v1", now=NOW + GAP, session_gap=GAP)  # exactly the gap: same visit
    within = await _profile(store)
    await store.record_visit("v1", now=NOW + GAP * 2 + timedelta(microseconds=1), session_gap=GAP)
    after_gap = await _profile(store)
    assert (within.page_views, within.visits) == (2, 1)
    assert (after_gap.page_views, after_gap.visits) == (3, 2)


async def test_store_record_visit_decides_the_gap_from_the_stored_last_seen(store: Store) -> None:
    # Each view comes 20 minutes after the last: never a 30-minute gap, always one visit.
    for step in range(4):
        await store.record_visit("v1", now=NOW + timedelta(minutes=20 * step), session_gap=GAP)
    profile = await _profile(store)
    assert (profile.visits, profile.page_views) == (1, 4)


async def test_store_record_visit_sets_first_seen_once_and_last_seen_each_time(
    store: Store,
) -> None:
    later = NOW + timedelta(days=2, microseconds=7)
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    await store.record_visit("v1", now=later, session_gap=GAP)
    profile = await _profile(store)
    assert profile.first_seen == NOW
    assert profile.last_seen == later
    assert profile.last_seen.tzinfo is not None


async def test_store_record_visit_gives_back_times_in_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    await store.record_visit("v1", now=datetime(2025, 6, 1, 14, 0, tzinfo=paris), session_gap=GAP)
    profile = await _profile(store)
    assert profile.first_seen == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert profile.first_seen is not None and profile.first_seen.utcoffset() == timedelta(0)


async def test_store_record_visit_replaces_the_campaign_only_when_given(store: Store) -> None:
    spring = Campaign(source="news", medium="email", name="spring")
    await store.record_visit("v1", now=NOW, session_gap=GAP, campaign=spring)
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    kept = (await _profile(store)).campaign
    await store.record_visit("v1", now=NOW, session_gap=GAP, campaign=Campaign(name="summer"))
    assert kept == spring
    assert (await _profile(store)).campaign == Campaign(name="summer")


async def test_store_record_visit_keeps_the_first_referrer(store: Store) -> None:
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    await store.record_visit("v1", now=NOW, session_gap=GAP, referrer_host="search.example")
    await store.record_visit("v1", now=NOW, session_gap=GAP, referrer_host="other.example")
    assert (await _profile(store)).first_referrer == "search.example"


async def test_store_load_profile_is_a_snapshot_taken_before_recording(store: Store) -> None:
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    before = await _profile(store)
    await store.record_visit("v1", now=NOW + GAP * 2, session_gap=GAP)
    assert (before.visits, before.page_views, before.last_seen) == (1, 1, NOW)


async def test_store_concurrent_visits_lose_no_update(store: Store) -> None:
    await asyncio.gather(*(store.record_visit("v1", now=NOW, session_gap=GAP) for _ in range(200)))
    profile = await _profile(store)
    assert (profile.page_views, profile.visits) == (200, 1)


# -- record_view, record_purchase, set_traits ---------------------------------------------


async def test_store_record_view_keeps_recent_items_newest_first_without_repeats(
    store: Store,
) -> None:
    for item_id in ["a", "b", "c", "a", "d"]:
        await store.record_view("v1", item_id=item_id, category=None, in_stock=True, now=NOW)
    profile = await _profile(store)
    assert profile.viewed == ("d", "a", "c")  # bounded to limits.recent_items (3)
    assert profile.views == {"a": 2, "b": 1, "c": 1, "d": 1}


async def test_store_record_view_counts_categories(store: Store) -> None:
    await store.record_view("v1", item_id="a", category="dogs", in_stock=True, now=NOW)
    await store.record_view("v1", item_id="b", category="dogs", in_stock=True, now=NOW)
    await store.record_view("v1", item_id="c", category="cats", in_stock=True, now=NOW)
    await store.record_view("v1", item_id="d", category=None, in_stock=True, now=NOW)
    assert (await _profile(store)).categories == {"dogs": 2, "cats": 1}


async def test_store_record_view_remembers_items_seen_out_of_stock(store: Store) -> None:
    for item_id, in_stock in [("a", False), ("b", True), ("c", False), ("a", False)]:
        await store.record_view("v1", item_id=item_id, category=None, in_stock=in_stock, now=NOW)
    for item_id in ["d", "e"]:
        await store.record_view("v1", item_id=item_id, category=None, in_stock=False, now=NOW)
    assert (await _profile(store)).seen_out_of_stock == ("e", "d", "a")


async def test_store_record_view_alone_creates_a_profile_without_visits(store: Store) -> None:
    await store.record_view("v1", item_id="a", category=None, in_stock=True, now=NOW)
    profile = await _profile(store)
    assert (profile.visits, profile.page_views, profile.first_seen) == (0, 0, None)


async def test_store_record_purchase_puts_the_newest_basket_first_bounded(store: Store) -> None:
    await store.record_purchase("v1", item_ids=["a", "b"], now=NOW)
    await store.record_purchase("v1", item_ids=["c", "d", "c", "a"], now=NOW)
    await store.record_purchase("v1", item_ids=["e"], now=NOW)
    assert (await _profile(store)).purchased == ("e", "c", "d", "a")  # limit 4: "b" dropped


async def test_store_set_traits_merges_and_keeps_value_types(store: Store) -> None:
    await store.set_traits("v1", {"tier": "gold", "age": 41, "score": 0.5, "vip": True}, now=NOW)
    await store.set_traits("v1", {"tier": "silver", "zip": "01234"}, now=NOW)
    traits = (await _profile(store)).traits
    assert traits == {"tier": "silver", "age": 41, "score": 0.5, "vip": True, "zip": "01234"}
    assert type(traits["vip"]) is bool and type(traits["age"]) is int


# -- frequency caps -----------------------------------------------------------------------


async def test_store_increment_cap_counts_per_key(store: Store) -> None:
    hour = timedelta(hours=1)
    counts = [
        await store.increment_cap("v1", key, ttl=hour) for key in ["hero", "hero", "cta", "hero"]
    ]
    assert counts == [1, 2, 1, 3]
    assert (await _profile(store)).caps == {"hero": 3, "cta": 1}


async def test_store_increment_cap_starts_a_new_window_after_its_ttl(
    store: Store, clock: FakeClock
) -> None:
    await store.increment_cap("v1", "hero", ttl=timedelta(minutes=10))
    await store.increment_cap("v1", "hero", ttl=timedelta(minutes=10))
    await store.increment_cap("v1", "cta", ttl=timedelta(hours=1))
    clock.advance(11 * 60)
    after_window = (await _profile(store)).caps
    assert after_window == {"cta": 1}
    assert await store.increment_cap("v1", "hero", ttl=timedelta(minutes=10)) == 1


# -- identity -----------------------------------------------------------------------------


async def test_store_link_person_keeps_the_first_visitor_linked(store: Store) -> None:
    assert await store.link_person("person-1", "phone") == "phone"
    assert await store.link_person("person-1", "laptop") == "phone"
    assert await store.link_person("person-2", "laptop") == "laptop"


async def test_store_merge_profiles_adds_counts_and_keeps_the_target_traits(store: Store) -> None:
    await store.record_visit("old", now=NOW, session_gap=GAP, referrer_host="a.example")
    await store.record_view("old", item_id="x", category="dogs", in_stock=True, now=NOW)
    await store.set_traits("old", {"tier": "gold", "lang": "fr"}, now=NOW)
    later = NOW + timedelta(days=1)
    await store.record_visit("new", now=later, session_gap=GAP, campaign=Campaign(name="c"))
    await store.record_view("new", item_id="x", category="dogs", in_stock=True, now=later)
    await store.set_traits("new", {"tier": "silver"}, now=later)
    await store.merge_profiles("old", "new")
    merged = await _profile(store, "new")
    assert (merged.visits, merged.page_views) == (2, 2)
    assert (merged.first_seen, merged.last_seen) == (NOW, later)
    assert merged.views == {"x": 2} and merged.categories == {"dogs": 2}
    assert merged.traits == {"tier": "silver", "lang": "fr"}
    assert (merged.campaign, merged.first_referrer) == (Campaign(name="c"), "a.example")
    assert await store.load_profile("old") is None


async def test_store_merge_profiles_puts_the_more_recent_history_first(store: Store) -> None:
    for item_id in ["t1", "shared"]:
        await store.record_view("target", item_id=item_id, category=None, in_stock=True, now=NOW)
    await store.record_visit("target", now=NOW, session_gap=GAP)
    for item_id in ["shared", "s1"]:
        await store.record_view("source", item_id=item_id, category=None, in_stock=True, now=NOW)
    await store.record_visit("source", now=NOW + timedelta(hours=1), session_gap=GAP)
    await store.merge_profiles("source", "target")
    assert (await _profile(store, "target")).viewed == ("s1", "shared", "t1")


async def test_store_merge_profiles_keeps_the_target_first_when_it_is_newer(store: Store) -> None:
    await store.record_purchase("target", item_ids=["t1", "t2"], now=NOW)
    await store.record_visit("target", now=NOW + timedelta(hours=1), session_gap=GAP)
    await store.record_purchase("source", item_ids=["t2", "s1", "s2"], now=NOW)
    await store.record_visit("source", now=NOW, session_gap=GAP)
    await store.merge_profiles("source", "target")
    assert (await _profile(store, "target")).purchased == ("t1", "t2", "s1", "s2")


async def test_store_merge_profiles_adds_live_caps(store: Store) -> None:
    await store.increment_cap("source", "hero", ttl=timedelta(hours=1))
    await store.increment_cap("source", "hero", ttl=timedelta(hours=1))
    await store.increment_cap("target", "hero", ttl=timedelta(hours=1))
    await store.increment_cap("source", "cta", ttl=timedelta(hours=1))
    await store.merge_profiles("source", "target")
    assert (await _profile(store, "target")).caps == {"hero": 3, "cta": 1}


async def test_store_merge_profiles_moves_person_links_to_the_target(store: Store) -> None:
    await store.record_visit("source", now=NOW, session_gap=GAP)
    await store.link_person("person-1", "source")
    await store.merge_profiles("source", "target")
    assert await store.link_person("person-1", "someone-else") == "target"
    assert await store.forget("target") is True
    assert await store.link_person("person-1", "someone-else") == "someone-else"


async def test_store_merge_profiles_without_a_source_leaves_the_target(store: Store) -> None:
    await store.record_visit("target", now=NOW, session_gap=GAP)
    before = await _profile(store, "target")
    await store.merge_profiles("missing", "target")
    await store.merge_profiles("target", "target")
    assert await _profile(store, "target") == before


async def test_store_forget_erases_the_visitor_and_their_person_links(store: Store) -> None:
    await store.record_visit("v1", now=NOW, session_gap=GAP)
    await store.record_view("v1", item_id="a", category="dogs", in_stock=False, now=NOW)
    await store.increment_cap("v1", "hero", ttl=timedelta(hours=1))
    await store.link_person("person-1", "v1")
    await store.link_person("person-2", "v2")
    assert await store.forget("v1") is True
    assert await store.load_profile("v1") is None
    assert await store.forget("v1") is False
    assert await store.link_person("person-1", "v3") == "v3"
    assert await store.link_person("person-2", "v3") == "v2"


async def test_store_forget_reports_a_visitor_never_seen(store: Store) -> None:
    assert await store.forget("nobody") is False


async def test_store_purge_deletes_profiles_last_seen_before_the_cutoff(
    store: Store, backend: str
) -> None:
    await store.record_visit("stale", now=NOW - timedelta(days=400), session_gap=GAP)
    await store.link_person("person-1", "stale")
    await store.record_visit("fresh", now=NOW, session_gap=GAP)
    purged = await store.purge(older_than=NOW - timedelta(days=395))
    if backend == "redis":  # key TTLs do it; see test_redis_writes_refresh_the_ttl_to_retention
        assert purged == 0
        return
    assert purged == 1
    assert await store.load_profile("stale") is None
    assert await store.load_profile("fresh") is not None
    assert await store.link_person("person-1", "new") == "new"


# -- item statistics ----------------------------------------------------------------------


async def test_store_add_cooccurrence_counts_the_item_and_both_directions(store: Store) -> None:
    await store.add_cooccurrence("bought", item_id="a", others=["b", "c", "a", "b"], now=NOW)
    await store.add_cooccurrence("bought", item_id="b", others=["a"], now=NOW)
    neighbours = await store.neighbours("bought", ["a", "b", "c"])
    assert neighbours == {"a": {"b": 2.0, "c": 1.0}, "b": {"a": 2.0}, "c": {"a": 1.0}}
    assert await store.item_counts("bought", ["a", "b", "c"]) == {"a": 1.0, "b": 1.0, "c": 0.0}


async def test_store_cooccurrence_kinds_are_separate(store: Store) -> None:
    await store.add_cooccurrence("viewed", item_id="a", others=["b"], now=NOW)
    assert await store.neighbours("bought", ["a"]) == {"a": {}}
    assert await store.item_counts("viewed", ["a"]) == {"a": 1.0}


async def test_store_neighbours_are_the_top_pairs_by_count(store: Store) -> None:
    for others in (["b", "c", "d"], ["b", "c"], ["b"]):
        await store.add_cooccurrence("viewed", item_id="a", others=others, now=NOW)
    top = await store.neighbours("viewed", ["a"])
    assert list(top["a"].items()) == [("b", 3.0), ("c", 2.0)]  # limits.neighbours is 2


async def test_store_item_statistics_of_no_items_are_empty(store: Store) -> None:
    assert await store.neighbours("viewed", []) == {}
    assert await store.item_counts("viewed", []) == {}


async def test_store_trending_ranks_by_score_decayed_to_now(store: Store) -> None:
    week = timedelta(days=7)
    await store.add_trending("old", weight=4.0, now=NOW - week * 2)
    await store.add_trending("new", weight=1.5, now=NOW)
    await store.add_trending("new", weight=0.5, now=NOW)
    ranked = await store.trending(limit=5, now=NOW)
    assert [item for item, _ in ranked] == ["new", "old"]
    assert [score for _, score in ranked] == pytest.approx([2.0, 1.0])
    [(item, score)] = await store.trending(limit=1, now=NOW + week)
    assert item == "new" and score == pytest.approx(1.0)


async def test_store_trending_does_not_overflow_centuries_after_its_epoch(store: Store) -> None:
    far = datetime(2900, 6, 1, tzinfo=UTC)  # 2**(45,000 half-lives) would overflow a float
    await store.add_trending("a", weight=3.0, now=far)
    await store.add_trending("a", weight=1.0, now=far)
    [(item, score)] = await store.trending(limit=1, now=far + timedelta(days=7))
    assert item == "a" and score == pytest.approx(2.0)


async def test_store_trending_ignores_weights_that_are_not_positive(store: Store) -> None:
    await store.add_trending("a", weight=0.0, now=NOW)
    await store.add_trending("b", weight=-1.0, now=NOW)
    assert await store.trending(limit=5, now=NOW) == []


# -- experiments --------------------------------------------------------------------------


async def test_store_exposures_count_exposures_and_conversions_per_variant(store: Store) -> None:
    for variant in ["control", "bold", "bold"]:
        await store.record_exposure("spring", variant)
    await store.record_exposure("spring", "bold", converted=True)
    await store.record_exposure("other", "control")
    assert await store.exposures("spring") == {"control": (1, 0), "bold": (2, 1)}
    assert await store.exposures("never") == {}
