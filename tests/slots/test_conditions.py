"""Tests for slots/conditions.py (and slots/operators.py), driven by cases/conditions.yaml.

The load-time checker, slots/condition_check.py, is tested in test_condition_check.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from slots import condition_check, conditions
from slots.conditions import CompiledCondition, compile_condition, evaluate
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


def test_compiled_condition_type_is_exported() -> None:
    assert isinstance(compile_condition({}), CompiledCondition)


def test_conditions_reexports_the_checker() -> None:
    # slots/segments.py imports these from slots.conditions.
    assert conditions.check_condition is condition_check.check_condition
    assert conditions.ConditionProblem is condition_check.ConditionProblem
