"""The condition loader: a policy condition checked against its segments and groups, then
compiled.

Conditions (rules' and segments') test membership with ``{segments: dog_people}``, which the
loader rewrites to ``{segments: {$in: [dog_people]}}``; ``$in``, ``$nin`` and ``$all`` on
``segments`` work as written. Item filters (recommendations) use the same language on item
fields.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .attributes import ATTRIBUTES, is_known_attribute
from .conditions import CompiledCondition, ConditionProblem, check_condition, compile_condition
from .operators import LOGICAL_OPERATORS, VALUE_OPERATORS
from .yamlsource import Diagnostics, KeyPath, describe, did_you_mean

__all__ = ["SEGMENTS", "SegmentRefs", "load_condition", "rewrite_segment_refs"]

#: The attribute that lists a visitor's segments.
SEGMENTS: Final = "segments"
_COMBINERS: Final = ("$and", "$or", "$nor")
# Operators on `segments` whose result depends only on the segments they name.
_NAMING: Final = frozenset({"$in", "$nin", "$all"})
_ATTRIBUTE_NAMES: Final = tuple(ATTRIBUTES)


@dataclass(frozen=True, slots=True)
class SegmentRefs:
    """The segments a condition names, and whether it reads the whole list ($size, $regex)."""

    names: tuple[str, ...] = ()
    reads_all: bool = False

    def __or__(self, other: SegmentRefs) -> SegmentRefs:
        names = tuple(dict.fromkeys(self.names + other.names))
        return SegmentRefs(names, self.reads_all or other.reads_all)


def rewrite_segment_refs(condition: Any) -> Any:
    """``{segments: name}`` becomes ``{segments: {$in: [name]}}``, at any depth of $and/$or."""
    if not isinstance(condition, dict):
        return condition
    rewritten: dict[str, Any] = {}
    for key, value in condition.items():
        if key == SEGMENTS and isinstance(value, str):
            value = {"$in": [value]}
        elif key in _COMBINERS and isinstance(value, list):
            value = [rewrite_segment_refs(item) for item in value]
        elif key == "$not":
            value = rewrite_segment_refs(value)
        rewritten[key] = value
    return rewritten


def _segment_tests(condition: Any, path: KeyPath) -> Iterator[tuple[Any, KeyPath]]:
    """Each value tested against ``segments`` in a condition, with its path."""
    if not isinstance(condition, dict):
        return
    for key, value in condition.items():
        if key == SEGMENTS:
            yield value, (*path, key)
        elif key in _COMBINERS and isinstance(value, list):
            for index, item in enumerate(value):
                yield from _segment_tests(item, (*path, key, index))
        elif key == "$not":
            yield from _segment_tests(value, (*path, key))


def _named(test: Any, path: KeyPath) -> tuple[list[tuple[str, KeyPath]], bool]:
    """The segment names one test mentions (with paths) and whether it reads the whole list."""
    if isinstance(test, str):
        return [(test, path)], False
    if not isinstance(test, dict):
        return [], True
    names: list[tuple[str, KeyPath]] = []
    reads_all = False
    for operator, operand in test.items():
        where = (*path, operator)
        if operator in _NAMING and isinstance(operand, list):
            names.extend(
                (item, (*where, i)) for i, item in enumerate(operand) if isinstance(item, str)
            )
        elif operator in ("$not", "$elemMatch"):
            inner, inner_all = _named(operand, where)
            names.extend(inner)
            reads_all = reads_all or inner_all
        else:
            reads_all = True
    return names, reads_all


def load_condition(
    diag: Diagnostics,
    path: KeyPath,
    raw: Any,
    *,
    groups: Mapping[str, Sequence[str]],
    segment_names: Collection[str],
    item_fields: Sequence[str] | None = None,
) -> tuple[CompiledCondition | None, SegmentRefs]:
    """Check and compile the condition at ``path``; every problem goes to ``diag``.

    With ``item_fields`` the condition filters items (recommendations), not visitors.
    """
    before = len(diag.errors)
    if not isinstance(raw, dict) or not raw:
        wrong = "is empty; leave it out to match everything" if raw == {} else (
            f"must be a mapping, not {describe(raw)}")
        diag.error(path, f"a condition {wrong}")
        return None, SegmentRefs()
    condition, refs = raw, SegmentRefs()
    known: Callable[[str], bool] = is_known_attribute
    names: Sequence[str] = _ATTRIBUTE_NAMES
    if item_fields is not None:
        fields = item_fields
        known, names = (lambda name: name.partition(".")[0] in fields), fields
    else:
        condition = rewrite_segment_refs(raw)
        refs = _check_segment_refs(diag, path, raw, segment_names)
    for problem in check_condition(condition, is_known_attribute=known, attribute_names=names):
        message = problem.message
        if item_fields is not None and message.startswith("unknown attribute"):
            message = "unknown item field" + message.removeprefix("unknown attribute")
        diag.error((*path, *problem.path), message, at_key=_points_at_key(problem))
    _check_groups(diag, path, raw, groups)
    if len(diag.errors) > before:
        return None, refs
    return compile_condition(condition, groups=groups), refs


def _check_segment_refs(
    diag: Diagnostics, path: KeyPath, raw: Any, segment_names: Collection[str]
) -> SegmentRefs:
    refs = SegmentRefs()
    for test, where in _segment_tests(raw, path):
        if isinstance(test, list) or (isinstance(test, dict) and {"$eq", "$ne"} & test.keys()):
            diag.error(where, "segments is a list, so this would compare the whole list; write "
                       "{segments: NAME}, or $all, $in or $nin with a list of names")
            continue
        found, reads_all = _named(test, where)
        for name, spot in found:
            if name not in segment_names:
                hint = did_you_mean(name, segment_names) or (
                    "" if segment_names else "; the policy defines no segments"
                )
                diag.error(spot, f"unknown segment {name!r}{hint}")
        refs = refs | SegmentRefs(tuple(name for name, _ in found), reads_all)
    return refs


def _check_groups(
    diag: Diagnostics, path: KeyPath, raw: Any, groups: Mapping[str, Sequence[str]]
) -> None:
    """Report ``$inGroup`` / ``$notInGroup`` naming a group the policy does not define."""
    if isinstance(raw, list):
        for index, item in enumerate(raw):
            _check_groups(diag, (*path, index), item, groups)
    if not isinstance(raw, dict):
        return
    for key, value in raw.items():
        if key in ("$inGroup", "$notInGroup") and isinstance(value, str) and value not in groups:
            hint = did_you_mean(value, groups) or (
                "" if groups else "; the policy defines no groups"
            )
            diag.error((*path, key), f"unknown group {value!r}{hint}")
        else:
            _check_groups(diag, (*path, key), value, groups)


def _points_at_key(problem: ConditionProblem) -> bool:
    """Whether a problem is about a key (an unknown name) rather than the value under it."""
    last = problem.path[-1] if problem.path else None
    if not isinstance(last, str):
        return False
    if last in VALUE_OPERATORS or last in LOGICAL_OPERATORS:
        # A known operator: its operand is wrong, unless the operator itself is misplaced.
        return "put it under" in problem.message or "combines whole" in problem.message
    return True
