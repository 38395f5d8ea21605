"""Tests for slots/persona.py: the persona model (its overrides, profile, clock and book)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from types import MappingProxyType

import pytest

from slots.persona import History, LocalInstant, Persona, PersonaBook
from slots.profile import Campaign, Profile

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)

COMMUTER = Persona(
    name="rainy-commuter",
    at=LocalInstant(time(8, 10), date(2026, 3, 12), zone="Europe/London"),
    attributes={"geo": {"city": "London", "latitude": 51.5}, "weather": {"condition": "rain"}},
    history=History(
        visits=3,
        page_views=12,
        days_since_first_visit=30,
        days_since_last_visit=2,
        viewed=("a", "b"),
        purchased=("c",),
        categories={"dogs": 4},
        traits={"tier": "gold", "score": 3, "vip": True},
        campaign="spring",
    ),
)


def test_persona_overrides_read_time_on_the_persona_clock() -> None:
    overrides = COMMUTER.overrides()
    assert overrides["geo"] == {"city": "London", "latitude": 51.5, "timezone": "Europe/London"}
    overrides["geo"]["city"] = "changed"
    assert COMMUTER.attributes["geo"]["city"] == "London"  # a copy each time


def test_persona_overrides_keep_an_explicit_timezone_and_ignore_offsets() -> None:
    tokyo = Persona(
        "p", at=LocalInstant(time(8, 0), zone="UTC"), attributes={"geo": {"timezone": "Asia/Tokyo"}}
    )
    assert tokyo.overrides() == {"geo": {"timezone": "Asia/Tokyo"}}
    fixed = Persona("q", at=LocalInstant(time(8, 0), offset=timedelta(hours=1)))
    assert fixed.overrides() == {}


def test_persona_profile_counts_days_back_from_now() -> None:
    assert COMMUTER.profile(now=NOW) == Profile(
        visitor_id="persona:rainy-commuter",
        first_seen=NOW - timedelta(days=30),
        last_seen=NOW - timedelta(days=2),
        visits=3,
        page_views=12,
        viewed=("a", "b"),
        views={"a": 1, "b": 1},
        categories={"dogs": 4},
        purchased=("c",),
        traits={"tier": "gold", "score": 3, "vip": True},
        campaign=Campaign(name="spring"),
    )
    assert Persona("new").profile(now=NOW) is None


def test_history_views_win_over_viewed_counts() -> None:
    history = History(viewed=("a",), views={"a": 5})
    assert history.profile(visitor_id="v", now=NOW).views == {"a": 5}


def test_local_instant_resolves_on_the_day_there() -> None:
    tokyo = timezone(timedelta(hours=9))
    evening = LocalInstant(time(7, 15))
    # 2026-03-12 20:00 UTC is already the 13th in Tokyo.
    assert evening.instant(tz=tokyo, now=datetime(2026, 3, 12, 20, 0, tzinfo=UTC)) == datetime(
        2026, 3, 13, 7, 15, tzinfo=tokyo
    )
    dated = LocalInstant(time(7, 15), date(2026, 1, 2))
    assert dated.instant(tz=tokyo, now=NOW) == datetime(2026, 1, 2, 7, 15, tzinfo=tokyo)


def test_persona_book_get_suggests_a_name() -> None:
    book = PersonaBook(
        MappingProxyType({"rainy-commuter": COMMUTER, "short-weather": Persona("short-weather")})
    )
    assert book.get("short-weather").name == "short-weather"
    with pytest.raises(
        KeyError,
        match=r"no persona 'rainy-comuter' in personas.yaml \(did you mean "
        r"'rainy-commuter'\?\); known: rainy-commuter, short-weather",
    ):
        book.get("rainy-comuter")
