"""Tests of the decision memo: the same decisions as the core, reused for the same values."""

from __future__ import annotations

import gc
import itertools
import weakref
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from middleware.decisions import DecisionMemo
from slots.choice import decide
from slots.decision import TraceStep
from slots.policy import Policy, load_policy

NOW = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)

POLICY = load_policy("""\
segments:
  dog_people: {profile.categories.dogs: {$gte: 3}}
  europe: {geo.country: {$in: [FR, DE]}}
  french_speaking: {$and: [{segments: europe}, {profile.traits.langs.0: fr}]}
slots:
  hero:
    rules:
      - {name: rainy, when: {weather.condition: rain}, show: hero/rainy.html}
      - {name: dogs, when: {segments: dog_people}, show: hero/dogs.html}
      - {name: french, when: {segments: french_speaking}, show: hero/fr.html}
      - {name: flagged, when: {profile.traits.flag: {$type: boolean}}, show: hero/flag.html}
      - {name: bilingual, when: {visit.languages: {$size: 2}}, show: hero/two.html}
      - {name: phones, when: {device.type: mobile}, show: hero/mobile.html}
  cta:
    rules:
      - {name: back, when: {visitor.visits: {$gte: 2}}, show: cta/back.html}
      - name: offer
        variants: {a: cta/a.html, b: cta/b.html, c: keep}
        weights: [0.3, 0.3, 0.4]
  ranked:
    mode: priority
    rules:
      - {name: low, priority: 1, when: {device.type: mobile}, show: low.html}
      - {name: high, priority: 5, when: {device.type: mobile}, show: high.html}
  capped:
    rules:
      - {name: twice, cap: {max: 2}, show: cta/twice.html}
""")


def contexts() -> Iterator[dict[str, Any]]:
    """Attribute sets that between them reach every rule above, in many combinations."""
    for weather, dogs, country, languages, spoken, flag, device, visits in itertools.product(
        ("rain", None),
        (5, 1, None),
        ("FR", "GB"),
        (["fr", "en"], ["en", "fr"], []),
        (["fr", "en"], ["en"]),
        (True, 1, 1.0, None),
        ("mobile", "desktop"),
        (1, 3),
    ):
        traits = {"langs": languages} | ({"flag": flag} if flag is not None else {})
        yield {
            "weather": {"condition": weather} if weather else {},
            "profile": {"categories": {"dogs": dogs} if dogs else {}, "traits": traits},
            "geo": {"country": country},
            "visit": {"languages": spoken},
            "visitor": {"visits": visits},
            "device": {"type": device},
        }


def test_decision_memo_decides_like_the_core_in_every_context() -> None:
    memo = DecisionMemo()
    for _ in range(2):  # the second pass is answered from memory
        for index, attributes in enumerate(contexts()):
            visitor = f"visitor-{index % 7}"
            for slot in ("hero", "cta", "ranked", "capped"):
                expected = decide(POLICY, slot, attributes=attributes, visitor_id=visitor, now=NOW)
                got = memo.decide(
                    POLICY, slot, attributes=attributes, visitor_id=visitor, now=NOW, caps=None
                )
                assert got == expected, (slot, attributes, visitor)


def test_decision_memo_reuses_the_decision_for_the_same_values() -> None:
    memo = DecisionMemo()

    def hero(country: str) -> Any:
        attributes = {"geo": {"country": country}, "device": {"type": "mobile"}}
        return memo.decide(
            POLICY, "hero", attributes=attributes, visitor_id="v", now=NOW, caps=None
        )

    hero("FR")
    remembered = hero("FR")
    assert hero("FR") is remembered and remembered.rule == "phones"
    assert hero("GB") is not remembered


def test_decision_memo_tells_apart_values_python_finds_equal() -> None:
    memo = DecisionMemo()
    rules = []
    for flag in (1, True, 1.0, True, 1):
        attributes = {"profile": {"traits": {"flag": flag}}, "device": {"type": "desktop"}}
        decision = memo.decide(
            POLICY, "hero", attributes=attributes, visitor_id=None, now=NOW, caps=None
        )
        rules.append(decision.rule)
    assert rules == [None, "flagged", None, "flagged", None]


def test_decision_memo_buckets_each_visitor_into_their_own_variant() -> None:
    memo = DecisionMemo()
    attributes = {"visitor": {"visits": 1}}
    for visitor in [f"v{n}" for n in range(40)] * 2 + [None]:
        expected = decide(POLICY, "cta", attributes=attributes, visitor_id=visitor, now=NOW)
        got = memo.decide(
            POLICY, "cta", attributes=attributes, visitor_id=visitor, now=NOW, caps=None
        )
        assert (got.variant, got.bucket) == (expected.variant, expected.bucket)


def test_decision_memo_decides_a_capped_slot_every_time() -> None:
    memo = DecisionMemo()
    outcomes = [
        memo.decide(POLICY, "capped", attributes={}, visitor_id="v", now=NOW, caps=caps).rule
        for caps in (None, {"capped:twice": 2}, None)
    ]
    assert outcomes == ["twice", None, "twice"]


def test_decision_memo_starts_afresh_when_the_policy_changes() -> None:
    memo = DecisionMemo()
    attributes = {"device": {"type": "mobile"}}
    first = memo.decide(POLICY, "hero", attributes=attributes, visitor_id=None, now=NOW, caps=None)
    other: Policy = load_policy("slots:\n  hero:\n    rules:\n      - {name: all, show: x.html}\n")
    second = memo.decide(other, "hero", attributes=attributes, visitor_id=None, now=NOW, caps=None)
    assert (first.rule, second.rule) == ("phones", "all")


class Attributes(Mapping[str, Any]):
    """A request's attributes as an object that can be weakly referenced."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def test_decision_memo_keeps_explained_traces_and_not_the_request() -> None:
    memo = DecisionMemo()
    attributes = Attributes({"weather": {"condition": "sun"}, "device": {"type": "mobile"}})
    seen = weakref.ref(attributes)
    memo.decide(POLICY, "hero", attributes=attributes, visitor_id=None, now=NOW, caps=None)
    remembered = memo.decide(
        POLICY, "hero", attributes=attributes, visitor_id=None, now=NOW, caps=None
    )
    del attributes
    gc.collect()
    assert seen() is None
    assert remembered.trace[0] == TraceStep(
        "rainy", "skipped", "weather.condition is 'sun', wanted 'rain'"
    )


def test_decision_memo_decides_every_time_when_a_value_is_unhashable() -> None:
    memo = DecisionMemo()
    outcomes = []
    for languages in ({"fr"}, {"en"}):  # a set: not a list, not hashable
        attributes = {"geo": {"country": "FR"}, "profile": {"traits": {"langs": languages}}}
        decision = memo.decide(
            POLICY, "hero", attributes=attributes, visitor_id=None, now=NOW, caps=None
        )
        expected = decide(POLICY, "hero", attributes=attributes, visitor_id=None, now=NOW)
        outcomes.append(decision == expected)
    assert outcomes == [True, True]
