"""When a rule may show: its calendar window, local days and hours, and its frequency cap."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Final, Literal, get_args

from .localtime import in_window
from .yamlsource import Diagnostics, KeyPath, describe, did_you_mean

__all__ = [
    "SCHEDULE_KEYS",
    "WEEKDAYS",
    "Cap",
    "CapPer",
    "Schedule",
    "parse_cap",
    "parse_schedule",
]

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: Final[tuple[str, ...]] = get_args(Weekday)

CapPer = Literal["visitor", "day"]
_CAP_PERS: Final[tuple[str, ...]] = get_args(CapPer)

SCHEDULE_KEYS: Final = ("start", "end", "weekdays", "dayparts", "between")
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_EXAMPLE = "2026-12-01T00:00:00+00:00"


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a rule is live. ``start`` (inclusive) and ``end`` (exclusive) are instants; the
    rest is the visitor's local time: ``weekdays`` and ``dayparts`` (any of them) and a
    ``between`` window of wall-clock times ``[from, to)``, which wraps past midnight."""

    start: datetime | None = None
    end: datetime | None = None
    weekdays: tuple[str, ...] = ()
    dayparts: tuple[str, ...] = ()
    between: tuple[time, time] | None = None

    @property
    def uses_local_time(self) -> bool:
        """Whether checking needs the visitor's ``time.*`` attributes."""
        return bool(self.weekdays or self.dayparts or self.between)

    def check(self, attributes: Mapping[str, Any], now: datetime) -> str | None:
        """Why the rule is outside its schedule at ``now``, or ``None`` when it is live.

        Missing local-time attributes count as outside: a missing signal never shows content.
        """
        if self.start is not None and now < self.start:
            return f"starts {self.start.isoformat()}"
        if self.end is not None and now >= self.end:
            return f"ended {self.end.isoformat()}"
        if not self.uses_local_time:
            return None
        local = attributes.get("time")
        if not isinstance(local, Mapping):
            local = {}
        return self._check_local(local)

    def _check_local(self, local: Mapping[str, Any]) -> str | None:
        for name, wanted in (("weekday", self.weekdays), ("daypart", self.dayparts)):
            if not wanted:
                continue
            actual = local.get(name)
            if actual is None:
                return f"time.{name} is missing"
            if actual not in wanted:
                return f"time.{name} is {actual!r}, wanted {', '.join(wanted)}"
        if self.between is None:
            return None
        hour, minute = local.get("hour"), local.get("minute")
        if not isinstance(hour, int) or not isinstance(minute, int):
            return "time.hour is missing"
        start, end = self.between
        if in_window(time(hour, minute), start=start, end=end):
            return None
        return f"local time {hour:02d}:{minute:02d} is outside {start:%H:%M}-{end:%H:%M}"


@dataclass(frozen=True, slots=True)
class Cap:
    """Show a rule at most ``maximum`` times per visitor, ever or per local day."""

    maximum: int
    per: CapPer = "visitor"

    def key(self, *, slot: str, rule: str, attributes: Mapping[str, Any], now: datetime) -> str:
        """The counter key: ``hero:breakfast``, or ``hero:breakfast:2026-12-03`` per day.

        The day is the visitor's local date (``time.date``), else the UTC date of ``now``.
        """
        if self.per == "visitor":
            return f"{slot}:{rule}"
        local = attributes.get("time")
        day = local.get("date") if isinstance(local, Mapping) else None
        if not isinstance(day, str):
            day = now.astimezone(UTC).date().isoformat()
        return f"{slot}:{rule}:{day}"


def parse_schedule(
    diag: Diagnostics, path: KeyPath, raw: Any, *, daypart_names: Collection[str]
) -> Schedule | None:
    """A :class:`Schedule` from its YAML mapping; problems go to ``diag`` (and give None)."""
    mapping = diag.mapping(path, raw, "a schedule")
    if mapping is None:
        return None
    diag.check_keys(path, mapping, SCHEDULE_KEYS, "a schedule")
    before = len(diag.errors)
    start = _instant(diag, (*path, "start"), mapping.get("start"))
    end = _instant(diag, (*path, "end"), mapping.get("end"))
    if start is not None and end is not None and end <= start:
        diag.error((*path, "end"), f"end {end.isoformat()} is not after start {start.isoformat()}")
    schedule = Schedule(
        start=start,
        end=end,
        weekdays=_names(diag, (*path, "weekdays"), mapping.get("weekdays"), WEEKDAYS, "weekday"),
        dayparts=_names(
            diag, (*path, "dayparts"), mapping.get("dayparts"), tuple(daypart_names), "daypart"
        ),
        between=_window(diag, (*path, "between"), mapping.get("between")),
    )
    if len(diag.errors) > before:
        return None
    if schedule == Schedule():
        diag.error(path, "a schedule needs at least one of: " + ", ".join(SCHEDULE_KEYS))
        return None
    return schedule


