"""Targeting conditions: GrowthBook's MongoDB-style language, compiled once into closures.

``{"weather.condition": {"$in": ["rain", "drizzle"]}, "time.hour": {"$lt": 11}}`` maps
dotted attribute paths to values or operators (``$and``/``$or``/``$nor``/``$not`` combine
them). :func:`compile_condition` interprets it once, for calls per request that can explain
a mismatch; :func:`~slots.condition_check.check_condition` finds every mistake for the policy
loader (re-exported here). At run time nothing raises: unknown operators and malformed
operands never match, missing means null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from . import operators as ops
from .condition_check import ConditionProblem as ConditionProblem
from .condition_check import check_condition as check_condition

__all__ = [
    "CompiledCondition", "ConditionProblem", "Match", "check_condition", "compile_condition",
    "evaluate",
]

Match = Callable[[Mapping[str, Any]], bool]
_Step = tuple[str, int | None]  # a mapping key, and the list index it spells, if any

_MISSING: Final = object()


@dataclass(frozen=True, slots=True, eq=False)
class CompiledCondition:
    """A condition compiled once. Call it with attributes; it answers True or False."""

    paths: frozenset[str]  # every attribute path it reads, e.g. {"geo.country"}
    _root: _Node = field(repr=False)
    _match: Match = field(repr=False)

    def __call__(self, attributes: Mapping[str, Any]) -> bool:
        return self._match(attributes)

    def explain(self, attributes: Mapping[str, Any]) -> str | None:
        """None when the attributes match; otherwise the first failing part, for a person:
        ``weather.condition is 'clear', wanted $in ['rain', 'drizzle']``."""
        return self._root.explain(attributes)


def compile_condition(
    condition: Mapping[str, Any], *, groups: Mapping[str, Sequence[Any]] | None = None
) -> CompiledCondition:
    """Compile a condition once (regexes included) into a callable tree of closures;
    ``groups`` are GrowthBook's saved groups, for ``$inGroup`` and ``$notInGroup``."""
    paths: set[str] = set()

    def compile_element(element: Mapping[str, Any]) -> Match:
        return _compile(element, scope, None).match

    scope = ops.Scope(groups or {}, compile_element)
    root = _compile(condition, scope, paths)
    return CompiledCondition(frozenset(paths), root, root.match)


def evaluate(
    condition: Mapping[str, Any],
    attributes: Mapping[str, Any],
    groups: Mapping[str, Sequence[Any]] | None = None,
) -> bool:
    """Whether the attributes satisfy the condition; compiles it, so prefer
    :func:`compile_condition` for a condition used more than once."""
    return compile_condition(condition, groups=groups)(attributes)


# -- compiling --------------------------------------------------------------------------


def _never(attributes: Mapping[str, Any]) -> bool:
    return False


