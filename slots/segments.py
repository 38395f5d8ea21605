"""Named visitor segments and saved groups, evaluated in dependency order.

A segment is a condition with a name (loaded by :mod:`slots.condition_loader`, which
rewrites ``{segments: dog_people}`` to ``{segments: {$in: [dog_people]}}``). Segments are
evaluated in dependency order, so one may build on another.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .attributes import namespaces_read
from .condition_loader import SEGMENTS, SegmentRefs, load_condition, rewrite_segment_refs
from .conditions import CompiledCondition
from .yamlsource import Diagnostics, KeyPath, describe

__all__ = [
    "SEGMENTS",
    "Segment",
    "SegmentRefs",
    "WithSegments",
    "load_condition",
    "load_groups",
    "load_segments",
    "matching_segments",
    "needed_segments",
    "rewrite_segment_refs",
]


@dataclass(frozen=True, slots=True)
class Segment:
    """A named condition. ``namespaces`` are what deciding membership reads, transitively."""

    name: str
    condition: CompiledCondition
    refs: SegmentRefs
    namespaces: frozenset[str]


class WithSegments(Mapping[str, Any]):
    """Attributes with ``segments`` fixed to a known list; every other key is passed through,
    so a lazily computed mapping stays lazy."""

    __slots__ = ("_attributes", "_segments")

    def __init__(self, attributes: Mapping[str, Any], segments: Sequence[str]) -> None:
        self._attributes = attributes
        self._segments = segments

    def __getitem__(self, key: str) -> Any:
        return self._segments if key == SEGMENTS else self._attributes[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._segments if key == SEGMENTS else self._attributes.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key == SEGMENTS or key in self._attributes

    def __iter__(self) -> Iterator[str]:
        yield SEGMENTS
        yield from (key for key in self._attributes if key != SEGMENTS)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def matching_segments(
    segments: Mapping[str, Segment],
    attributes: Mapping[str, Any],
    *,
    only: Collection[str] | None = None,
) -> tuple[str, ...]:
    """The names of the segments the attributes satisfy (of ``only``, when given).

    ``segments`` must be in dependency order, as the loader builds it; ``only`` must hold the
    segments its members depend on.
    """
    found: list[str] = []
    view = WithSegments(attributes, found)
    for name, segment in segments.items():
        if (only is None or name in only) and segment.condition(view):
            found.append(name)
    return tuple(found)


def load_groups(diag: Diagnostics, raw: Any) -> dict[str, tuple[str, ...]]:
    """The policy's ``groups:`` section: saved lists of visitor ids for ``$inGroup``."""
    mapping = diag.mapping(("groups",), raw, "groups")
    groups: dict[str, tuple[str, ...]] = {}
    for name, members in (mapping or {}).items():
        path: KeyPath = ("groups", name)
        if not isinstance(members, list):
            diag.error(path, f"group {name!r} must list visitor ids, not {describe(members)}")
            continue
        for index, member in enumerate(members):
            if not isinstance(member, str):
                diag.error((*path, index), f"visitor ids are text; quote {member!r}")
        groups[name] = tuple(str(member) for member in members)
    return groups


def load_segments(
    diag: Diagnostics, raw: Any, *, groups: Mapping[str, Sequence[str]]
) -> dict[str, Segment]:
    """The policy's ``segments:`` section, in dependency order; problems go to ``diag``."""
    path: KeyPath = (SEGMENTS,)
    mapping = diag.mapping(path, raw, "segments")
    if mapping is None:
        return {}
    loaded: dict[str, tuple[CompiledCondition | None, SegmentRefs]] = {}
    for name, condition in mapping.items():
        diag.check_name((*path, name), name, "segment")
        loaded[name] = load_condition(
            diag, (*path, name), condition, groups=groups, segment_names=tuple(mapping)
        )
        if loaded[name][1].reads_all:
            diag.error((*path, name), f"segment {name!r} must name the segments it builds on "
                       "(with a name, $in, $nin or $all), not test the whole list")
    order, cycles = _dependency_order({name: refs.names for name, (_, refs) in loaded.items()})
    for cycle in cycles:
        diag.error((*path, cycle[0]), "segment cycle: " + " -> ".join(cycle), at_key=True)
    in_cycle = {name for cycle in cycles for name in cycle}
    segments: dict[str, Segment] = {}
    for name in order:
        condition, refs = loaded[name]
        if condition is None or name in in_cycle or refs.reads_all:
            continue
        namespaces = set(namespaces_read(condition.paths))
        for needed in refs.names:
            if needed in segments:
                namespaces |= segments[needed].namespaces
        segments[name] = Segment(name, condition, refs, frozenset(namespaces))
    return segments


def needed_segments(
    segments: Mapping[str, Segment], refs: SegmentRefs
) -> tuple[frozenset[str] | None, frozenset[str]]:
    """The segments a condition needs, with those they build on (``None``: all), and the
    namespaces evaluating them reads."""
    needed: set[str] = set()
    namespaces: set[str] = set()
    pending = list(segments if refs.reads_all else refs.names)
    while pending:
        name = pending.pop()
        if name not in needed and name in segments:
            needed.add(name)
            pending.extend(segments[name].refs.names)
            namespaces |= segments[name].namespaces
    return (None if refs.reads_all else frozenset(needed)), frozenset(namespaces)


def _dependency_order(
    requires: Mapping[str, tuple[str, ...]],
) -> tuple[list[str], list[list[str]]]:
    """Names with what they require first (source order otherwise), and every cycle found."""
    order: list[str] = []
    cycles: list[list[str]] = []
    done: set[str] = set()
    stack: list[str] = []

    def visit(name: str) -> None:
        stack.append(name)
        for needed in requires[name]:
            if needed in stack:
                cycles.append([*stack[stack.index(needed):], needed])
            elif needed in requires and needed not in done:
                visit(needed)
        stack.pop()
        done.add(name)
        order.append(name)

    for name in requires:
        if name not in done:
            visit(name)
    return order, cycles
