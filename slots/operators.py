"""The value operators of the condition language: GrowthBook's ``$in``, ``$gt``, ``$regex``...

One table holds them; its keys are the only legal names. An entry turns its operand into a
test once, at compile time (the tests are in :mod:`slots.comparisons`), and names what the
operand must be (for load-time messages). Values are typed as in JSON (:mod:`slots.values`);
a type mismatch is false, not an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import eq, ge, gt, le, lt
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from . import comparisons as cmp
from .comparisons import Test as Test
from .values import ORDERED_KINDS, SCALAR_KINDS
from .values import TYPE_NAMES as TYPE_NAMES
from .values import Kind as Kind
from .values import is_operator_object as is_operator_object
from .values import kind_of as kind_of
from .values import padded_version as padded_version
from .values import same as same
from .values import show as show
from .values import suggest as suggest

__all__ = [
    "COMBINERS", "LOGICAL_OPERATORS", "TYPE_NAMES", "VALUE_OPERATORS", "Check", "Kind",
    "LogicalOperator", "Scope", "Test", "ValueOperator", "compile_checks", "is_operator_object",
    "kind_of", "operand_problem", "padded_version", "same", "show", "suggest", "undecided",
    "value_test",
]

ValueOperator = Literal[
    "$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$nin", "$ini", "$nini", "$all",
    "$alli", "$elemMatch", "$size", "$exists", "$type", "$regex", "$regexi", "$not",
    "$inGroup", "$notInGroup", "$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte",
]
LogicalOperator = Literal["$and", "$or", "$nor", "$not"]
_Expects = Literal[
    "any", "scalar", "ordered", "version", "list", "regex", "type", "size", "flag", "condition",
    "group",
]

VALUE_OPERATORS: Final[frozenset[str]] = frozenset(get_args(ValueOperator))
LOGICAL_OPERATORS: Final[frozenset[str]] = frozenset(get_args(LogicalOperator))
#: The logical operators that combine a list of conditions.
COMBINERS: Final = ("$and", "$or", "$nor")

_SCALARS: Final = "a string, number, boolean or null"  # the words for SCALAR_KINDS
_ORDERED: Final = "a number or a string"  # and for ORDERED_KINDS
_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Scope:
    """What operators need around them: saved groups, and conditions for ``$elemMatch``."""

    groups: Mapping[str, Sequence[Any]]
    compile_condition: Callable[[Mapping[str, Any]], Callable[[Mapping[str, Any]], bool]]


@dataclass(frozen=True, slots=True)
class Check:
    """One operator, or a plain value, applied to an attribute's value."""

    label: str  # what was wanted, for explanations: "$in ['rain', 'snow']"
    test: Test
    note: str | None = None  # why it can never match, when the operand is malformed


def compile_checks(condition: Any, scope: Scope, *, fold: bool = False) -> tuple[Check, ...]:
    """The checks of a value condition: one per operator, or one plain-equality check;
    ``fold`` makes a plain string compare case-insensitively (``$alli`` items)."""
    if not is_operator_object(condition):
        return (Check(show(condition), cmp.equals(condition, fold=fold)),)
    return tuple(_operator_check(name, operand, scope) for name, operand in condition.items())


def value_test(condition: Any, scope: Scope, *, fold: bool = False) -> Test:
    """One test for a whole value condition: every check must pass."""
    tests = tuple(check.test for check in compile_checks(condition, scope, fold=fold))
    if len(tests) == 1:
        return tests[0]
    return lambda value: all(each(value) for each in tests)


def operand_problem(name: str, operand: Any) -> str | None:
    """What is wrong with a known value operator's operand, or None when it is well formed."""
    expects = _OPERATORS[name][1]
    accepts, message = _EXPECTS[expects]
    if not accepts(operand):
        return message.format(name=name, got=show(operand))
    if expects == "regex":
        try:
            re.compile(operand)
        except re.error as error:
            return f"invalid regular expression {operand!r}: {error}"
    if expects == "type" and operand not in TYPE_NAMES:
        hint = suggest(operand, TYPE_NAMES) or f" (valid: {', '.join(TYPE_NAMES)})"
        return f"unknown $type {operand!r}{hint}"
    return None


def _operator_check(name: str, operand: Any, scope: Scope) -> Check:
    label = f"{name} {show(operand)}"
    spec = _OPERATORS.get(name)
    if spec is None:
        return Check(label, cmp.never, f"unknown operator {name!r} never matches")
    test = spec[0](operand, scope)
    if test is None:
        return Check(label, cmp.never, operand_problem(name, operand) or f"{name} never matches")
    return Check(label, test)


def _all_of(operand: Any, scope: Scope, fold: bool) -> Test | None:
    if isinstance(operand, str) or not isinstance(operand, Sequence):
        return None
    tests = tuple(value_test(item, scope, fold=fold) for item in operand)

    def test(value: Any) -> bool:
        if not isinstance(value, list | tuple):
            return False
        return all(any(each(item) for item in value) for each in tests)

    return test


