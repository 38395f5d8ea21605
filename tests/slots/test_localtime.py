"""Tests for slots/localtime.py: local time attributes, dayparts, seasons and windows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from slots.errors import ConfigurationError
from slots.localtime import (
    DEFAULT_DAYPARTS,
    Daypart,
    Dayparts,
    in_window,
    local_time_attributes,
    parse_dayparts,
    season_of,
)

LONDON = ZoneInfo("Europe/London")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_local_time_attributes_gives_every_attribute() -> None:
    now = _utc("2024-06-15T14:07:09.250")  # a Saturday
    assert local_time_attributes(now, zone=UTC, latitude=None) == {
        "local": "2024-06-15T14:07:09+00:00",
        "hour": 14,
        "minute": 7,
        "daypart": "afternoon",
        "weekday": "saturday",
        "is_weekend": True,
        "month": 6,
        "day": 15,
        "season": "summer",
        "date": "2024-06-15",
    }


@pytest.mark.parametrize(
    ("zone", "instant", "local", "hour"),
    [
        # Europe/London springs forward at 01:00 UTC on 31 March 2024 (GMT -> BST).
        (LONDON, "2024-03-31T00:59:59", "2024-03-31T00:59:59+00:00", 0),
        (LONDON, "2024-03-31T01:00:00", "2024-03-31T02:00:00+01:00", 2),
        # ... and falls back at 01:00 UTC on 27 October 2024: 01:xx local happens twice.
        (LONDON, "2024-10-27T00:30:00", "2024-10-27T01:30:00+01:00", 1),
        (LONDON, "2024-10-27T01:30:00", "2024-10-27T01:30:00+00:00", 1),
        (LONDON, "2024-10-27T02:00:00", "2024-10-27T02:00:00+00:00", 2),
        # America/Los_Angeles springs forward at 10:00 UTC on 10 March 2024 (PST -> PDT).
        (LOS_ANGELES, "2024-03-10T09:59:59", "2024-03-10T01:59:59-08:00", 1),
        (LOS_ANGELES, "2024-03-10T10:00:00", "2024-03-10T03:00:00-07:00", 3),
        # ... and falls back at 09:00 UTC on 3 November 2024.
        (LOS_ANGELES, "2024-11-03T08:30:00", "2024-11-03T01:30:00-07:00", 1),
        (LOS_ANGELES, "2024-11-03T09:30:00", "2024-11-03T01:30:00-08:00", 1),
    ],
)
def test_local_time_attributes_follows_dst_transitions(
    zone: ZoneInfo, instant: str, local: str, hour: int
) -> None:
    attributes = local_time_attributes(_utc(instant), zone=zone, latitude=51.5)
    assert attributes["local"] == local
    assert attributes["hour"] == hour


def test_local_time_attributes_crosses_midnight_into_the_next_day() -> None:
    now = _utc("2024-12-31T15:30:00")
    attributes = local_time_attributes(now, zone=ZoneInfo("Asia/Tokyo"), latitude=35.7)
    assert attributes["date"] == "2025-01-01"
    assert (attributes["hour"], attributes["minute"]) == (0, 30)
    assert attributes["weekday"] == "wednesday"
    assert attributes["daypart"] == "night"
    assert attributes["month"] == 1


def test_local_time_attributes_goes_back_to_the_previous_day_west_of_utc() -> None:
    now = _utc("2024-03-01T02:00:00")
    attributes = local_time_attributes(now, zone=ZoneInfo("America/New_York"), latitude=None)
    assert attributes["date"] == "2024-02-29"
    assert attributes["weekday"] == "thursday"
    assert attributes["season"] == "winter"
    assert attributes["daypart"] == "evening"


def test_local_time_attributes_accepts_an_instant_in_any_zone() -> None:
    in_paris = datetime(2024, 6, 15, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    attributes = local_time_attributes(in_paris, zone=timezone(timedelta(hours=-3)), latitude=None)
    assert attributes["local"] == "2024-06-15T04:00:00-03:00"


def test_local_time_attributes_rejects_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_time_attributes(datetime(2024, 1, 1, 12), zone=UTC, latitude=None)


@pytest.mark.parametrize(
    ("day", "weekday", "is_weekend"),
    [(10, "monday", False), (14, "friday", False), (15, "saturday", True), (16, "sunday", True)],
)
def test_local_time_attributes_marks_the_weekend(day: int, weekday: str, is_weekend: bool) -> None:
    now = datetime(2024, 6, day, 12, tzinfo=UTC)
    attributes = local_time_attributes(now, zone=UTC, latitude=None)
    assert (attributes["weekday"], attributes["is_weekend"]) == (weekday, is_weekend)


@pytest.mark.parametrize(
    ("clock", "daypart"),
    [
        ("00:00", "night"), ("04:59", "night"), ("05:00", "morning"), ("11:59", "morning"),
        ("12:00", "afternoon"), ("16:59", "afternoon"), ("17:00", "evening"),
        ("21:59", "evening"), ("22:00", "night"), ("23:59", "night"),
    ],
)
def test_local_time_attributes_names_the_daypart_at_every_boundary(
    clock: str, daypart: str
) -> None:
    now = _utc(f"2024-05-02T{clock}:00")
    assert local_time_attributes(now, zone=UTC, latitude=None)["daypart"] == daypart


def test_local_time_attributes_uses_custom_dayparts() -> None:
    dayparts = parse_dayparts({"late": [20, 6], "day": [6, 20]})
    now = _utc("2024-05-02T05:59:00")
    attributes = local_time_attributes(now, zone=UTC, latitude=None, dayparts=dayparts)
    assert attributes["daypart"] == "late"


NORTH = ["winter", "winter", "spring", "spring", "spring", "summer",
         "summer", "summer", "autumn", "autumn", "autumn", "winter"]
SOUTH = ["summer", "summer", "autumn", "autumn", "autumn", "winter",
         "winter", "winter", "spring", "spring", "spring", "summer"]


@pytest.mark.parametrize("month", range(1, 13))
def test_season_of_flips_south_of_the_equator(month: int) -> None:
    assert season_of(month, latitude=48.9) == NORTH[month - 1]
    assert season_of(month, latitude=0.0) == NORTH[month - 1]
    assert season_of(month, latitude=None) == NORTH[month - 1]
    assert season_of(month, latitude=-33.9) == SOUTH[month - 1]


def test_local_time_attributes_gives_the_southern_season_for_a_southern_latitude() -> None:
    now = _utc("2024-07-01T12:00:00")
    sydney = local_time_attributes(now, zone=ZoneInfo("Australia/Sydney"), latitude=-33.87)
    assert sydney["season"] == "winter"
    assert local_time_attributes(now, zone=UTC, latitude=51.5)["season"] == "summer"


def test_dayparts_default_covers_each_hour() -> None:
    names = [DEFAULT_DAYPARTS.name_at(hour) for hour in range(24)]
    expected = ["night"] * 5 + ["morning"] * 7 + ["afternoon"] * 5 + ["evening"] * 5
    assert names == expected + ["night"] * 2


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ((Daypart("a", 0, 12), Daypart("b", 13, 24)), "hours 12-13 uncovered"),
        ((Daypart("a", 1, 24),), "hours 0-1 uncovered"),
        ((Daypart("a", 0, 20),), "hours 20-24 uncovered"),
        (
            (Daypart("a", 0, 13), Daypart("b", 12, 24)),
            "'b' (12-24) overlaps another daypart at hours 12-13",
        ),
        ((Daypart("", 0, 24),), "non-empty name"),
        ((Daypart("  ", 0, 24),), "non-empty name"),
        ((Daypart("a", 0, 25),), "'a' has hours 0-25"),
        ((Daypart("a", 5, 5), Daypart("b", 0, 24)), "'a' has hours 5-5"),
        ((Daypart("a", 0, True), Daypart("b", 1, 24)), "use whole hours"),
        ((), "hours 0-24 uncovered"),
    ],
)
def test_dayparts_rejects_gaps_overlaps_and_bad_bands(
    bands: tuple[Daypart, ...], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Dayparts(bands=bands)


def test_parse_dayparts_splits_a_band_that_wraps_past_midnight() -> None:
    dayparts = parse_dayparts({"night": [21, 6], "day": [6, 21]})
    assert [dayparts.name_at(hour) for hour in (20, 21, 23, 0, 5, 6)] == [
        "day", "night", "night", "night", "night", "day",
    ]


def test_parse_dayparts_accepts_several_spans_per_name() -> None:
    dayparts = parse_dayparts({"quiet": [[0, 8], [20, 24]], "busy": [8, 20]})
    assert [dayparts.name_at(hour) for hour in (7, 8, 19, 20)] == ["quiet", "busy", "busy", "quiet"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "non-empty mapping"),
        ([["night", 0, 24]], "non-empty mapping"),
        ({"day": 24}, "'day' must be \\[start, end\\]"),
        ({"day": [0, 12, 24]}, "'day' must be \\[start, end\\]"),
        ({"day": [0, 12]}, "hours 12-24 uncovered"),
        ({"day": ["0", "24"]}, "'day' has hours '0'-'24'"),
        ({"day": [0, 24], "night": [22, 5]}, "overlaps"),
    ],
)
def test_parse_dayparts_rejects_bad_configuration(config: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_dayparts(config)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (time(21, 59, 59), False), (time(22, 0), True), (time(23, 30), True), (time(0, 0), True),
        (time(1, 59, 59), True), (time(2, 0), False), (time(12, 0), False),
    ],
)
def test_in_window_wraps_past_midnight(local: time, expected: bool) -> None:
    assert in_window(local, start=time(22, 0), end=time(2, 0)) is expected


@pytest.mark.parametrize(
    ("local", "expected"),
    [(time(8, 59), False), (time(9, 0), True), (time(16, 59, 59), True), (time(17, 0), False)],
)
def test_in_window_is_half_open(local: time, expected: bool) -> None:
    assert in_window(local, start=time(9, 0), end=time(17, 0)) is expected


def test_in_window_with_equal_ends_is_empty() -> None:
    assert not in_window(time(9, 0), start=time(9, 0), end=time(9, 0))
    assert not in_window(time(3, 0), start=time(9, 0), end=time(9, 0))


def test_in_window_compares_wall_clock_times_whatever_their_tzinfo() -> None:
    aware = time(23, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert in_window(aware, start=time(22, 0), end=time(2, 0))
