"""Targeting conditions: GrowthBook's MongoDB-style language, compiled once into closures.

``{"weather.condition": {"$in": ["rain", "drizzle"]}, "time.hour": {"$lt": 11}}`` maps
dotted attribute paths to values or operators (``$and``/``$or``/``$nor``/``$not`` combine
them). :func:`compile_condition` interprets it once, for calls per request that can explain
a mismatch; :func:`check_condition` finds every mistake for the policy loader. At run time
nothing raises: unknown operators and malformed operands never match, missing means null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from . import operators as ops

__all__ = [
    "CompiledCondition", "ConditionProblem", "Match", "check_condition", "compile_condition",
    "evaluate",
]

Match = Callable[[Mapping[str, Any]], bool]
_Step = tuple[str, int | None]  # a mapping key, and the list index it spells, if any

_MISSING: Final = object()
_COMBINERS: Final = ("$and", "$or", "$nor")
_ALL_OPERATORS: Final = sorted(ops.VALUE_OPERATORS | ops.LOGICAL_OPERATORS)


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


@dataclass(frozen=True, slots=True)
class ConditionProblem:
    """A mistake in a condition: where it is (keys and list indexes) and what is wrong."""

    path: tuple[str | int, ...]
    message: str


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


def check_condition(
    condition: Any,
    *,
    is_known_attribute: Callable[[str], bool] | None = None,
    attribute_names: Sequence[str] = (),
) -> list[ConditionProblem]:
    """Every problem in a condition, in order, each with the path to the offending key or
    value inside it; with ``is_known_attribute``, also the attribute paths it rejects,
    with a hint from ``attribute_names``."""
    checker = _Checker(is_known_attribute, list(attribute_names))
    checker.condition(condition, (), relative=False)
    return checker.problems


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
    if key in _COMBINERS:
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


# -- checking ---------------------------------------------------------------------------

_Path = tuple[str | int, ...]


class _Checker:
    """Walks one condition, collecting problems; lives for one :func:`check_condition` call."""

    __slots__ = ("is_known", "names", "problems")

    def __init__(self, is_known: Callable[[str], bool] | None, names: list[str]) -> None:
        self.is_known = is_known
        self.names = names
        self.problems: list[ConditionProblem] = []

    def report(self, path: _Path, message: str) -> None:
        self.problems.append(ConditionProblem(path, message))

    def condition(self, condition: Any, path: _Path, *, relative: bool) -> None:
        """``relative``: paths lead into list elements ($elemMatch), not attributes."""
        if not isinstance(condition, Mapping):
            self.report(path, f"a condition must be a mapping, got {ops.show(condition)}")
            return
        for key, value in condition.items():
            here = (*path, key if isinstance(key, str | int) else str(key))
            if key in _COMBINERS:
                self.combined(key, value, here, relative=relative)
            elif key == "$not":
                if isinstance(value, Mapping):
                    self.condition(value, here, relative=relative)
                else:
                    self.report(here, "$not needs a condition")
            elif not isinstance(key, str):
                self.report(here, f"an attribute path must be a string, got {ops.show(key)}")
            elif key.startswith("$"):
                self.report(here, _misplaced(key))
            else:
                if not relative:
                    self.attribute(key, here)
                self.value(value, here)

    def combined(self, key: str, value: Any, path: _Path, *, relative: bool) -> None:
        if isinstance(value, str) or not isinstance(value, Sequence):
            self.report(path, f"{key} needs a list of conditions")
            return
        for index, item in enumerate(value):
            self.condition(item, (*path, index), relative=relative)

    def attribute(self, name: str, path: _Path) -> None:
        if self.is_known is not None and not self.is_known(name):
            self.report(path, f"unknown attribute {name!r}{ops.suggest(name, self.names)}")

    def value(self, value: Any, path: _Path) -> None:
        if ops.kind_of(value) == "unknown":  # e.g. an unquoted YAML date
            self.report(path, f"can't compare with {ops.show(value)}; write it as a quoted string")
        if not isinstance(value, Mapping) or not _meant_as_operators(value):
            return  # a plain value, compared for equality
        for key, operand in value.items():
            here = (*path, key if isinstance(key, str | int) else str(key))
            if not isinstance(key, str) or not key.startswith("$"):
                hint = ops.suggest(str(key), _ALL_OPERATORS)
                self.report(here, f"unknown operator {ops.show(key)}{hint}")
            elif key not in ops.VALUE_OPERATORS:
                self.report(here, _misplaced(key, in_value=True))
            elif (message := ops.operand_problem(key, operand)) is not None:
                self.report(here, message)
            else:
                self.operand(key, operand, here)

    def operand(self, name: str, operand: Any, path: _Path) -> None:
        """Look inside operands that hold further conditions or list items."""
        if name == "$not" or (name == "$size" and isinstance(operand, Mapping)):
            self.value(operand, path)
        elif name in ("$all", "$alli"):
            for index, item in enumerate(operand):
                self.value(item, (*path, index))
        elif name in ("$in", "$nin", "$ini", "$nini"):
            for index, item in enumerate(operand):
                if ops.kind_of(item) in ("array", "object", "unknown"):
                    message = f"{name} items must be strings, numbers, booleans or null"
                    self.report((*path, index), f"{message}, got {ops.show(item)}")
        elif name == "$elemMatch":
            if ops.is_operator_object(operand):
                self.value(operand, path)
            else:
                self.condition(operand, path, relative=True)


def _meant_as_operators(value: Mapping[Any, Any]) -> bool:
    """Whether a mapping holds operators, some perhaps missing their ``$``: ``{gte: 11}`` is
    taken as a typo, but ``{size: M}`` as an object to compare (``M`` is no ``$size``)."""
    if any(isinstance(key, str) and key.startswith("$") for key in value):
        return True
    return all(
        f"${key}" in ops.VALUE_OPERATORS and ops.operand_problem(f"${key}", operand) is None
        for key, operand in value.items()
    )


def _misplaced(name: str, *, in_value: bool = False) -> str:
    if in_value and name in ops.LOGICAL_OPERATORS:
        return f"{name} combines whole conditions; it can't be applied to an attribute's value"
    if not in_value and name in ops.VALUE_OPERATORS:
        return f"{name} compares an attribute's value; put it under an attribute path"
    return f"unknown operator {name!r}{ops.suggest(name, _ALL_OPERATORS)}"
