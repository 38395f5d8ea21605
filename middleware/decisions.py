"""Decisions remembered across requests, keyed by the attribute values their rules read."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from slots.choice import decide
from slots.decision import Decision, Trace
from slots.policy import Policy, SlotPolicy
from slots.segments import SEGMENTS

__all__ = ["DecisionMemo"]

_MISSING: Final = object()
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
_MAPPINGS: Final = (dict, MappingProxyType)
_NO_VISITOR: Final = object()


class _Plan:
    """What deciding one slot reads: attribute paths, and the visitor id if it buckets."""

    __slots__ = ("paths", "buckets")

    def __init__(self, paths: tuple[tuple[str, ...], ...], *, buckets: bool) -> None:
        self.paths = paths
        self.buckets = buckets

    def key(self, attributes: Mapping[str, Any], visitor_id: str | None) -> Hashable:
        """The values the slot's rules and segments would read; raises TypeError when one
        has no hashable form."""
        values = []
        for path in self.paths:
            value = _read(attributes, path)
            kind = type(value)
            # Most values are scalars: fingerprinted here, without a call per path.
            values.append((kind, value) if kind in _SCALARS else _fingerprint(value))
        return (visitor_id if self.buckets else _NO_VISITOR, tuple(values))


def _plan(policy: Policy, slot: SlotPolicy) -> _Plan | None:
    """The slot's plan, or ``None`` when its decision depends on more than attribute values:
    a schedule or a cap also reads the clock and the visitor's impression counts."""
    if any(rule.schedule is not None or rule.cap is not None for rule in slot.rules):
        return None
    paths: set[str] = set()
    for rule in slot.rules:
        if rule.condition is not None:
            paths |= rule.condition.paths
    if SEGMENTS in slot.namespaces:
        for name, segment in policy.segments.items():
            if slot.segments is None or name in slot.segments:
                paths |= segment.condition.paths
    # The segments a visitor is in are worked out from the segments' own paths, added above.
    readable = sorted(p for p in paths if p != SEGMENTS and not p.startswith(SEGMENTS + "."))
    buckets = any(rule.variants for rule in slot.rules)
    return _Plan(tuple(tuple(path.split(".")) for path in readable), buckets=buckets)


def _read(attributes: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """The value at ``path``, or the first value on the way that is not a mapping (a list:
    whatever a condition reads below it, an index or its length, follows from it)."""
    current: Any = attributes
    for part in path:
        if type(current) not in _MAPPINGS and not isinstance(current, Mapping):
            return current
        current = current.get(part, _MISSING)
        if current is _MISSING:
            return _MISSING
    return current


def _fingerprint(value: Any) -> Hashable:
    """A hashable stand-in that tells apart values a condition could tell apart, so the type
    is part of it (``1``, ``1.0`` and ``True`` are equal in Python, not to ``$type``)."""
    kind = type(value)
    if kind in _SCALARS or value is _MISSING:
        return (kind, value)
    if kind is list or kind is tuple:
        return (kind, tuple(_fingerprint(item) for item in value))
    if isinstance(value, Mapping):
        return (Mapping, frozenset((key, _fingerprint(item)) for key, item in value.items()))
    hash(value)  # anything else must be hashable itself, or the caller gives up
    return (kind, value)


class DecisionMemo:
    """Decides slots, remembering each decision under the values it was decided from.

    A slot's decision is a pure function of the attribute values its rules and segments read
    (and of the visitor id, for a rule with variants), so the same values give the same
    decision: a hero that reads ``device.type`` and ``geo.country`` is decided once per
    device type and country, not once per request. Slots with a schedule or a cap are
    decided every time. Remembered decisions carry their trace already explained, so they
    keep no reference to the request they were first decided for. At most ``maxsize``
    decisions are kept (all are dropped when full), and all of them when the policy changes.
    """

    def __init__(self, *, maxsize: int = 4096) -> None:
        self._maxsize = maxsize
        # Swapped whole when the policy changes, so a decision under the old policy can only
        # land in the old policy's memory.
        self._memory: _Memory | None = None

    def decide(
        self,
        policy: Policy,
        slot: str,
        *,
        attributes: Mapping[str, Any],
        visitor_id: str | None,
        now: datetime,
        caps: Mapping[str, int] | None,
    ) -> Decision:
        """Like :func:`slots.choice.decide`, from memory when the same values came before."""
        memory = self._memory
        if memory is None or memory.policy is not policy:  # new: plans and decisions differ
            memory = self._memory = _Memory(policy)
        key = memory.key(slot, attributes, visitor_id)
        if key is not None:
            decision = memory.decisions.get(key)
            if decision is not None:
                return decision
        decision = decide(
            policy, slot, attributes=attributes, visitor_id=visitor_id, now=now, caps=caps
        )
        if key is not None:
            if len(memory.decisions) >= self._maxsize:
                memory.decisions.clear()
            # Explained now, once: a lazy trace would hold on to this request's attributes.
            memory.decisions[key] = dataclasses.replace(
                decision, trace=Trace(tuple(decision.trace))
            )
        return decision


class _Memory:
    """The plans and decisions of one policy."""

    __slots__ = ("policy", "plans", "decisions")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.plans: dict[str, _Plan | None] = {}
        self.decisions: dict[tuple[str, Hashable], Decision] = {}

    def key(
        self, slot: str, attributes: Mapping[str, Any], visitor_id: str | None
    ) -> tuple[str, Hashable] | None:
        """What the slot's decision is remembered under, or ``None`` if it is not."""
        try:
            plan = self.plans[slot]
        except KeyError:
            slot_policy = self.policy.slots.get(slot)
            plan = self.plans[slot] = (
                None if slot_policy is None else _plan(self.policy, slot_policy)
            )
        if plan is None:
            return None
        try:
            return (slot, plan.key(attributes, visitor_id))
        except (TypeError, RecursionError):  # no hashable form: decide every time
            return None
