"""Rendered recommendation fragments, reused while the recommender keeps their recommendation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from slots.decision import Decision
from slots.recommend import Recommendation
from slots.render import SlotRenderer

__all__ = ["RecommendationFragments", "recommendation_variables"]

#: What a recommendation fragment may read and still be reused: the items, the strategy
#: and the decision's own names, all fixed by the recommendation and the decision.
_REUSABLE_READS: Final = frozenset({"items", "strategy", "slot", "rule", "variant"})


def recommendation_variables(recommendation: Recommendation) -> dict[str, Any]:
    """``items`` (each as ``Item.as_attributes()``) and ``strategy``, for the template."""
    return {
        "items": [item.as_attributes() for item in recommendation.items],
        "strategy": recommendation.strategy,
    }


class RecommendationFragments:
    """Renders recommendation slots, remembering each fragment with its recommendation.

    The recommender hands out the same :class:`Recommendation` object while its snapshot
    keeps it, so a fragment is kept under that object's identity (the entry holds the object,
    so the identity is not reused meanwhile): no key is built from the items, which costs
    more than rendering from memory. Only templates that read nothing but ``items``,
    ``strategy``, ``slot``, ``rule`` and ``variant`` are kept; the others render through the
    renderer as usual. At most ``maxsize`` fragments are kept (all dropped when full).
    """

    def __init__(self, renderer: SlotRenderer, *, maxsize: int = 1024) -> None:
        self._renderer = renderer
        self._maxsize = maxsize
        self._entries: dict[tuple[str, int, Any], tuple[Recommendation, str]] = {}

    def render(
        self,
        decision: Decision,
        recommendation: Recommendation,
        *,
        variables: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    ) -> str:
        """Render ``decision.template`` with ``variables(recommendation_variables(...))``;
        rendering errors propagate, as from :meth:`SlotRenderer.render`."""
        template = decision.template
        if template is None:
            raise ValueError(f"slot {decision.slot!r}: the decision shows no template")
        renderer = self._renderer
        if not renderer.variables_read(template) <= _REUSABLE_READS:
            return renderer.render(template, variables(recommendation_variables(recommendation)))
        key = (template, id(recommendation), (decision.slot, decision.rule, decision.variant))
        entry = self._entries.get(key)
        if entry is not None and entry[0] is recommendation:
            return entry[1]
        html = renderer.render(template, variables(recommendation_variables(recommendation)))
        if len(self._entries) >= self._maxsize:
            self._entries.clear()
        self._entries[key] = (recommendation, html)
        return html
