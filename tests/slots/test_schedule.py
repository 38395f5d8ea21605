from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

from slots.schedule import Cap, Schedule, parse_cap, parse_schedule
from slots.yamlsource import Diagnostics, load_yaml

NOW = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)
DAYPARTS = ("night", "morning", "afternoon", "evening")


def local(**values: Any) -> dict[str, Any]:
    return {"time": values}


def parse(text: str) -> tuple[Schedule | None, list[str]]:
    document = load_yaml(text, filename="p.yaml")
    diag = Diagnostics(document)
    schedule = parse_schedule(diag, ("s",), document.data["s"], daypart_names=DAYPARTS)
    return schedule, [error.message for error in diag.errors]


def test_schedule_window_is_half_open() -> None:
    schedule = Schedule(start=NOW, end=NOW + timedelta(days=1))
    assert schedule.check({}, NOW) is None
    assert schedule.check({}, NOW - timedelta(seconds=1)) == "starts 2026-12-03T07:30:00+00:00"
    assert schedule.check({}, NOW + timedelta(days=1)) == "ended 2026-12-04T07:30:00+00:00"


def test_schedule_window_compares_instants_across_offsets() -> None:
    start = datetime(2026, 12, 3, 9, 0, tzinfo=timezone(timedelta(hours=2)))  # 07:00 UTC
    assert Schedule(start=start).check({}, NOW) is None


def test_schedule_weekdays_and_dayparts_read_local_time() -> None:
    schedule = Schedule(weekdays=("monday", "tuesday"), dayparts=("morning",))
    assert schedule.check(local(weekday="monday", daypart="morning"), NOW) is None
    assert schedule.check(local(weekday="friday", daypart="morning"), NOW) == (
        "time.weekday is 'friday', wanted monday, tuesday"
    )
    assert schedule.check(local(weekday="monday", daypart="evening"), NOW) == (
        "time.daypart is 'evening', wanted morning"
    )


def test_schedule_missing_local_time_is_outside() -> None:
    schedule = Schedule(weekdays=("monday",))
    assert schedule.check({}, NOW) == "time.weekday is missing"
    assert Schedule(between=(time(22), time(2))).check({"time": {}}, NOW) == "time.hour is missing"


def test_schedule_between_wraps_past_midnight() -> None:
    schedule = Schedule(between=(time(22), time(2)))
    assert schedule.check(local(hour=23, minute=30), NOW) is None
    assert schedule.check(local(hour=1, minute=59), NOW) is None
    assert schedule.check(local(hour=2, minute=0), NOW) == (
        "local time 02:00 is outside 22:00-02:00"
    )
    assert schedule.check(local(hour=12, minute=0), NOW) is not None


def test_schedule_uses_local_time_only_for_local_parts() -> None:
    assert not Schedule(start=NOW).uses_local_time
    assert Schedule(dayparts=("night",)).uses_local_time


def test_parse_schedule_reads_every_part() -> None:
    schedule, errors = parse("""\
s:
  dayparts: [Morning]
  weekdays: friday
  start: 2026-12-01T00:00:00+00:00
  end: "2027-01-01T00:00:00Z"
  between: ["22:00", "2:00"]
""")
    assert errors == []
    assert schedule == Schedule(
        start=datetime(2026, 12, 1, tzinfo=UTC),
        end=datetime(2027, 1, 1, tzinfo=UTC),
        weekdays=("friday",),
        dayparts=("morning",),
        between=(time(22), time(2)),
    )


def test_parse_schedule_reports_bad_values() -> None:
    schedule, errors = parse("""\
s:
  between: ["22:00", "22:00"]
  start: next week
  dayparts: []
""")
    assert schedule is None
    assert errors == [
        "start 'next week' is not a timestamp; write e.g. 2026-12-01T00:00:00+00:00",
        "dayparts must be a list of daypart names, not a list",
        "between 22:00-22:00 is empty; its two times must differ",
    ]


def test_parse_schedule_rejects_bad_times_and_empty_schedules() -> None:
    assert parse("s: {between: ['25:00', '01:00']}\n")[1] == [
        "the text '25:00' is not a time of day; write \"HH:MM\", e.g. \"22:00\"",
    ]
    assert parse("s: {between: ['01:00']}\n")[1][0].startswith("between must be two times")
    assert parse("s: {}\n")[1] == [
        "a schedule needs at least one of: start, end, weekdays, dayparts, between",
    ]
    assert parse("s: {when: monday}\n")[1][0] == (
        "unknown key 'when' in a schedule; expected one of: start, end, weekdays, dayparts, between"
    )


def test_cap_key_per_visitor_and_per_local_day() -> None:
    assert Cap(3).key(slot="hero", rule="breakfast", attributes={}, now=NOW) == "hero:breakfast"
    per_day = Cap(3, per="day")
    assert per_day.key(slot="hero", rule="b", attributes=local(date="2026-12-02"), now=NOW) == (
        "hero:b:2026-12-02"
    )
    assert per_day.key(slot="hero", rule="b", attributes={}, now=NOW) == "hero:b:2026-12-03"


def test_parse_cap_defaults_to_per_visitor() -> None:
    document = load_yaml("c: {max: 2}\n", filename="p.yaml")
    diag = Diagnostics(document)
    assert parse_cap(diag, ("c",), document.data["c"]) == Cap(maximum=2, per="visitor")
    document = load_yaml("c: {per: day}\n", filename="p.yaml")
    diag = Diagnostics(document)
    assert parse_cap(diag, ("c",), document.data["c"]) is None
    assert diag.errors[0].message == "a cap needs max: a whole number of times >= 1, not null"
