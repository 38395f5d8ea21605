"""Local time as context attributes: dayparts, weekday, season and time-of-day windows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, tzinfo
from typing import Any, Final, Literal

from .errors import ConfigurationError

__all__ = [
    "DEFAULT_DAYPARTS",
    "Daypart",
    "Dayparts",
    "Season",
    "in_window",
    "local_time_attributes",
    "parse_dayparts",
    "season_of",
]

Season = Literal["spring", "summer", "autumn", "winter"]

_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Meteorological seasons (whole months) in the northern hemisphere, indexed by month - 1.
_NORTH_SEASONS: Final[tuple[Season, ...]] = (
    "winter", "winter", "spring", "spring", "spring", "summer",
    "summer", "summer", "autumn", "autumn", "autumn", "winter",
)
_FLIPPED: Final[dict[Season, Season]] = {
    "winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring",
}


@dataclass(frozen=True, slots=True)
class Daypart:
    """A named band of whole hours from ``start`` (inclusive) to ``end`` (exclusive)."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Dayparts:
    """Bands that together cover the day from hour 0 to 24 once, without gaps or overlaps.

    A name may appear in several bands (the default ``night`` is 0-5 and 22-24). Invalid bands
    raise :class:`~slots.errors.ConfigurationError`.
    """

    bands: tuple[Daypart, ...]
    _by_hour: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_hour", _hour_table(self.bands))

    def name_at(self, hour: int) -> str:
        """The daypart of a local hour (0-23)."""
        return self._by_hour[hour]


def _hour_table(bands: tuple[Daypart, ...]) -> tuple[str, ...]:
    for band in bands:
        _check_band(band)
    covered = 0
    for band in sorted(bands, key=lambda band: (band.start, band.end)):
        if band.start > covered:
            raise ConfigurationError(
                f"dayparts leave hours {covered}-{band.start} uncovered; every hour from 0 to 24 "
                "needs exactly one daypart"
            )
        if band.start < covered:
            raise ConfigurationError(
                f"daypart {band.name!r} ({band.start}-{band.end}) overlaps another daypart at "
                f"hours {band.start}-{min(covered, band.end)}"
            )
        covered = band.end
    if covered != 24:
        raise ConfigurationError(
            f"dayparts leave hours {covered}-24 uncovered; every hour from 0 to 24 needs "
            "exactly one daypart"
        )
    table = [""] * 24
    for band in bands:
        table[band.start : band.end] = [band.name] * (band.end - band.start)
    return tuple(table)


def _check_band(band: Daypart) -> None:
    if not isinstance(band.name, str) or not band.name.strip():
        raise ConfigurationError(f"a daypart needs a non-empty name, got {band.name!r}")
    hours_are_ints = all(
        isinstance(hour, int) and not isinstance(hour, bool) for hour in (band.start, band.end)
    )
    if not hours_are_ints or not 0 <= band.start < band.end <= 24:
        raise ConfigurationError(
            f"daypart {band.name!r} has hours {band.start!r}-{band.end!r}; use whole hours with "
            "0 <= start < end <= 24 (or, in a policy, start > end to wrap past midnight)"
        )


DEFAULT_DAYPARTS: Final = Dayparts(
    bands=(
        Daypart("night", 0, 5),
        Daypart("morning", 5, 12),
        Daypart("afternoon", 12, 17),
        Daypart("evening", 17, 22),
        Daypart("night", 22, 24),
    )
)


def parse_dayparts(mapping: Mapping[str, Any]) -> Dayparts:
    """Dayparts from configuration: ``{name: [start, end]}`` or ``{name: [[start, end], ...]}``.

    Hours are whole numbers 0-24; a band whose start is after its end wraps past midnight, so
    ``{night: [22, 5]}`` covers 22-24 and 0-5.
    """
    if not isinstance(mapping, Mapping) or not mapping:
        raise ConfigurationError(
            f"dayparts must be a non-empty mapping of name to [start, end] hours, got {mapping!r}"
        )
    bands: list[Daypart] = []
    for name, spans in mapping.items():
        bands.extend(_bands_of(name, spans))
    return Dayparts(bands=tuple(bands))


def _bands_of(name: Any, spans: Any) -> Iterable[Daypart]:
    is_list_of_pairs = isinstance(spans, list | tuple) and bool(spans)
    if is_list_of_pairs and all(isinstance(span, list | tuple) for span in spans):
        pairs = list(spans)
    else:
        pairs = [spans]
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ConfigurationError(
                f"daypart {name!r} must be [start, end] hours (or a list of them), got {pair!r}"
            )
        start, end = pair
        if isinstance(start, int) and isinstance(end, int) and start > end:
            yield Daypart(name, start, 24)
            yield Daypart(name, 0, end)
        else:
            yield Daypart(name, start, end)


def season_of(month: int, *, latitude: float | None) -> Season:
    """The meteorological season of a month; south of the equator the seasons are flipped.

    An unknown latitude counts as northern (where most visitors are).
    """
    season = _NORTH_SEASONS[month - 1]
    if latitude is not None and latitude < 0:
        return _FLIPPED[season]
    return season


def local_time_attributes(
    now: datetime,
    *,
    zone: tzinfo,
    latitude: float | None,
    dayparts: Dayparts = DEFAULT_DAYPARTS,
) -> dict[str, Any]:
    """The ``time.*`` attributes of an instant seen in a time zone.

    ``now`` must be timezone-aware; ``local`` is ISO 8601 with the zone's offset at that
    instant, to the second (so DST transitions give the right wall-clock hour).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"local_time_attributes needs a timezone-aware datetime, got {now!r}")
    local = now.astimezone(zone)
    weekday = local.weekday()
    return {
        "local": local.isoformat(timespec="seconds"),
        "hour": local.hour,
        "minute": local.minute,
        "daypart": dayparts.name_at(local.hour),
        "weekday": _WEEKDAYS[weekday],
        "is_weekend": weekday >= 5,
        "month": local.month,
        "day": local.day,
        "season": season_of(local.month, latitude=latitude),
        "date": local.date().isoformat(),
    }


def in_window(local: time, *, start: time, end: time) -> bool:
    """Whether a wall-clock time falls in the half-open window ``[start, end)``.

    A window whose start is after its end wraps past midnight (22:00-02:00 holds 23:30 and
    01:00 but not 02:00). Equal ends make an empty window. Time-zone info on the arguments is
    ignored: they are compared as wall-clock times.
    """
    local, start, end = (moment.replace(tzinfo=None) for moment in (local, start, end))
    if start <= end:
        return start <= local < end
    return local >= start or local < end
