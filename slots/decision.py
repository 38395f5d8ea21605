"""What the core decided for one slot, and why."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, overload

__all__ = [
    "Decision",
    "Explains",
    "Outcome",
    "PendingStep",
    "RecommendationRequest",
    "Trace",
    "TraceStep",
]

Outcome = Literal[
    "matched",
    "skipped",
    "out_of_schedule",
    "capped",
    "not_in_experiment",
    "outranked",
]


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One rule the decision tried: its outcome and, when it did not match, the reason."""

    rule: str
    outcome: Outcome
    reason: str = ""

    def __str__(self) -> str:
        if self.outcome == "matched":
            return f"rule {self.rule} matched" + (f": {self.reason}" if self.reason else "")
        return f"rule {self.rule} {self.outcome.replace('_', ' ')}: {self.reason}"


class Explains(Protocol):
    """A condition that can say why it does not match (``None`` when it does)."""

    def explain(self, attributes: Mapping[str, Any]) -> str | None: ...


#: A skipped rule whose reason is worked out only when read:
#: (rule, outcome, the condition that failed, the attributes it saw).
PendingStep = tuple[str, Outcome, Explains, Mapping[str, Any]]


class Trace(Sequence[TraceStep]):
    """The rules a decision tried, in order: a read-only sequence of :class:`TraceStep`.

    Explaining why a condition failed costs more than evaluating it, and most decisions are
    never explained, so a pending step's reason is worked out on first read (from the same
    attributes the decision saw). It compares equal to the tuple of its steps.
    """

    __slots__ = ("_entries", "_steps")

    def __init__(self, entries: Iterable[TraceStep | PendingStep] = ()) -> None:
        self._entries = tuple(entries)
        self._steps: tuple[TraceStep, ...] | None = None

    @property
    def steps(self) -> tuple[TraceStep, ...]:
        """Every step, with its reason."""
        if self._steps is None:
            self._steps = tuple(
                entry if isinstance(entry, TraceStep) else _worked_out(entry)
                for entry in self._entries
            )
        return self._steps

    @overload
    def __getitem__(self, index: int) -> TraceStep: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[TraceStep, ...]: ...

    def __getitem__(self, index: int | slice) -> TraceStep | tuple[TraceStep, ...]:
        return self.steps[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[TraceStep]:
        return iter(self.steps)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Trace):
            return self.steps == other.steps
        if isinstance(other, tuple):
            return self.steps == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.steps)

    def __repr__(self) -> str:
        return f"Trace({self.steps!r})"


def _worked_out(pending: PendingStep) -> TraceStep:
    rule, outcome, condition, attributes = pending
    return TraceStep(rule, outcome, condition.explain(attributes) or "condition did not match")


@dataclass(frozen=True, slots=True)
class RecommendationRequest:
    """A slot that shows recommendations: which strategy, how many, and the fallbacks.

    ``filter`` is the policy's compiled condition on item fields (``Item.as_attributes()``);
    an item it rejects is never shown. ``exclude_viewed`` hides the visitor's recently viewed
    items from every strategy except those that list viewed items by design
    (``recently_viewed``, ``eyeing``, ``back_in_stock``).
    """

    strategy: str
    limit: int
    minimum: int = 1
    fallbacks: tuple[str, ...] = ()
    exclude_purchased: bool = True
    filter: Callable[[Mapping[str, Any]], bool] | None = field(default=None, compare=False)
    exclude_viewed: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of deciding one slot.

    ``template`` is the template to render into the slot, or ``None`` to keep the page's
    default. ``rule`` is the rule that matched (``None``: no rule matched). ``variant`` and
    ``bucket`` are set when the rule had weighted variants; ``experiment`` is then the key
    under which the exposure is recorded. ``cap_key`` is set when the matched rule has a
    frequency cap, so the middleware counts the impression. A visitor without an id (no
    consent, a bot) gets a rule's first variant unbucketed: ``variant`` is set, ``bucket`` and
    ``experiment`` are ``None``, so no exposure is recorded.
    """

    slot: str
    template: str | None = None
    rule: str | None = None
    variant: str | None = None
    bucket: float | None = None
    experiment: str | None = None
    recommendations: RecommendationRequest | None = None
    cap_key: str | None = None
    trace: Sequence[TraceStep] = field(default=())

    @property
    def is_default(self) -> bool:
        """True when the slot keeps the page's own content."""
        return self.template is None and self.recommendations is None

    def explain(self) -> str:
        """A one-line account: every rule tried, what failed, what matched and what shows."""
        parts: list[str] = []
        for step in self.trace:
            parts.append(str(step))
            if step.outcome == "matched" and self.variant is not None:
                bucket = f" (bucket {self.bucket:.4f})" if self.bucket is not None else ""
                parts.append(f"variant {self.variant}{bucket}")
        if self.rule is None:
            parts.append("no rule matched; " + self._fallback())
        return f"{self.slot}: " + "; ".join(parts)

    def _fallback(self) -> str:
        if self.recommendations is not None:
            return f"slot shows {self.recommendations.strategy} recommendations"
        if self.template is not None:
            return f"slot shows {self.template}"
        return "default kept"
