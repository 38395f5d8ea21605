"""What the core decided for one slot, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Decision", "RecommendationRequest", "TraceStep"]

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


@dataclass(frozen=True, slots=True)
class RecommendationRequest:
    """A slot that shows recommendations: which strategy, how many, and the fallbacks."""

    strategy: str
    limit: int
    minimum: int = 1
    fallbacks: tuple[str, ...] = ()
    exclude_purchased: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of deciding one slot.

    ``template`` is the template to render into the slot, or ``None`` to keep the page's
    default. ``rule`` is the rule that matched (``None``: no rule matched). ``variant`` and
    ``bucket`` are set when the rule had weighted variants; ``experiment`` is then the key
    under which the exposure is recorded. ``cap_key`` is set when the matched rule has a
    frequency cap, so the middleware counts the impression.
    """

    slot: str
    template: str | None = None
    rule: str | None = None
    variant: str | None = None
    bucket: float | None = None
    experiment: str | None = None
    recommendations: RecommendationRequest | None = None
    cap_key: str | None = None
    trace: tuple[TraceStep, ...] = field(default=())

    @property
    def is_default(self) -> bool:
        """True when the slot keeps the page's own content."""
        return self.template is None and self.recommendations is None

    def explain(self) -> str:
        """A one-line account: every rule tried, what failed, what matched."""
        parts = [str(step) for step in self.trace]
        if self.variant is not None:
            bucket = f" (bucket {self.bucket:.4f})" if self.bucket is not None else ""
            parts.append(f"variant {self.variant}{bucket}")
        if self.rule is None:
            parts.append("no rule matched; default kept")
        return f"{self.slot}: " + "; ".join(parts)
