from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from slots.errors import PolicyErrors
from slots.segments import (
    SegmentRefs,
    WithSegments,
    load_segments,
    matching_segments,
    needed_segments,
)
from slots.yamlsource import Diagnostics, load_yaml


def segments_of(text: str) -> dict[str, Any]:
    document = load_yaml(text, filename="p.yaml")
    diag = Diagnostics(document)
    segments = load_segments(diag, document.data["segments"], groups={})
    diag.raise_if_any()
    return segments


SEGMENTS = """\
segments:
  loyal_dogs: {$and: [{segments: dogs}, {segments: regular}]}
  dogs: {profile.categories.dogs: {$gte: 3}}
  regular: {visitor.visits: {$gte: 2}}
  rainy: {weather.condition: rain}
  not_rainy_dogs: {segments: {$all: [dogs]}, $nor: [{segments: rainy}]}
"""


def test_load_segments_orders_dependencies_first() -> None:
    segments = segments_of(SEGMENTS)
    assert list(segments) == ["dogs", "regular", "loyal_dogs", "rainy", "not_rainy_dogs"]
    assert segments["loyal_dogs"].refs == SegmentRefs(("dogs", "regular"))
    assert segments["loyal_dogs"].namespaces == {"segments", "profile", "visitor"}
    assert segments["not_rainy_dogs"].namespaces == {"segments", "profile", "weather"}


def test_matching_segments_uses_earlier_results() -> None:
    segments = segments_of(SEGMENTS)
    dog_lover = {"profile": {"categories": {"dogs": 5}}, "visitor": {"visits": 4}}
    assert matching_segments(segments, dog_lover) == (
        "dogs", "regular", "loyal_dogs", "not_rainy_dogs",
    )
    wet = {**dog_lover, "weather": {"condition": "rain"}}
    assert matching_segments(segments, wet) == ("dogs", "regular", "loyal_dogs", "rainy")


def test_matching_segments_only_evaluates_the_named_ones() -> None:
    segments = segments_of(SEGMENTS)
    dog_lover = {"profile": {"categories": {"dogs": 5}}, "visitor": {"visits": 4}}
    assert matching_segments(segments, dog_lover, only={"dogs", "rainy"}) == ("dogs",)


def test_needed_segments_follows_dependencies() -> None:
    segments = segments_of(SEGMENTS)
    needed, namespaces = needed_segments(segments, SegmentRefs(("loyal_dogs",)))
    assert needed == frozenset({"loyal_dogs", "dogs", "regular"})
    assert namespaces == {"segments", "profile", "visitor"}
    assert needed_segments(segments, SegmentRefs((), reads_all=True))[0] is None


def test_load_segments_reports_cycles_once_each() -> None:
    with pytest.raises(PolicyErrors) as raised:
        segments_of("""\
segments:
  a: {segments: b}
  b: {segments: a}
  c: {segments: c}
  d: {segments: a}
""")
    assert [error.message for error in raised.value.errors] == [
        "segment cycle: a -> b -> a",
        "segment cycle: c -> c",
    ]


def test_load_segments_rejects_whole_list_tests() -> None:
    with pytest.raises(PolicyErrors, match="segment 'many' must name the segments it builds on"):
        segments_of("segments:\n  many: {segments: {$size: 2}}\n")


class CountingAttributes(Mapping[str, Any]):
    """A lazily filled mapping that records which namespaces were read."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._data = values
        self.reads: list[str] = []

    def __getitem__(self, key: str) -> Any:
        self.reads.append(key)
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("must not be iterated: that would compute every namespace")

    def __len__(self) -> int:
        raise AssertionError("must not be sized")


def test_with_segments_keeps_a_lazy_mapping_lazy() -> None:
    attributes = CountingAttributes({"geo": {"country": "DE"}})
    view = WithSegments(attributes, ["dogs"])
    assert view["segments"] == ["dogs"]
    assert view.get("segments") == ["dogs"]
    assert view.get("geo") == {"country": "DE"}
    assert view.get("weather") is None
    assert attributes.reads == ["geo", "weather"]
    assert "segments" in view
