"""Tests for slots/conditions.py (and slots/operators.py), driven by cases/conditions.yaml."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from slots.attributes import ATTRIBUTES, is_known_attribute
from slots.conditions import (
    CompiledCondition,
    ConditionProblem,
    check_condition,
    compile_condition,
    evaluate,
)
from slots.operators import VALUE_OPERATORS, operand_problem

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "conditions.yaml").read_text(encoding="utf-8")
)
OPERATORS = (
    "$eq $ne $lt $lte $gt $gte $in $nin $ini $nini $all $alli $elemMatch $size $exists $type "
    "$regex $regexi $not $and $or $nor $inGroup $notInGroup $veq $vne $vgt $vgte $vlt $vlte"
).split()


def _case_id(case: dict[str, Any]) -> str:
    return str(case["name"])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_evaluate_follows_case_table(case: dict[str, Any]) -> None:
    assert evaluate(case["condition"], case["attributes"], case.get("groups")) is case["expected"]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_compile_condition_follows_case_table(case: dict[str, Any]) -> None:
    compiled = compile_condition(case["condition"], groups=case.get("groups"))
    assert compiled(case["attributes"]) is case["expected"]
    assert compiled(case["attributes"]) is case["expected"]  # no state kept between calls


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_explain_is_none_exactly_when_matching(case: dict[str, Any]) -> None:
    compiled = compile_condition(case["condition"], groups=case.get("groups"))
    reason = compiled.explain(case["attributes"])
    assert (reason is None) is case["expected"]
    assert reason is None or reason.strip()


def test_case_table_covers_every_operator() -> None:
    text = yaml.safe_dump(CASES)
    assert [name for name in OPERATORS if f"{name}:" not in text] == []


def test_every_value_operator_has_an_operand_rule() -> None:
    for name in VALUE_OPERATORS:  # only $not takes anything (a plain value means equality)
        assert (operand_problem(name, object()) is None) is (name == "$not"), name


def test_compiled_condition_is_reusable_across_visitors() -> None:
    rainy = compile_condition({"weather.condition": {"$in": ["rain", "drizzle"]}})
    visitors = [{"weather": {"condition": c}} for c in ("rain", "clear", "drizzle", "snow")]
    assert [rainy(visitor) for visitor in visitors] == [True, False, True, False]


def test_compiled_condition_is_frozen() -> None:
    compiled = compile_condition({"geo.country": "GB"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.paths = frozenset()  # type: ignore[misc]


def test_compile_condition_binds_groups_at_compile_time() -> None:
    groups = {"staff": ["v-1"]}
    compiled = compile_condition({"visitor.id": {"$inGroup": "staff"}}, groups=groups)
    groups["staff"] = ["v-2"]
    assert compiled({"visitor": {"id": "v-1"}}) is True


def test_evaluate_reads_any_mapping() -> None:
    attributes = MappingProxyType({"geo": MappingProxyType({"country": "GB"}), "tags": ("a",)})
    assert evaluate({"geo.country": "GB", "tags.0": "a", "tags.length": 1}, attributes) is True


@pytest.mark.parametrize(
    "condition",
    [
        "rain",
        ["a"],
        {"$and": "x"},
        {"$or": [1, None]},
        {1: "x"},
        {"a": {"$regex": "("}},
        {"a": {"$in": {"x": 1}}},
        {"a": {"$elemMatch": 3}},
        {"a": {"$size": "x"}},
        {"a": {"$type": 5}},
        {"a": {"$inGroup": ["x"]}},
    ],
)
def test_compile_condition_never_raises_on_malformed_conditions(condition: Any) -> None:
    compiled = compile_condition(condition)
    assert compiled({"a": [1, "x"]}) is False
    assert compiled.explain({"a": [1, "x"]})


@pytest.mark.parametrize(
    ("name", "operand"),
    [
        ("$gt", 0),
        ("$vgt", "1.0.0"),
        ("$regex", "."),
        ("$in", [1]),
        ("$size", {"$gt": 5}),
        ("$elemMatch", {"$gt": 0}),
        ("$all", [1]),
        ("$type", "string"),
    ],
)
def test_odd_attribute_values_are_false_not_errors(name: str, operand: Any) -> None:
    odd: list[Any] = [object(), b"bytes", {1, 2}, float("nan"), [[{}]], {"k": object()}]
    for value in odd:
        assert evaluate({"a": {name: operand}}, {"a": value}) is False, value


# -- paths ------------------------------------------------------------------------------


def test_paths_lists_every_attribute_read() -> None:
    compiled = compile_condition(
        {
            "device.type": "mobile",
            "$or": [{"weather.condition": "rain"}, {"$not": {"time.hour": {"$lt": 9}}}],
            "$nor": [{"geo.country": {"$in": ["US"]}}],
            "$and": [{"profile.viewed": {"$elemMatch": {"item.size": 9}}}],
        }
    )
    assert compiled.paths == frozenset(
        {"device.type", "weather.condition", "time.hour", "geo.country", "profile.viewed"}
    )


def test_paths_of_empty_condition_is_empty() -> None:
    assert compile_condition({}).paths == frozenset()


# -- explain ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "attributes", "expected"),
    [
        (
            {"weather.condition": {"$in": ["rain", "drizzle", "storm"]}},
            {"weather": {"condition": "clear"}},
            "weather.condition is 'clear', wanted $in ['rain', 'drizzle', 'storm']",
        ),
        ({"geo.country": "GB"}, {"geo": {}}, "geo.country is missing, wanted 'GB'"),
        ({"geo.country": "GB"}, {}, "geo.country is missing, wanted 'GB'"),
        ({"geo.city": "Leeds"}, {"geo": {"city": None}}, "geo.city is null, wanted 'Leeds'"),
        (
            {"device.type": {"$ne": "mobile"}},
            {"device": {"type": "mobile"}},
            "device.type is 'mobile', wanted $ne 'mobile'",
        ),
        (
            {"time.hour": {"$gte": 6, "$lt": 11}},
            {"time": {"hour": 11}},
            "time.hour is 11, wanted $lt 11",
        ),
        (
            {"device.type": "mobile", "time.is_weekend": True},
            {"device": {"type": "mobile"}, "time": {"is_weekend": False}},
            "time.is_weekend is false, wanted true",
        ),
        (
            {"$or": [{"device.type": "desktop"}, {"geo.country": "GB"}]},
            {"device": {"type": "mobile"}},
            "none of $or matched: device.type is 'mobile', wanted 'desktop'; "
            "geo.country is missing, wanted 'GB'",
        ),
        (
            {"$nor": [{"device.type": "bot"}, {"visit.utm_medium": "email"}]},
            {"device": {"type": "mobile"}, "visit": {"utm_medium": "email"}},
            "$nor matched {'visit.utm_medium': 'email'}",
        ),
        (
            {"$not": {"geo.country": "GB"}},
            {"geo": {"country": "GB"}},
            "$not matched {'geo.country': 'GB'}",
        ),
        ({"$nor": []}, {}, "an empty $nor never matches"),
        (
            {"$and": [{"a": 1}, {"$or": [{"b": 2}]}]},
            {"a": 1, "b": 3},
            "none of $or matched: b is 3, wanted 2",
        ),
        (
            {"profile.viewed": {"$size": {"$gte": 3}}},
            {"profile": {"viewed": ["a"]}},
            "profile.viewed is ['a'], wanted $size {'$gte': 3}",
        ),
        ({"n": {"$regx": "hello"}}, {"n": "hello"}, "n: unknown operator '$regx' never matches"),
        ({"w": {"$in": "rain"}}, {}, "w: $in needs a list, got 'rain'"),
        ({"$ore": [{"a": 1}]}, {"a": 1}, "unknown operator '$ore' never matches"),
        (
            {"$not": {"n": {"$gt": 1, "$not": {"$regx": "x"}}}},
            {"n": 0},
            "n: unknown operator '$regx' never matches",
        ),
        ({"$and": {"a": 1}}, {"a": 1}, "$and needs a list of conditions"),
        ("rain", {}, "a condition must be a mapping, got 'rain'"),
        (
            {"profile.viewed": {"$in": ["shoe-9"]}},
            {"profile": {"viewed": [f"item-{n}" for n in range(40)]}},
            "profile.viewed is ['item-0', 'item-1', 'item-2', 'item-3', 'item-4', 'item-5', "
            "'item-6', 'item-..., wanted $in ['shoe-9']",
        ),
    ],
)
def test_explain_names_the_first_failure(
    condition: Any, attributes: dict[str, Any], expected: str
) -> None:
    assert compile_condition(condition).explain(attributes) == expected


def test_explain_is_none_when_matching() -> None:
    compiled = compile_condition({"$or": [], "geo.country": {"$in": ["GB", "IE"]}})
    assert compiled.explain({"geo": {"country": "IE"}}) is None


# -- check_condition --------------------------------------------------------------------


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


def test_compiled_condition_type_is_exported() -> None:
    assert isinstance(compile_condition({}), CompiledCondition)
