"""Tests for slots/values.py: JSON kinds, typed equality, version order and renderings."""

from __future__ import annotations

import datetime
import enum
from types import MappingProxyType
from typing import Any

import pytest

from slots.values import is_operator_object, kind_of, padded_version, same, show, suggest


class _Size(enum.IntEnum):
    SMALL = 1


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "boolean"),
        (1, "number"),
        (1.5, "number"),
        (_Size.SMALL, "number"),  # an int subclass, found by the slower isinstance pass
        ("x", "string"),
        ([1], "array"),
        ((1,), "array"),
        ({}, "object"),
        (MappingProxyType({}), "object"),
        (b"x", "unknown"),
        (datetime.date(2024, 1, 1), "unknown"),
        ({1}, "unknown"),
    ],
)
def test_kind_of_names_the_json_type(value: Any, kind: str) -> None:
    assert kind_of(value) == kind


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (True, 1, False),
        (1, 1.0, True),
        ([1, [2]], (1, (2,)), True),
        ([1, 2], [2, 1], False),
        ({"a": 1}, {"a": 1.0}, True),
        ({"a": 1}, {"b": 1}, False),
        ({"a": [True]}, {"a": [1]}, False),
        (None, "null", False),
    ],
)
def test_same_is_typed_deep_equality(left: Any, right: Any, expected: bool) -> None:
    assert same(left, right) is expected
    assert same(right, left) is expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (False, "false"),
        ({"a": [1, None]}, "{'a': [1, null]}"),
        ((1, "x"), "[1, 'x']"),
    ],
)
def test_show_renders_values_as_json_reads(value: Any, text: str) -> None:
    assert show(value) == text


def test_show_cuts_long_values_to_the_limit() -> None:
    assert show("x" * 100) == "'" + "x" * 76 + "..."
    assert show([1, 2], limit=4) == "[..."


def test_suggest_names_the_closest_candidate_or_nothing() -> None:
    assert suggest("gte", ["$gte", "$lt"]) == " (did you mean '$gte'?)"
    assert suggest("zzz", ["$gte", "$lt"]) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [({"$in": []}, True), ({}, False), ({"$a": 1, "b": 2}, False), ("$in", False)],
)
def test_is_operator_object_needs_every_key_an_operator(value: Any, expected: bool) -> None:
    assert is_operator_object(value) is expected


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.2.3", "1.10.0"),
        ("1.0.0-rc", "1.0.0"),
        ("1.0.0-alpha", "1.0.0-beta"),
        ("", "0.0.1"),
        (1.5, "1.10"),
    ],
)
def test_padded_version_sorts_as_versions_do(lower: Any, higher: Any) -> None:
    low, high = padded_version(lower), padded_version(higher)
    assert low is not None and high is not None and low < high


def test_padded_version_ignores_prefix_and_build_and_reads_numbers_as_javascript() -> None:
    assert padded_version("v1.2.3+build.7") == padded_version("1.2.3")
    assert padded_version(2) == padded_version(2.0) == padded_version("2")


@pytest.mark.parametrize("value", [None, True, float("inf"), float("nan"), [1], {"v": 1}])
def test_padded_version_is_none_for_non_versions(value: Any) -> None:
    assert padded_version(value) is None