def _instant(diag: Diagnostics, path: KeyPath, raw: Any) -> datetime | None:
    name = path[-1]
    if raw is None:
        return None
    value = raw
    if isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            diag.error(path, f"{name} {raw!r} is not a timestamp; write e.g. {_EXAMPLE}")
            return None
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            written = value.isoformat()
            diag.error(path, f"{name} {written} has no UTC offset; add one, e.g. {written}+00:00")
            return None
        return value
    if isinstance(value, date):
        diag.error(path, f"{name} {value.isoformat()} is a date without a time; write e.g. "
                   f"{value.isoformat()}T00:00:00+00:00")
        return None
    diag.error(path, f"{name} must be a timestamp like {_EXAMPLE}, not {describe(raw)}")
    return None


def _names(
    diag: Diagnostics, path: KeyPath, raw: Any, allowed: tuple[str, ...], what: str
) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        diag.error(path, f"{path[-1]} must be a list of {what} names, not {describe(raw)}")
        return ()
    names: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, str) and item.lower() in allowed:
            names.append(item.lower())
            continue
        where = path if isinstance(raw, str) else (*path, index)
        word = str(item).lower()
        hint = did_you_mean(word, allowed) or f"; expected one of: {', '.join(allowed)}"
        diag.error(where, f"unknown {what} {item!r}{hint}")
    return tuple(names)


def _window(diag: Diagnostics, path: KeyPath, raw: Any) -> tuple[time, time] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        diag.error(path, f'between must be two times like ["22:00", "02:00"], not {describe(raw)}')
        return None
    ends = [_clock(diag, (*path, index), item) for index, item in enumerate(raw)]
    if ends[0] is None or ends[1] is None:
        return None
    if ends[0] == ends[1]:
        diag.error(path, f"between {raw[0]}-{raw[1]} is empty; its two times must differ")
        return None
    return ends[0], ends[1]


def _clock(diag: Diagnostics, path: KeyPath, raw: Any) -> time | None:
    if isinstance(raw, str) and (match := _CLOCK.fullmatch(raw.strip())):
        return time(int(match[1]), int(match[2]))
    if isinstance(raw, int) and not isinstance(raw, bool):
        # YAML 1.1 reads an unquoted 22:00 as the base-60 number 1320.
        hours, minutes = divmod(raw, 60)
        diag.error(path, f'quote the time: write "{hours:02d}:{minutes:02d}" '
                   f"(unquoted, YAML reads it as the number {raw})")
        return None
    diag.error(path, f'{describe(raw)} is not a time of day; write "HH:MM", e.g. "22:00"')
    return None


def parse_cap(diag: Diagnostics, path: KeyPath, raw: Any) -> Cap | None:
    """A :class:`Cap` from ``{max: 3, per: visitor}``; problems go to ``diag``."""
    mapping = diag.mapping(path, raw, "a cap")
    if mapping is None:
        return None
    diag.check_keys(path, mapping, ("max", "per"), "a cap")
    maximum = mapping.get("max")
    per = mapping.get("per", "visitor")
    is_count = isinstance(maximum, int) and not isinstance(maximum, bool) and maximum >= 1
    if not is_count:
        diag.error((*path, "max") if "max" in mapping else path,
                   f"a cap needs max: a whole number of times >= 1, not {describe(maximum)}")
    if per not in _CAP_PERS:
        hint = did_you_mean(str(per), _CAP_PERS) or f"; expected one of: {', '.join(_CAP_PERS)}"
        diag.error((*path, "per"), f"unknown cap period {per!r}{hint}")
    if not isinstance(maximum, int) or not is_count or per not in _CAP_PERS:
        return None
    return Cap(maximum=maximum, per=per)
