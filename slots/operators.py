"""The value operators of the condition language: GrowthBook's ``$in``, ``$gt``, ``$regex``...

One table holds them; its keys are the only legal names. An entry turns its operand into a
test once, at compile time, and names what the operand must be (for load-time messages).
Values are typed as in JSON (``true`` is not ``1``); a type mismatch is false, not an error.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from operator import eq, ge, gt, is_, is_not, le, lt
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

__all__ = [
    "LOGICAL_OPERATORS", "TYPE_NAMES", "VALUE_OPERATORS", "Check", "Kind", "LogicalOperator",
    "Scope", "Test", "ValueOperator", "compile_checks", "is_operator_object", "kind_of",
    "operand_problem", "padded_version", "same", "show", "suggest", "undecided", "value_test",
]

Test = Callable[[Any], bool]
Kind = Literal["null", "boolean", "number", "string", "array", "object", "unknown"]
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
#: The names ``$type`` accepts (GrowthBook's, which are JSON's).
TYPE_NAMES: Final[tuple[str, ...]] = ("array", "boolean", "null", "number", "object", "string")

_KINDS: Final[Mapping[type, Kind]] = {
    type(None): "null", bool: "boolean", int: "number", float: "number", str: "string",
    list: "array", tuple: "array", dict: "object",
}
_KIND_BASES: Final[tuple[tuple[type | tuple[type, ...], Kind], ...]] = (
    (bool, "boolean"), ((int, float), "number"), (str, "string"), ((list, tuple), "array"),
    (Mapping, "object"),
)
_SCALARS: Final[frozenset[str]] = frozenset({"null", "boolean", "number", "string"})
_SCALAR_WORDS: Final = "a string, number, boolean or null"
_ORDERED: Final[frozenset[str]] = frozenset({"number", "string"})
_COMBINERS: Final = ("$and", "$or", "$nor")
_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})
_VERSION_STRIP: Final = re.compile(r"^v|\+.*$")
_VERSION_SPLIT: Final = re.compile(r"[-.]")
_exists: Final[Test] = partial(is_not, None)
_absent: Final[Test] = partial(is_, None)


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


def kind_of(value: Any) -> Kind:
    """The JSON type of a value, as ``$type`` names it (``"unknown"`` for anything else)."""
    kind = _KINDS.get(type(value))  # exact types first: this runs for every value tested
    if kind is not None:
        return kind
    return next((kind for base, kind in _KIND_BASES if isinstance(value, base)), "unknown")


def same(left: Any, right: Any) -> bool:
    """Typed deep equality: lists in order, mappings by keys, ``True`` never equals ``1``."""
    kind = kind_of(left)
    if kind != kind_of(right):
        return False
    if kind == "array":
        return len(left) == len(right) and all(map(same, left, right))
    if kind == "object":
        return left.keys() == right.keys() and all(same(left[key], right[key]) for key in left)
    return bool(left == right)


def show(value: Any, *, limit: int = 80) -> str:
    """A short rendering of a value for messages: ``'rain'``, ``true``, ``null``, ``[1, 2]``."""
    text = _show(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_show(key)}: {_show(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return repr(value)


def suggest(word: str, candidates: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` naming the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, candidates, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def is_operator_object(value: Any) -> bool:
    """Whether a mapping holds operators (every key starts with ``$``) rather than a value."""
    if not isinstance(value, Mapping) or not value:
        return False
    return all(isinstance(key, str) and key.startswith("$") for key in value)


def padded_version(value: Any) -> str | None:
    """GrowthBook's sortable form of a version string or number; None for anything else."""
    kind = kind_of(value)
    if kind == "number" and math.isfinite(value):
        value = str(int(value)) if float(value).is_integer() else str(value)  # as JavaScript
    elif kind != "string":
        return None
    return _pad_version(value or "0")


@lru_cache(maxsize=512)
def _pad_version(text: str) -> str:
    parts = _VERSION_SPLIT.split(_VERSION_STRIP.sub("", text))
    if len(parts) == 3:  # no pre-release: "~" sorts after any pre-release tag
        parts.append("~")
    # Numbers padded to one width compare as numbers in a plain string comparison.
    return "-".join(p.rjust(5) if p.isascii() and p.isdigit() else p for p in parts)


def compile_checks(condition: Any, scope: Scope, *, fold: bool = False) -> tuple[Check, ...]:
    """The checks of a value condition: one per operator, or one plain-equality check;
    ``fold`` makes a plain string compare case-insensitively (``$alli`` items)."""
    if not is_operator_object(condition):
        return (Check(show(condition), _equals(condition, fold=fold)),)
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
        return Check(label, _never, f"unknown operator {name!r} never matches")
    test = spec[0](operand, scope)
    if test is None:
        return Check(label, _never, operand_problem(name, operand) or f"{name} never matches")
    return Check(label, test)


def _never(value: Any) -> bool:
    return False


def _always(value: Any) -> bool:
    return True


def _negate(test: Test | None) -> Test | None:
    if test is None:
        return None
    return lambda value: not test(value)


