"""Experiment bucketing: GrowthBook-compatible hashing of visitors into variant ranges.

A visitor's place in an experiment is a pure function of the seed (the experiment key by
default) and the visitor id: the same visitor always lands in the same variant, with no
random generator and no stored assignment. The hashes, ranges and choice match GrowthBook's
SDKs, so an experiment bucketed here agrees with one bucketed there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = ["Assignment", "assign_variant", "bucket_ranges", "choose_variation", "hash_unit"]

_FNV_OFFSET: Final = 0x811C9DC5
_FNV_PRIME: Final = 0x01000193
_UINT32: Final = 0xFFFFFFFF
#: The sums of weights GrowthBook accepts; outside them it falls back to equal weights.
_WEIGHT_SUM: Final = (0.99, 1.01)


@dataclass(frozen=True, slots=True)
class Assignment:
    """A visitor's variant in an experiment: its index in the weights, and the hashed bucket
    in [0, 1) that chose it (for traces and exposure logs)."""

    index: int
    bucket: float


def _fnv1a32(text: str) -> int:
    """FNV-1a, 32 bits, over the text's code points (as growthbook-python does)."""
    value = _FNV_OFFSET
    for char in text:
        value = ((value ^ ord(char)) * _FNV_PRIME) & _UINT32
    return value


def hash_unit(seed: str, value: str, version: int) -> float | None:
    """GrowthBook's ``hash``: ``value`` hashed with ``seed`` into [0, 1); None for a version
    other than 1 (three decimals) or 2 (four decimals, hashed twice for a better spread)."""
    if version == 2:
        return (_fnv1a32(str(_fnv1a32(seed + value))) % 10000) / 10000
    if version == 1:
        return (_fnv1a32(value + seed) % 1000) / 1000
    return None


def _equal_weights(count: int) -> list[float]:
    return [1 / count] * count if count > 0 else []


def bucket_ranges(
    num_variations: int, coverage: float, weights: Sequence[float] | None
) -> list[tuple[float, float]]:
    """GrowthBook's ``getBucketRanges``: one half-open range per variation.

    Each variation owns the start of its weight's slice of [0, 1); ``coverage`` (clamped to
    [0, 1]) shrinks every slice from its end, so raising coverage never moves a visitor to
    another variant. Weights that are missing, of the wrong length or not summing to 1 give
    equal weights here; the policy loader rejects them before this is ever reached.
    """
    if not coverage >= 0:  # also catches NaN
        coverage = 0.0
    coverage = min(coverage, 1.0)
    low, high = _WEIGHT_SUM
    if weights is None or len(weights) != num_variations or not low <= sum(weights) <= high:
        weights = _equal_weights(num_variations)
    ranges = []
    start = 0.0
    for weight in weights:
        ranges.append((start, start + coverage * weight))
        start += weight
    return ranges


def choose_variation(n: float, ranges: Sequence[tuple[float, float]]) -> int:
    """The index of the range [start, end) holding ``n``, or -1 when none does."""
    for index, (start, end) in enumerate(ranges):
        if start <= n < end:
            return index
    return -1


def assign_variant(
    *,
    experiment_key: str,
    visitor_id: str,
    weights: Sequence[float],
    coverage: float = 1.0,
    seed: str | None = None,
    hash_version: int = 2,
) -> Assignment | None:
    """The visitor's variant, or None when the visitor is outside the experiment (outside
    ``coverage``, no visitor id, or an unknown ``hash_version``).

    ``seed`` defaults to the experiment key, as in GrowthBook; a seed of its own keeps an
    experiment's assignments when its key is renamed.
    """
    if not visitor_id:
        return None
    bucket = hash_unit(seed or experiment_key, visitor_id, hash_version)
    if bucket is None:
        return None
    index = choose_variation(bucket, bucket_ranges(len(weights), coverage, weights))
    return Assignment(index, bucket) if index >= 0 else None
