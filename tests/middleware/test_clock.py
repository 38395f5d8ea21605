"""Tests for middleware/clock.py: the system clock and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from middleware.clock import Clock, FixedClock, SystemClock
from slots.errors import ConfigurationError


def _read(clock: Clock) -> datetime:
    return clock.now()


def test_system_clock_gives_the_current_instant_in_utc() -> None:
    before = datetime.now(UTC)
    now = _read(SystemClock())
    after = datetime.now(UTC)
    assert before <= now <= after
    assert now.tzinfo is UTC


def test_fixed_clock_gives_its_instant_every_time() -> None:
    instant = datetime(2024, 6, 1, 8, 30, tzinfo=UTC)
    clock = FixedClock(instant)
    assert _read(clock) == instant
    assert clock.now() == clock.now()


def test_fixed_clock_converts_its_instant_to_utc() -> None:
    instant = datetime(2024, 6, 1, 8, 30, tzinfo=timezone(timedelta(hours=2)))
    now = FixedClock(instant).now()
    assert now.tzinfo is UTC
    assert (now.hour, now.minute) == (6, 30)
    assert now == instant


def test_fixed_clock_rejects_a_naive_datetime() -> None:
    expected = "timezone-aware datetime, got naive 2024-06-01T08:30:00"
    with pytest.raises(ConfigurationError, match=expected):
        FixedClock(datetime(2024, 6, 1, 8, 30))


def test_fixed_clock_rejects_what_is_not_a_datetime() -> None:
    with pytest.raises(ConfigurationError, match="needs a datetime, got str"):
        FixedClock("2024-06-01T08:30:00Z")  # type: ignore[arg-type]
