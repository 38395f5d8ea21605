"""The encodings the stores share: exact timestamps and log-space forward decay."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from middleware.stores._codec import (
    TRENDING_EPOCH,
    decode_trait,
    encode_trait,
    from_micros,
    log_add,
    log_weight,
    push_front,
    score_at,
    to_micros,
)


def test_to_micros_round_trips_exactly() -> None:
    moment = datetime(2031, 7, 9, 23, 59, 59, 999_999, tzinfo=UTC)
    assert from_micros(to_micros(moment)) == moment
    assert to_micros(datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC)) == 1


def test_log_add_is_the_log_of_the_sum() -> None:
    assert log_add(3.0, 3.0) == pytest.approx(4.0)
    assert log_add(1.0, 0.0) == pytest.approx(math.log2(3.0))
    assert log_add(10_000.0, 0.0) == 10_000.0  # 2**10000 would overflow; its log does not


def test_log_weight_grows_by_one_per_half_life() -> None:
    week = timedelta(days=7)
    assert log_weight(1.0, now=TRENDING_EPOCH, half_life=week) == 0.0
    assert log_weight(4.0, now=TRENDING_EPOCH + week * 3, half_life=week) == pytest.approx(5.0)


def test_score_at_decays_by_half_each_half_life() -> None:
    week = timedelta(days=7)
    event = log_weight(8.0, now=TRENDING_EPOCH + week, half_life=week)
    assert score_at(event, now=TRENDING_EPOCH + week * 4, half_life=week) == pytest.approx(1.0)


@pytest.mark.parametrize("value", ["3", 3, 3.5, True, "true"])
def test_encode_trait_keeps_the_type(value: str | int | float | bool) -> None:
    decoded = decode_trait(encode_trait(value))
    assert (decoded, type(decoded)) == (value, type(value))


def test_push_front_moves_repeats_forward_and_bounds() -> None:
    items = ["c", "b", "a"]
    push_front(items, ["a", "d", "a"], bound=4)
    assert items == ["a", "d", "c", "b"]
