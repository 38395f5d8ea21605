"""Tests for slots/experiments.py, driven by GrowthBook's published bucketing vectors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from slots.experiments import (
    Assignment,
    assign_variant,
    bucket_ranges,
    choose_variation,
    hash_unit,
)

CASES: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "bucketing.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(("seed", "value", "version", "expected"), CASES["hash"])
def test_hash_unit_matches_growthbook_vectors(
    seed: str, value: str, version: int, expected: float | None
) -> None:
    assert hash_unit(seed, value, version) == expected


@pytest.mark.parametrize("case", CASES["bucket_ranges"], ids=lambda case: case["name"])
def test_bucket_ranges_matches_growthbook_vectors(case: dict[str, Any]) -> None:
    ranges = bucket_ranges(*case["args"])
    assert len(ranges) == len(case["expected"])
    for (start, end), (want_start, want_end) in zip(ranges, case["expected"], strict=True):
        assert start == pytest.approx(want_start)
        assert end == pytest.approx(want_end)


@pytest.mark.parametrize(("name", "n", "ranges", "expected"), CASES["choose_variation"])
def test_choose_variation_matches_growthbook_vectors(
    name: str, n: float, ranges: list[list[float]], expected: int
) -> None:
    assert choose_variation(n, [(start, end) for start, end in ranges]) == expected


@pytest.mark.parametrize("case", CASES["assign_variant"], ids=lambda case: case["name"])
def test_assign_variant_matches_growthbook_experiments(case: dict[str, Any]) -> None:
    expected = case["expected"]
    assignment = assign_variant(**case["args"])
    assert assignment == (None if expected is None else Assignment(**expected))


def test_assign_variant_is_sticky_for_a_visitor() -> None:
    first = assign_variant(experiment_key="spring-sale", visitor_id="v-42", weights=[0.5, 0.5])
    again = [
        assign_variant(experiment_key="spring-sale", visitor_id="v-42", weights=[0.5, 0.5])
        for _ in range(5)
    ]
    assert first is not None
    assert again == [first] * 5


def test_assign_variant_seed_defaults_to_experiment_key() -> None:
    by_key = assign_variant(experiment_key="hero-test", visitor_id="v-7", weights=[0.5, 0.5])
    by_seed = assign_variant(
        experiment_key="renamed", seed="hero-test", visitor_id="v-7", weights=[0.5, 0.5]
    )
    assert by_key is not None and by_key == by_seed
    assert by_key.bucket == hash_unit("hero-test", "v-7", 2)


def test_assign_variant_splits_evenly_over_equal_weights() -> None:
    counts: Counter[int] = Counter()
    for number in range(10_000):
        assignment = assign_variant(
            experiment_key="spring-sale", visitor_id=f"visitor-{number}", weights=[0.5, 0.5]
        )
        assert assignment is not None
        counts[assignment.index] += 1
    assert set(counts) == {0, 1}
    assert abs(counts[0] - 5_000) < 300  # within 3 percentage points of half


def test_assign_variant_follows_uneven_weights() -> None:
    counts = Counter(
        assignment.index
        for number in range(10_000)
        if (assignment := assign_variant(
            experiment_key="cta", visitor_id=f"visitor-{number}", weights=[0.2, 0.8]
        ))
        is not None
    )
    assert abs(counts[0] - 2_000) < 300
    assert counts[0] + counts[1] == 10_000


def test_assign_variant_coverage_only_removes_visitors() -> None:
    """Raising coverage adds visitors to an experiment but never moves one between variants."""
    moved = 0
    for number in range(2_000):
        visitor = f"visitor-{number}"
        partial = assign_variant(
            experiment_key="hero", visitor_id=visitor, weights=[0.5, 0.5], coverage=0.4
        )
        full = assign_variant(experiment_key="hero", visitor_id=visitor, weights=[0.5, 0.5])
        assert full is not None
        if partial is not None and partial.index != full.index:
            moved += 1
    assert moved == 0


def test_assign_variant_coverage_share_is_close_to_coverage() -> None:
    included = sum(
        assign_variant(
            experiment_key="hero", visitor_id=f"visitor-{n}", weights=[0.5, 0.5], coverage=0.25
        )
        is not None
        for n in range(10_000)
    )
    assert abs(included - 2_500) < 300


def test_bucket_ranges_with_no_variations_is_empty() -> None:
    assert bucket_ranges(0, 1.0, None) == []


def test_bucket_ranges_treats_nan_coverage_as_zero() -> None:
    assert bucket_ranges(2, float("nan"), None) == [(0.0, 0.0), (0.5, 0.5)]
