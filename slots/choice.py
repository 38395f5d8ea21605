"""Choosing what a slot shows: a slot's rules, and deciding among them for one visitor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from .conditions import CompiledCondition
from .decision import Decision, PendingStep, RecommendationRequest, Trace, TraceStep
from .errors import Location
from .experiments import assign_variant
from .schedule import Cap, Schedule
from .segments import SEGMENTS, WithSegments

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["Mode", "Rule", "SlotPolicy", "Variant", "decide"]

Mode = Literal["first", "priority"]
_NO_CAPS: Final[Mapping[str, int]] = {}


@dataclass(frozen=True, slots=True)
class Variant:
    """One arm of an experiment; ``template`` ``None`` keeps the page's default."""

    name: str
    template: str | None


@dataclass(frozen=True, slots=True)
class Rule:
    """One way to fill a slot: when it applies (condition, schedule, cap) and what it shows.

    A rule shows a ``template``, ``recommendations`` (rendered with ``template``), or one of
    its weighted ``variants``, bucketed under ``experiment`` (``None``: ``slot:rule``).
    """

    name: str
    condition: CompiledCondition | None = None
    schedule: Schedule | None = None
    cap: Cap | None = None
    template: str | None = None
    recommendations: RecommendationRequest | None = None
    variants: tuple[Variant, ...] = ()
    weights: tuple[float, ...] = ()
    experiment: str | None = None
    coverage: float = 1.0
    priority: int = 0


@dataclass(frozen=True, slots=True)
class SlotPolicy:
    """A slot's rules in the order they are tried, and what it shows when none matches.

    In ``priority`` mode the rules are already sorted, highest priority first (ties keep
    their written order). ``segments`` are the segments deciding needs (``None``: all);
    ``namespaces`` the attribute namespaces deciding may read, segments' conditions included.
    """

    name: str
    mode: Mode = "first"
    rules: tuple[Rule, ...] = ()
    template: str | None = None
    recommendations: RecommendationRequest | None = None
    segments: frozenset[str] | None = frozenset()
    namespaces: frozenset[str] = frozenset()
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class _Match:
    rule: Rule
    cap_key: str | None = None
    variant: Variant | None = None
    bucket: float | None = None
    experiment: str | None = None
    note: str = ""


@dataclass(slots=True)  # not frozen: built on every call, where frozen's __init__ costs
class _Visit:
    """What one decision is about: built once per call, read by every rule."""

    slot: str
    view: Mapping[str, Any]
    now: datetime
    caps: Mapping[str, int]
    visitor_id: str | None


def decide(
    policy: Policy,
    slot: str,
    *,
    attributes: Mapping[str, Any],
    visitor_id: str | None,
    now: datetime,
    caps: Mapping[str, int] | None = None,
) -> Decision:
    """Decide what ``slot`` shows for one visitor at ``now`` (timezone-aware).

    ``attributes`` are nested by namespace; when they hold no ``segments`` the visitor's
    segments are worked out here. ``caps`` counts earlier impressions by cap key. A slot the
    policy does not define keeps its default. Without a ``visitor_id`` (no consent, a bot)
    a rule with variants shows its first one, unbucketed, and records no exposure.
    """
    slot_policy = policy.slots.get(slot)
    if slot_policy is None:
        return Decision(slot=slot)
    view = _with_segments(policy, slot_policy, attributes)
    visit = _Visit(slot, view, now, _NO_CAPS if caps is None else caps, visitor_id)
    trace: list[TraceStep | PendingStep] = []
    rules = slot_policy.rules
    for index, rule in enumerate(rules):
        outcome = _try(rule, visit)
        if not isinstance(outcome, _Match):
            trace.append(outcome)
            continue
        trace.append(TraceStep(rule.name, "matched", outcome.note))
        if slot_policy.mode == "priority":
            trace.extend(_outranked(rule, rules[index + 1 :], visit))
        return _decision(slot, outcome, Trace(trace))
    return Decision(
        slot=slot,
        template=slot_policy.template,
        recommendations=slot_policy.recommendations,
        trace=Trace(trace),
    )


def _with_segments(
    policy: Policy, slot_policy: SlotPolicy, attributes: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The attributes with the visitor's segments worked out once for this decision."""
    if SEGMENTS not in slot_policy.namespaces:
        return attributes
    if SEGMENTS in attributes:
        segments = attributes[SEGMENTS]
    else:
        segments = policy.matching_segments(attributes, only=slot_policy.segments)
    return WithSegments(attributes, segments)


def _try(rule: Rule, visit: _Visit) -> _Match | TraceStep | PendingStep:
    """The match, or the trace step saying why the rule does not apply."""
    if rule.schedule is not None:
        reason = rule.schedule.check(visit.view, visit.now)
        if reason is not None:
            return TraceStep(rule.name, "out_of_schedule", reason)
    condition = rule.condition
    if condition is not None and not condition(visit.view):
        # Why it failed is worked out only if the trace is read (see Trace).
        return (rule.name, "skipped", condition, visit.view)
    cap_key = None
    if rule.cap is not None:
        cap_key = rule.cap.key(slot=visit.slot, rule=rule.name, attributes=visit.view,
                               now=visit.now)
        shown = visit.caps.get(cap_key, 0)
        if shown >= rule.cap.maximum:
            reason = f"shown {shown} of {rule.cap.maximum} times ({cap_key})"
            return TraceStep(rule.name, "capped", reason)
    if not rule.variants:
        return _Match(rule, cap_key)
    return _pick_variant(rule, visit, cap_key)


def _pick_variant(rule: Rule, visit: _Visit, cap_key: str | None) -> _Match | TraceStep:
    first = rule.variants[0]
    if not visit.visitor_id:
        note = "no visitor id, so the first variant, unbucketed"
        return _Match(rule, cap_key, first, note=note)
    experiment = rule.experiment or f"{visit.slot}:{rule.name}"
    assignment = assign_variant(
        experiment_key=experiment,
        visitor_id=visit.visitor_id,
        weights=rule.weights,
        coverage=rule.coverage,
    )
    if assignment is None:
        reason = f"visitor is outside the experiment's coverage {rule.coverage:g}"
        return TraceStep(rule.name, "not_in_experiment", reason)
    variant = rule.variants[assignment.index]
    return _Match(rule, cap_key, variant, assignment.bucket, experiment)


def _outranked(winner: Rule, rest: tuple[Rule, ...], visit: _Visit) -> list[TraceStep]:
    """Steps for the lower rules that would also have matched (priority mode)."""
    steps = []
    for rule in rest:
        if isinstance(_try(rule, visit), _Match):
            if rule.priority < winner.priority:
                why = f"priority {rule.priority} is below {winner.name}'s {winner.priority}"
            else:
                why = f"same priority {rule.priority} as {winner.name}, which is written first"
            steps.append(TraceStep(rule.name, "outranked", why))
    return steps


def _decision(slot: str, match: _Match, trace: Trace) -> Decision:
    rule, variant = match.rule, match.variant
    return Decision(
        slot=slot,
        template=rule.template if variant is None else variant.template,
        rule=rule.name,
        variant=None if variant is None else variant.name,
        bucket=match.bucket,
        experiment=match.experiment,
        recommendations=rule.recommendations,
        cap_key=match.cap_key,
        trace=trace,
    )