def _equals(expected: Any, *, fold: bool) -> Test:
    if isinstance(expected, str):
        if fold:
            lowered = expected.lower()
            return lambda value: isinstance(value, str) and value.lower() == lowered
        return lambda value: isinstance(value, str) and value == expected
    if expected is None:
        return _absent
    return lambda value: same(value, expected)


def _strict_equal(expected: Any) -> Test:
    kind = kind_of(expected)
    if kind not in _SCALARS:  # GrowthBook's $eq is JavaScript's ===: lists are never equal
        return _never
    return lambda value: kind_of(value) == kind and bool(value == expected)


def _ordering(relation: Callable[[Any, Any], bool], bound: Any) -> Test | None:
    """Numbers with numbers and strings with strings, as in GrowthBook: nothing else is
    ordered, so a missing attribute never satisfies an ordering (nor ``"8"`` a number)."""
    kind = kind_of(bound)
    if kind not in _ORDERED:
        return None
    return lambda value: kind_of(value) == kind and bool(relation(value, bound))


def _version(relation: Callable[[Any, Any], bool], bound: Any) -> Test | None:
    kind, wanted = kind_of(bound), padded_version(bound)
    if wanted is None:
        return None

    def test(value: Any) -> bool:
        actual = padded_version(value) if kind_of(value) == kind else None
        return actual is not None and bool(relation(actual, wanted))

    return test


def _member_key(value: Any, fold: bool) -> tuple[str, Any] | None:
    kind = kind_of(value)
    if kind not in _SCALARS:
        return None
    return (kind, value.lower() if fold and kind == "string" else value)


def _membership(options: Any, fold: bool) -> Test | None:
    """``$in``: the value is one of the options, or is a list sharing one with them."""
    if isinstance(options, str) or not isinstance(options, Sequence):
        return None
    keys = frozenset(key for key in (_member_key(o, fold) for o in options) if key is not None)

    def test(value: Any) -> bool:
        if type(value) is str:  # the common case, without the general key
            return ("string", value.lower() if fold else value) in keys
        if isinstance(value, list | tuple):
            return any(_member_key(item, fold) in keys for item in value)
        return _member_key(value, fold) in keys

    return test


def _group(name: Any, scope: Scope, *, inside: bool) -> Test | None:
    if not isinstance(name, str):
        return None
    members = scope.groups.get(name)
    if members is None:  # an unknown group has no members
        return _never if inside else _always
    test = _membership(members, fold=False)
    return test if inside else _negate(test)


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
    return is_operator_object(operand) and not any(key in _COMBINERS for key in operand)


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


def _regex(pattern: Any, flags: int) -> Test | None:
    if not isinstance(pattern, str):
        return None
    try:
        search = re.compile(pattern, flags).search
    except re.error:
        return None
    return lambda value: isinstance(value, str) and search(value) is not None


#: What each kind of operand must be, and the message when it is not.
_EXPECTS: Final[Mapping[str, tuple[Test, str]]] = {
    "any": (_always, ""),
    "scalar": (lambda x: kind_of(x) in _SCALARS, "{name} needs " + _SCALAR_WORDS + ", got {got}"),
    "ordered": (lambda x: kind_of(x) in _ORDERED, "{name} needs a number or a string, got {got}"),
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
    "$eq": (lambda x, s: _strict_equal(x), "scalar"),
    "$ne": (lambda x, s: _negate(_strict_equal(x)), "scalar"),
    "$lt": (lambda x, s: _ordering(lt, x), "ordered"),
    "$lte": (lambda x, s: _ordering(le, x), "ordered"),
    "$gt": (lambda x, s: _ordering(gt, x), "ordered"),
    "$gte": (lambda x, s: _ordering(ge, x), "ordered"),
    "$in": (lambda x, s: _membership(x, False), "list"),
    "$nin": (lambda x, s: _negate(_membership(x, False)), "list"),
    "$ini": (lambda x, s: _membership(x, True), "list"),
    "$nini": (lambda x, s: _negate(_membership(x, True)), "list"),
    "$all": (lambda x, s: _all_of(x, s, False), "list"),
    "$alli": (lambda x, s: _all_of(x, s, True), "list"),
    "$elemMatch": (_elem_match, "condition"),
    "$size": (_size, "size"),
    "$exists": (lambda x, s: _exists if x else _absent, "flag"),
    "$type": (lambda x, s: (lambda v: kind_of(v) == x) if x in TYPE_NAMES else None, "type"),
    "$regex": (lambda x, s: _regex(x, 0), "regex"),
    "$regexi": (lambda x, s: _regex(x, re.IGNORECASE), "regex"),
    "$not": (lambda x, s: _negate(value_test(x, s)), "any"),
    "$inGroup": (lambda x, s: _group(x, s, inside=True), "group"),
    "$notInGroup": (lambda x, s: _group(x, s, inside=False), "group"),
    "$veq": (lambda x, s: _version(eq, x), "version"),
    "$vne": (lambda x, s: _negate(_version(eq, x)), "version"),
    "$vgt": (lambda x, s: _version(gt, x), "version"),
    "$vgte": (lambda x, s: _version(ge, x), "version"),
    "$vlt": (lambda x, s: _version(lt, x), "version"),
    "$vlte": (lambda x, s: _version(le, x), "version"),
}
