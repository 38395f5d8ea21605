from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from slots.choice import decide
from slots.decision import Trace, TraceStep
from slots.experiments import assign_variant
from slots.policy import Policy, load_policy

NOW = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)

POLICY = load_policy("""\
segments:
  dog_people: {profile.categories.dogs: {$gte: 3}}
  returning: {visitor.visits: {$gte: 2}}
slots:
  hero:
    rules:
      - name: rainy-day
        when: {weather.condition: {$in: [rain, drizzle, storm]}}
        show: hero/rainy.html
      - name: dog-lovers
        when: {segments: dog_people}
        show: hero/dogs.html
      - name: breakfast
        schedule: {dayparts: [morning], weekdays: [thursday]}
        cap: {max: 3, per: day}
        show: hero/breakfast.html
      - name: spring-sale
        variants: {control: keep, bold: hero/sale_bold.html}
        weights: [0.5, 0.5]
        experiment: spring-sale-2027
  cta:
    rules:
      - name: newsletter
        when: {visitor.visits: {$gte: 1}}
        cap: {max: 2}
        show: cta/newsletter.html
      - name: half
        variants: {a: cta/a.html, b: cta/b.html}
        coverage: 0.5
  ranked:
    mode: priority
    rules:
      - {name: low, priority: 1, when: {device.type: mobile}, show: low.html}
      - {name: high, priority: 5, when: {device.type: mobile}, show: high.html}
      - {name: other, priority: 5, when: {device.type: mobile}, show: other.html}
      - {name: tablet, priority: 9, when: {device.type: tablet}, show: t.html}
  recommendations:
    rules:
      - name: loyal
        when: {segments: {$all: [dog_people, returning]}}
        strategy: for_you
        show: recommendations/grid.html
    strategy: trending
    limit: 4
    show: recommendations/grid.html
""")

CLEAR = {"weather": {"condition": "clear"}}
THURSDAY_MORNING = {"time": {"daypart": "morning", "weekday": "thursday", "date": "2026-12-02"}}


def run(slot: str, attributes: Mapping[str, Any], *, visitor_id: str | None = "v-1",
        caps: Mapping[str, int] | None = None, policy: Policy = POLICY) -> Any:
    return decide(policy, slot, attributes=attributes, visitor_id=visitor_id, now=NOW, caps=caps)


def test_decide_first_matching_rule_wins_with_full_trace() -> None:
    attributes = {"weather": {"condition": "clear"}, "profile": {"categories": {"dogs": 4}}}
    decision = run("hero", attributes)
    assert (decision.rule, decision.template, decision.is_default) == (
        "dog-lovers", "hero/dogs.html", False,
    )
    assert decision.explain() == (
        "hero: rule rainy-day skipped: weather.condition is 'clear', wanted $in "
        "['rain', 'drizzle', 'storm']; rule dog-lovers matched"
    )


def test_decide_missing_signal_skips_the_rule() -> None:
    decision = run("hero", {"profile": {"categories": {"dogs": 4}}})
    assert decision.trace[0] == TraceStep(
        "rainy-day",
        "skipped",
        "weather.condition is missing, wanted $in ['rain', 'drizzle', 'storm']",
    )
    assert decision.rule == "dog-lovers"


def test_decide_schedule_and_per_day_cap() -> None:
    decision = run("hero", {**CLEAR, **THURSDAY_MORNING}, caps={"hero:breakfast:2026-12-02": 2})
    assert (decision.rule, decision.cap_key) == ("breakfast", "hero:breakfast:2026-12-02")
    capped = run("hero", {**CLEAR, **THURSDAY_MORNING}, caps={"hero:breakfast:2026-12-02": 3})
    assert capped.trace[2] == TraceStep(
        "breakfast", "capped", "shown 3 of 3 times (hero:breakfast:2026-12-02)"
    )
    assert capped.rule == "spring-sale"
    evening = run("hero", {**CLEAR, "time": {"daypart": "evening", "weekday": "thursday"}})
    assert evening.trace[2] == TraceStep(
        "breakfast", "out_of_schedule", "time.daypart is 'evening', wanted morning"
    )


def test_decide_per_visitor_cap_key_and_counts() -> None:
    assert run("cta", {"visitor": {"visits": 3}}).cap_key == "cta:newsletter"
    capped = run("cta", {"visitor": {"visits": 3}}, caps={"cta:newsletter": 2}, visitor_id="v-9")
    assert capped.trace[0].outcome == "capped"
    assert capped.rule != "newsletter"


