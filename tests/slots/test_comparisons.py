"""Tests for slots/comparisons.py: the tests value operators build, and malformed operands."""

from __future__ import annotations

import re
from operator import eq, gt, lt
from typing import Any

import pytest

from slots import comparisons as cmp

GROUPS = {"staff": ["v-1", "v-2"]}

# (test under trial, attribute value, expected): one row per behaviour worth pinning down.
CASES: list[tuple[str, cmp.Test | None, Any, bool]] = [
    ("equals string", cmp.equals("GB", fold=False), "GB", True),
    ("equals is case-sensitive", cmp.equals("GB", fold=False), "gb", False),
    ("equals folded", cmp.equals("GB", fold=True), "gb", True),
    ("equals null is absence", cmp.equals(None, fold=False), None, True),
    ("equals null is not zero", cmp.equals(None, fold=False), 0, False),
    ("equals a list deeply", cmp.equals([1, [2]], fold=False), (1, (2,)), True),
    ("equals never coerces", cmp.equals(1, fold=False), True, False),
    ("strict_equal scalar", cmp.strict_equal(1), 1.0, True),
    ("strict_equal never a list", cmp.strict_equal([1]), [1], False),
    ("strict_equal typed", cmp.strict_equal(True), 1, False),
    ("ordering numbers", cmp.ordering(lt, 5), 4, True),
    ("ordering not a numeric string", cmp.ordering(lt, 5), "4", False),
    ("ordering not missing", cmp.ordering(lt, 5), None, False),
    ("ordering strings", cmp.ordering(gt, "b"), "c", True),
    ("version newer", cmp.version(gt, "1.2.0"), "1.10.0", True),
    ("version equal", cmp.version(eq, "v1.2.0"), "1.2.0", True),
    ("version of another kind", cmp.version(gt, "1.2.0"), 2, False),
    ("membership one of", cmp.membership(["a", "b"], fold=False), "b", True),
    ("membership a shared item", cmp.membership(["a", "b"], fold=False), ["x", "a"], True),
    ("membership folded", cmp.membership(["A"], fold=True), "a", True),
    ("membership typed", cmp.membership([1], fold=False), True, False),
    ("membership null", cmp.membership([None], fold=False), None, True),
    ("group member", cmp.group("staff", GROUPS, inside=True), "v-1", True),
    ("group outsider", cmp.group("staff", GROUPS, inside=True), "v-9", False),
    ("not in group", cmp.group("staff", GROUPS, inside=False), "v-9", True),
    ("unknown group has nobody", cmp.group("board", GROUPS, inside=True), "v-1", False),
    ("not in unknown group", cmp.group("board", GROUPS, inside=False), "v-1", True),
    ("regex searches", cmp.regex("^/c/", 0), "/c/dogs", True),
    ("regex anchored", cmp.regex("^/c/", 0), "/x/c/", False),
    ("regex flags", cmp.regex("dogs", re.IGNORECASE), "/c/DOGS", True),
    ("regex strings only", cmp.regex("1", 0), 1, False),
    ("negate", cmp.negate(cmp.equals("a", fold=False)), "b", True),
    ("exists", cmp.exists, 0, True),
    ("exists not null", cmp.exists, None, False),
    ("absent", cmp.absent, None, True),
    ("never", cmp.never, True, False),
    ("always", cmp.always, None, True),
]


@pytest.mark.parametrize(
    ("test", "value", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_comparison_follows_case_table(test: cmp.Test | None, value: Any, expected: bool) -> None:
    assert test is not None
    assert test(value) is expected


@pytest.mark.parametrize(
    "test",
    [
        cmp.ordering(lt, True),
        cmp.ordering(lt, None),
        cmp.version(gt, [1]),
        cmp.membership("ab", fold=False),
        cmp.membership({"a": 1}, fold=False),
        cmp.group(["staff"], GROUPS, inside=True),
        cmp.regex("(", 0),
        cmp.regex(5, 0),
        cmp.negate(None),
    ],
)
def test_comparison_of_malformed_operand_is_none(test: cmp.Test | None) -> None:
    assert test is None


def test_group_binds_members_when_built() -> None:
    groups = {"staff": ["v-1"]}
    test = cmp.group("staff", groups, inside=True)
    groups["staff"] = ["v-2"]
    assert test is not None and test("v-1") is True
