from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slots.profile import Campaign, Profile, current_visits, profile_attributes

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
GAP = timedelta(minutes=30)


def test_current_visits_counts_the_visit_in_progress() -> None:
    assert current_visits(None, now=NOW, session_gap=GAP) == 1
    recent = Profile("v", last_seen=NOW - timedelta(minutes=5), visits=2)
    assert current_visits(recent, now=NOW, session_gap=GAP) == 2
    lapsed = Profile("v", last_seen=NOW - timedelta(hours=2), visits=2)
    assert current_visits(lapsed, now=NOW, session_gap=GAP) == 3


def test_profile_attributes_of_unknown_visitor() -> None:
    attributes = profile_attributes(None, visitor_id="v", now=NOW, session_gap=GAP)
    assert attributes == {"visitor": {"id": "v", "is_new": True, "visits": 1}, "profile": {}}


def test_profile_attributes_of_returning_visitor() -> None:
    profile = Profile(
        "v",
        first_seen=NOW - timedelta(days=10, hours=1),
        last_seen=NOW - timedelta(days=2),
        visits=3,
        page_views=9,
        viewed=("b", "a"),
        views={"a": 2, "b": 1},
        categories={"dogs": 3},
        purchased=("c",),
        traits={"plan": "pro"},
        campaign=Campaign("news", "email", "spring"),
    )
    attributes = profile_attributes(profile, visitor_id="v", now=NOW, session_gap=GAP)
    assert attributes["visitor"] == {
        "id": "v",
        "is_new": False,
        "visits": 4,
        "days_since_first_visit": 10,
        "days_since_last_visit": 2,
    }
    assert attributes["profile"]["categories"] == {"dogs": 3}
    assert attributes["profile"]["viewed"] == ["b", "a"]
    assert attributes["profile"]["traits"] == {"plan": "pro"}
    assert attributes["visit"] == {"campaign": "spring"}


def test_profile_attributes_without_consent_have_no_id() -> None:
    assert (
        "id" not in profile_attributes(None, visitor_id=None, now=NOW, session_gap=GAP)["visitor"]
    )
