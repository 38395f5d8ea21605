"""Tests of recommendation fragments reused with the recommendation they were rendered from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from jinja2 import DictLoader, UndefinedError

from middleware.fragments import RecommendationFragments
from slots.catalog import Item
from slots.decision import Decision, RecommendationRequest
from slots.recommend import Recommendation, Strategy
from slots.render import SlotRenderer

TEMPLATES = {
    "grid.html": "{{ strategy }}:{% for item in items %} {{ item.name }}{% endfor %} in {{ slot }}",
    "with_default.html": "{{ items | length }} then {{ default }}",
    "broken.html": "{{ items[0].missing.deeper }}",
}
ASK = RecommendationRequest(strategy="trending", limit=4)


def fragments() -> RecommendationFragments:
    return RecommendationFragments(SlotRenderer(DictLoader(TEMPLATES)))


def decision(template: str, slot: str = "recs") -> Decision:
    return Decision(slot=slot, template=template, rule="r", recommendations=ASK)


def recommendation(*names: str) -> Recommendation:
    items = tuple(Item(id=name, name=name.title(), url=f"/{name}") for name in names)
    trending: Strategy = "trending"
    sources = (trending,) * len(items)
    return Recommendation(items=items, sources=sources)


class Variables:
    """The variables factory the personalization passes, counting its calls."""

    def __init__(self, **fixed: Any) -> None:
        self.fixed = fixed
        self.calls = 0

    def __call__(self, extra: Mapping[str, Any]) -> Mapping[str, Any]:
        self.calls += 1
        return {**self.fixed, "slot": "recs", **extra}


def test_fragments_reuse_the_fragment_of_the_same_recommendation() -> None:
    kept, variables = fragments(), Variables()
    shown = recommendation("a", "b")
    first = kept.render(decision("grid.html"), shown, variables=variables)
    again = kept.render(decision("grid.html"), shown, variables=variables)
    assert first == again == "trending: A B in recs" and variables.calls == 1


def test_fragments_render_another_recommendation_or_decision_afresh() -> None:
    kept, variables = fragments(), Variables()
    shown = recommendation("a")
    outputs = [
        kept.render(decision("grid.html"), shown, variables=variables),
        kept.render(decision("grid.html"), recommendation("b"), variables=variables),
        kept.render(decision("grid.html", slot="other"), shown, variables=variables),
    ]
    assert outputs == ["trending: A in recs", "trending: B in recs", "trending: A in recs"]
    assert variables.calls == 3


def test_fragments_render_every_time_a_template_that_reads_more_than_the_items() -> None:
    kept = fragments()
    shown = recommendation("a")
    outputs = [
        kept.render(decision("with_default.html"), shown, variables=Variables(default=text))
        for text in ("first", "second")
    ]
    assert outputs == ["1 then first", "1 then second"]


def test_fragments_let_a_rendering_error_through() -> None:
    with pytest.raises(UndefinedError):
        fragments().render(decision("broken.html"), recommendation("a"), variables=Variables())