def _always(attributes: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class _Undecided:
    """An unknown operator or a malformed condition: never true, never false."""

    reason: str
    match: Match = _never
    refute: Match = _never

    def explain(self, attributes: Mapping[str, Any]) -> str | None:
        return self.reason


@dataclass(frozen=True, slots=True)
class _Field:
    path: str
    steps: tuple[_Step, ...]
    checks: tuple[ops.Check, ...]
    match: Match
    refute: Match

    def explain(self, attributes: Mapping[str, Any]) -> str | None:
        found = _resolve(attributes, self.steps)
        value = None if found is _MISSING else found
        for check in self.checks:
            if not check.test(value):
                if check.note is not None:
                    return f"{self.path}: {check.note}"
                actual = "missing" if found is _MISSING else ops.show(value)
                return f"{self.path} is {actual}, wanted {check.label}"
        return None


@dataclass(frozen=True, slots=True)
class _Combined:
    operator: str  # "$and" (also several keys of one mapping), "$or", "$nor" or "$not"
    children: tuple[_Node, ...]
    sources: tuple[Any, ...]  # the conditions as written, to quote in explanations
    match: Match
    refute: Match

    def explain(self, attributes: Mapping[str, Any]) -> str | None:
        if self.match(attributes):
            return None
        reasons = [child.explain(attributes) for child in self.children]
        if self.operator == "$and":
            return next((reason for reason in reasons if reason is not None), "")
        if self.operator == "$or":
            return f"none of $or matched: {'; '.join(map(str, reasons))}"
        for child, source, reason in zip(self.children, self.sources, reasons, strict=True):
            if reason is None:
                return f"{self.operator} matched {ops.show(source)}"
            if not child.refute(attributes):
                return reason  # undecided, so neither it nor its negation matches
        return "an empty $nor never matches"


#: A compiled part of a condition: true when ``match`` says so, false when ``refute`` does,
#: and, as in GrowthBook, neither when it holds an unknown operator.
_Node = _Undecided | _Field | _Combined


def _compile(condition: Any, scope: ops.Scope, paths: set[str] | None) -> _Node:
    if not isinstance(condition, Mapping):
        return _Undecided(f"a condition must be a mapping, got {ops.show(condition)}")
    nodes = tuple(_compile_clause(key, value, scope, paths) for key, value in condition.items())
    return nodes[0] if len(nodes) == 1 else _combine("$and", nodes)


def _compile_clause(key: Any, value: Any, scope: ops.Scope, paths: set[str] | None) -> _Node:
    if key in ops.COMBINERS:
        if isinstance(value, str) or not isinstance(value, Sequence):
            return _Undecided(f"{key} needs a list of conditions")
        children = tuple(_compile(item, scope, paths) for item in value)
        return _combine(key, children, tuple(value))
    if key == "$not":
        if not isinstance(value, Mapping):
            return _Undecided("$not needs a condition")
        return _combine("$not", (_compile(value, scope, paths),), (value,))
    if not isinstance(key, str):
        return _Undecided(f"an attribute path must be a string, got {ops.show(key)}")
    if key.startswith("$"):
        return _Undecided(f"unknown operator {key!r} never matches")
    if paths is not None:
        paths.add(key)
    if (reason := ops.undecided(value)) is not None:
        return _Undecided(f"{key}: {reason}")
    return _field(key, ops.compile_checks(value, scope))


def _field(path: str, checks: tuple[ops.Check, ...]) -> _Field:
    steps = tuple((part, _index(part)) for part in path.split("."))
    tests = tuple(check.test for check in checks)
    if len(steps) == 1:
        key = steps[0][0]

        def read(attributes: Mapping[str, Any]) -> Any:
            return attributes.get(key)
    else:

        def read(attributes: Mapping[str, Any]) -> Any:
            found = _resolve(attributes, steps)
            return None if found is _MISSING else found

    def match(attributes: Mapping[str, Any]) -> bool:
        value = read(attributes)
        for test in tests:
            if not test(value):
                return False
        return True

    def refute(attributes: Mapping[str, Any]) -> bool:
        return not match(attributes)

    return _Field(path, steps, checks, match, refute)


def _index(part: str) -> int | None:
    """The list index a path segment spells (``"0"``, ``"12"``), as in GrowthBook."""
    if part.isascii() and part.isdigit() and str(int(part)) == part:
        return int(part)
    return None


def _resolve(attributes: Mapping[str, Any], steps: tuple[_Step, ...]) -> Any:
    current: Any = attributes
    for key, index in steps:
        if type(current) is dict or isinstance(current, Mapping):
            current = current.get(key, _MISSING)
            if current is _MISSING:
                return _MISSING
        elif isinstance(current, list | tuple) and (index is not None or key == "length"):
            if index is None:  # GrowthBook reads a list's length as JavaScript does
                current = len(current)
            elif index < len(current):
                current = current[index]
            else:
                return _MISSING
        else:
            return _MISSING
    return current


def _combine(name: str, children: tuple[_Node, ...], sources: tuple[Any, ...] = ()) -> _Node:
    """``$and`` is true when all children are, false when one is; ``$or`` the reverse (and
    an empty one is true); ``$not`` and ``$nor`` swap the true and false of an ``$or``."""
    matches = tuple(child.match for child in children)
    refutes = tuple(child.refute for child in children)
    if name == "$and":
        match, refute = _every(matches), _some(refutes)
    elif not children:
        match, refute = (_always, _never) if name == "$or" else (_never, _always)
    elif name == "$or":
        match, refute = _some(matches), _every(refutes)
    else:
        match, refute = _every(refutes), _some(matches)
    return _Combined(name, children, sources, match, refute)


def _every(tests: tuple[Match, ...]) -> Match:
    if len(tests) == 1:
        return tests[0]

    def every(attributes: Mapping[str, Any]) -> bool:
        for test in tests:  # a plain loop: this runs per request
            if not test(attributes):
                return False
        return True

    return every


def _some(tests: tuple[Match, ...]) -> Match:
    if len(tests) == 1:
        return tests[0]

    def some(attributes: Mapping[str, Any]) -> bool:
        for test in tests:
            if test(attributes):
                return True
        return False

    return some