def test_decide_buckets_variants_by_visitor() -> None:
    for visitor in ("v-1", "v-2", "v-3", "v-4", "v-5", "v-6"):
        decision = run("hero", CLEAR, visitor_id=visitor)
        expected = assign_variant(experiment_key="spring-sale-2027", visitor_id=visitor,
                                  weights=[0.5, 0.5])
        assert expected is not None
        assert decision.variant == ("control", "bold")[expected.index]
        assert decision.bucket == expected.bucket
        assert decision.experiment == "spring-sale-2027"
        assert decision.template == (None, "hero/sale_bold.html")[expected.index]
        assert decision.explain().endswith(
            f"rule spring-sale matched; variant {decision.variant} (bucket {expected.bucket:.4f})"
        )


def test_decide_without_visitor_id_shows_the_first_variant_unbucketed() -> None:
    decision = run("hero", CLEAR, visitor_id=None)
    assert (decision.rule, decision.variant, decision.bucket, decision.experiment) == (
        "spring-sale", "control", None, None,
    )
    assert decision.is_default  # control keeps the page's content
    assert decision.explain().endswith(
        "rule spring-sale matched: no visitor id, so the first variant, unbucketed; variant control"
    )


def test_decide_default_experiment_key_and_coverage() -> None:
    outcomes = {}
    for number in range(40):
        visitor = f"v-{number}"
        decision = run("cta", {}, visitor_id=visitor)
        expected = assign_variant(experiment_key="cta:half", visitor_id=visitor,
                                  weights=[0.5, 0.5], coverage=0.5)
        outcomes[expected is None] = decision
        if expected is None:
            assert decision.rule is None
            assert decision.trace[-1] == TraceStep(
                "half", "not_in_experiment", "visitor is outside the experiment's coverage 0.5"
            )
        else:
            assert (decision.experiment, decision.bucket) == ("cta:half", expected.bucket)
    assert set(outcomes) == {True, False}


def test_decide_priority_mode_reports_outranked_rules() -> None:
    decision = run("ranked", {"device": {"type": "mobile"}})
    assert decision.rule == "high"
    assert [(step.rule, step.outcome) for step in decision.trace] == [
        ("tablet", "skipped"), ("high", "matched"), ("other", "outranked"), ("low", "outranked"),
    ]
    assert decision.trace[2].reason == "same priority 5 as high, which is written first"
    assert decision.trace[3].reason == "priority 1 is below high's 5"


def test_decide_slot_level_recommendations_when_no_rule_matches() -> None:
    decision = run("recommendations", {})
    assert decision.rule is None
    assert decision.recommendations is not None
    assert decision.recommendations.strategy == "trending"
    assert decision.template == "recommendations/grid.html"
    assert decision.explain().endswith("no rule matched; slot shows trending recommendations")


def test_decide_computes_segments_when_absent_and_uses_given_ones() -> None:
    loyal = {"profile": {"categories": {"dogs": 3}}, "visitor": {"visits": 2}}
    decision = run("recommendations", loyal)
    assert decision.recommendations is not None
    assert (decision.rule, decision.recommendations.strategy) == ("loyal", "for_you")
    given = run("recommendations", {**loyal, "segments": ["returning"]})
    assert given.rule is None


class LazySegments(Mapping[str, Any]):
    """Like the middleware's lazy attributes: segments are recomputed at every read."""

    def __init__(self) -> None:
        self.segment_reads = 0

    def __getitem__(self, key: str) -> Any:
        if key == "segments":
            self.segment_reads += 1
            return ["dog_people"]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_decide_reads_lazy_segments_once() -> None:
    policy = load_policy("""\
segments:
  dog_people: {profile.categories.dogs: {$gte: 3}}
  cat_people: {profile.categories.cats: {$gte: 3}}
slots:
  hero:
    rules:
      - {name: a, when: {segments: {$in: [cat_people]}}, show: a.html}
      - {name: b, when: {segments: {$nin: [dog_people]}}, show: b.html}
      - {name: c, when: {segments: dog_people}, show: c.html}
""")
    attributes = LazySegments()
    assert run("hero", attributes, policy=policy).rule == "c"
    assert attributes.segment_reads == 1


def test_decide_unknown_slot_keeps_the_default() -> None:
    decision = run("nope", CLEAR)
    assert decision.is_default and decision.rule is None and decision.trace == ()
    assert decision.explain() == "nope: no rule matched; default kept"


def test_decide_trace_reasons_are_worked_out_when_read() -> None:
    decision = run("hero", CLEAR)
    assert isinstance(decision.trace, Trace)
    assert len(decision.trace) == 4
    assert decision.trace == decision.trace.steps
    assert decision.trace[1] == TraceStep(
        "dog-lovers", "skipped", "segments is [], wanted $in ['dog_people']"
    )