def _elem_match(operand: Any, scope: Scope) -> Test | None:
    if _on_value(operand):
        inner = value_test(operand, scope)
    elif isinstance(operand, Mapping):
        matches = scope.compile_condition(operand)

        def inner(item: Any) -> bool:
            return matches(item if isinstance(item, Mapping) else _EMPTY)
    else:
        return None

    def test(value: Any) -> bool:
        if not isinstance(value, list | tuple):
            return False
        return any(inner(item) for item in value if item is not None)  # GrowthBook skips nulls

    return test


def _on_value(operand: Any) -> bool:
    """Whether ``$elemMatch`` tests elements themselves (operators) or their fields (a
    condition, which may combine with ``$and``, ``$or``, ``$nor``)."""
    return is_operator_object(operand) and not any(key in COMBINERS for key in operand)


def undecided(condition: Any) -> str | None:
    """Why a value condition is undecided, or None: it holds an unknown operator, at any
    depth. An undecided clause never matches, not even under ``$not``, as in GrowthBook."""
    if not is_operator_object(condition):
        return None
    for name, operand in condition.items():
        if name not in _OPERATORS:
            if name in LOGICAL_OPERATORS:
                continue  # known, only misplaced: it is false
            return f"unknown operator {name!r} never matches"
        inner = operand if name in ("$all", "$alli") and kind_of(operand) == "array" else ()
        if name in ("$not", "$size") or (name == "$elemMatch" and _on_value(operand)):
            inner = (operand,)
        found = next(filter(None, map(undecided, inner)), None)
        if found is not None:
            return found
    return None


def _size(operand: Any, scope: Scope) -> Test:
    inner = value_test(operand, scope)
    return lambda value: isinstance(value, list | tuple) and inner(len(value))


#: What each kind of operand must be, and the message when it is not.
_EXPECTS: Final[Mapping[str, tuple[Test, str]]] = {
    "any": (cmp.always, ""),
    "scalar": (lambda x: kind_of(x) in SCALAR_KINDS, "{name} needs " + _SCALARS + ", got {got}"),
    "ordered": (lambda x: kind_of(x) in ORDERED_KINDS, "{name} needs " + _ORDERED + ", got {got}"),
    "version": (lambda x: padded_version(x) is not None, "{name} needs a version, got {got}"),
    "list": (lambda x: kind_of(x) == "array", "{name} needs a list, got {got}"),
    "regex": (lambda x: isinstance(x, str), "{name} needs a regular expression, got {got}"),
    "type": (lambda x: isinstance(x, str), "$type needs a type name, got {got}"),
    "size": (lambda x: kind_of(x) in ("number", "object"), "$size needs a number or a condition"),
    "flag": (lambda x: isinstance(x, bool), "$exists needs true or false"),
    "condition": (lambda x: isinstance(x, Mapping), "{name} needs a condition, got {got}"),
    "group": (lambda x: isinstance(x, str), "{name} needs a group name, got {got}"),
}


#: An operator: how it builds its test (None for a malformed operand, which never matches),
#: and what its operand must be.
_Spec = tuple[Callable[[Any, Scope], Test | None], _Expects]
_OPERATORS: Final[Mapping[str, _Spec]] = {
    "$eq": (lambda x, s: cmp.strict_equal(x), "scalar"),
    "$ne": (lambda x, s: cmp.negate(cmp.strict_equal(x)), "scalar"),
    "$lt": (lambda x, s: cmp.ordering(lt, x), "ordered"),
    "$lte": (lambda x, s: cmp.ordering(le, x), "ordered"),
    "$gt": (lambda x, s: cmp.ordering(gt, x), "ordered"),
    "$gte": (lambda x, s: cmp.ordering(ge, x), "ordered"),
    "$in": (lambda x, s: cmp.membership(x, fold=False), "list"),
    "$nin": (lambda x, s: cmp.negate(cmp.membership(x, fold=False)), "list"),
    "$ini": (lambda x, s: cmp.membership(x, fold=True), "list"),
    "$nini": (lambda x, s: cmp.negate(cmp.membership(x, fold=True)), "list"),
    "$all": (lambda x, s: _all_of(x, s, False), "list"),
    "$alli": (lambda x, s: _all_of(x, s, True), "list"),
    "$elemMatch": (_elem_match, "condition"),
    "$size": (_size, "size"),
    "$exists": (lambda x, s: cmp.exists if x else cmp.absent, "flag"),
    "$type": (lambda x, s: (lambda v: kind_of(v) == x) if x in TYPE_NAMES else None, "type"),
    "$regex": (lambda x, s: cmp.regex(x, 0), "regex"),
    "$regexi": (lambda x, s: cmp.regex(x, re.IGNORECASE), "regex"),
    "$not": (lambda x, s: cmp.negate(value_test(x, s)), "any"),
    "$inGroup": (lambda x, s: cmp.group(x, s.groups, inside=True), "group"),
    "$notInGroup": (lambda x, s: cmp.group(x, s.groups, inside=False), "group"),
    "$veq": (lambda x, s: cmp.version(eq, x), "version"),
    "$vne": (lambda x, s: cmp.negate(cmp.version(eq, x)), "version"),
    "$vgt": (lambda x, s: cmp.version(gt, x), "version"),
    "$vgte": (lambda x, s: cmp.version(ge, x), "version"),
    "$vlt": (lambda x, s: cmp.version(lt, x), "version"),
    "$vlte": (lambda x, s: cmp.version(le, x), "version"),
}
