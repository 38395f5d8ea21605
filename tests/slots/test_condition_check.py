"""Tests for slots/condition_check.py: every problem in a condition, with its path, at load time."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest

from slots.attributes import ATTRIBUTES, is_known_attribute
from slots.condition_check import ConditionProblem, check_condition

PROBLEMS: list[tuple[Any, tuple[str | int, ...], str]] = [
    # (condition, path to the offending key or value, message)
    ({"hour": {"gte": 11}}, ("hour", "gte"), "unknown operator 'gte' (did you mean '$gte'?)"),
    ({"t": {"$gte": 6, "lt": 11}}, ("t", "lt"), "unknown operator 'lt' (did you mean '$lt'?)"),
    ({"w": {"$inn": ["rain"]}}, ("w", "$inn"), "unknown operator '$inn' (did you mean '$in'?)"),
    ({"a": {"$zzzz": 1}}, ("a", "$zzzz"), "unknown operator '$zzzz'"),
    ({"$ore": [{"a": 1}]}, ("$ore",), "unknown operator '$ore' (did you mean '$or'?)"),
    (
        {"$in": ["a"]},
        ("$in",),
        "$in compares an attribute's value; put it under an attribute path",
    ),
    (
        {"a": {"$or": [1]}},
        ("a", "$or"),
        "$or combines whole conditions; it can't be applied to an attribute's value",
    ),
    (
        {"page.path": {"$regex": "("}},
        ("page.path", "$regex"),
        "invalid regular expression '(': missing ), unterminated subpattern at position 0",
    ),
    (
        {"a": {"$not": {"$regex": "["}}},
        ("a", "$not", "$regex"),
        "invalid regular expression '[': unterminated character set at position 0",
    ),
    ({"p": {"$regexi": 3}}, ("p", "$regexi"), "$regexi needs a regular expression, got 3"),
    ({"w": {"$in": "rain"}}, ("w", "$in"), "$in needs a list, got 'rain'"),
    ({"a": {"$nini": None}}, ("a", "$nini"), "$nini needs a list, got null"),
    ({"a": {"$all": {"x": 1}}}, ("a", "$all"), "$all needs a list, got {'x': 1}"),
    (
        {"a": {"$in": ["x", ["y"]]}},
        ("a", "$in", 1),
        "$in items must be strings, numbers, booleans or null, got ['y']",
    ),
    ({"a": {"$size": "3"}}, ("a", "$size"), "$size needs a number or a condition"),
    (
        {"a": {"$size": {"gt": 2}}},
        ("a", "$size", "gt"),
        "unknown operator 'gt' (did you mean '$gt'?)",
    ),
    ({"$and": {"a": 1}}, ("$and",), "$and needs a list of conditions"),
    ({"$nor": "x"}, ("$nor",), "$nor needs a list of conditions"),
    ({"$or": [{"a": 1}, "rain"]}, ("$or", 1), "a condition must be a mapping, got 'rain'"),
    ({"$not": [1]}, ("$not",), "$not needs a condition"),
    ({"a": {"$exists": "yes"}}, ("a", "$exists"), "$exists needs true or false"),
    ({"a": {"$type": "strng"}}, ("a", "$type"), "unknown $type 'strng' (did you mean 'string'?)"),
    (
        {"a": {"$type": "date"}},
        ("a", "$type"),
        "unknown $type 'date' (valid: array, boolean, null, number, object, string)",
    ),
    ({"a": {"$type": 1}}, ("a", "$type"), "$type needs a type name, got 1"),
    ({"a": {"$eq": [1]}}, ("a", "$eq"), "$eq needs a string, number, boolean or null, got [1]"),
    ({"a": {"$gt": True}}, ("a", "$gt"), "$gt needs a number or a string, got true"),
    (
        {"a": {"$all": [{"$lt": []}]}},
        ("a", "$all", 0, "$lt"),
        "$lt needs a number or a string, got []",
    ),
    ({"a": {"$vgt": [1]}}, ("a", "$vgt"), "$vgt needs a version, got [1]"),
    ({"a": {"$elemMatch": 3}}, ("a", "$elemMatch"), "$elemMatch needs a condition, got 3"),
    (
        {"a": {"$elemMatch": {"b": {"$gtt": 1}}}},
        ("a", "$elemMatch", "b", "$gtt"),
        "unknown operator '$gtt' (did you mean '$gt'?)",
    ),
    ({"a": {"$inGroup": 5}}, ("a", "$inGroup"), "$inGroup needs a group name, got 5"),
    ("rain", (), "a condition must be a mapping, got 'rain'"),
    (
        {"time.date": {"$not": datetime.date(2024, 12, 24)}},
        ("time.date", "$not"),
        "can't compare with datetime.date(2024, 12, 24); write it as a quoted string",
    ),
    ({1: "x"}, (1,), "an attribute path must be a string, got 1"),
]


@pytest.mark.parametrize(("condition", "path", "message"), PROBLEMS)
def test_check_condition_reports_problem(
    condition: Any, path: tuple[str | int, ...], message: str
) -> None:
    assert check_condition(condition) == [ConditionProblem(path, message)]


@pytest.mark.parametrize(
    "condition",
    [
        {},
        {"geo.country": "GB", "profile.traits": {"size": "M", "type": 3}, "tags": [1, "a"]},
        {"$or": [], "$and": [], "$nor": [{"a": 1}], "$not": {"b": {"$exists": False}}},
        {"a": {"$in": [1, "x", True, None], "$nin": [], "$ini": ["A"], "$nini": ["B"]}},
        {"a": {"$all": ["x", {"$gt": 1}], "$alli": ["X"], "$size": {"$gte": 2}}},
        {"a": {"$elemMatch": {"$regex": "^x"}}, "b": {"$elemMatch": {"c.d": {"$lt": 3}}}},
        {"a": {"$type": "null", "$exists": True, "$not": "x", "$regexi": "(?:x)"}},
        {"a": {"$inGroup": "g", "$notInGroup": "h", "$eq": None, "$ne": 1.5}},
        {"v": {"$veq": "1.2.3", "$vne": 2, "$vgt": "v1", "$vgte": "1-rc", "$vlte": "9"}},
        {"a": {"$lt": "z", "$lte": 3, "$gt": -1, "$gte": 0.5}},
    ],
)
def test_check_condition_accepts_valid_conditions(condition: Any) -> None:
    assert check_condition(condition) == []


def test_check_condition_reports_every_problem_in_order() -> None:
    problems = check_condition(
        {
            "time.hour": {"gte": 11, "$lt": "x", "$in": 3},
            "$or": [{"geo.country": {"$regex": "("}}, "rain"],
            "w": {"$exists": 1},
        }
    )
    assert [problem.path for problem in problems] == [
        ("time.hour", "gte"),
        ("time.hour", "$in"),
        ("$or", 0, "geo.country", "$regex"),
        ("$or", 1),
        ("w", "$exists"),
    ]


def test_check_condition_rejects_unknown_attributes_with_hint() -> None:
    problems = check_condition(
        {
            "geo.contry": "GB",
            "$or": [{"weather.condition": "rain"}, {"wether.temp_c": {"$lt": 5}}],
            "profile.categories.dogs": {"$gte": 3},
            "orders": {"$elemMatch": {"anything.at.all": 1}},
        },
        is_known_attribute=lambda path: is_known_attribute(path) and path != "orders",
        attribute_names=sorted(ATTRIBUTES),
    )
    assert problems == [
        ConditionProblem(
            ("geo.contry",), "unknown attribute 'geo.contry' (did you mean 'geo.country'?)"
        ),
        ConditionProblem(
            ("$or", 1, "wether.temp_c"),
            "unknown attribute 'wether.temp_c' (did you mean 'weather.temp_c'?)",
        ),
        ConditionProblem(("orders",), "unknown attribute 'orders'"),
    ]


def test_check_condition_skips_attributes_without_a_catalogue() -> None:
    assert check_condition({"anything.goes": 1}) == []


def test_condition_problem_is_frozen() -> None:
    problem = ConditionProblem(("a",), "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.message = "y"  # type: ignore[misc]
