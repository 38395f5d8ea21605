from __future__ import annotations

from pathlib import Path

import pytest

from slots.errors import PolicyError, PolicyErrors
from slots.policy import Policy, load_policy

CASES = Path(__file__).parent / "cases" / "policy_errors"
KNOWN_TEMPLATES = frozenset({
    "hero/rainy.html",
    "hero/dogs.html",
    "hero/sale_bold.html",
    "hero/broken.html",
    "recommendations/grid.html",
})

POLICY = """\
groups:
  staff: [v-1, v-2]
segments:
  dog_people: {profile.categories.dogs: {$gte: 3}}
  returning: {visitor.visits: {$gte: 2}}
  loyal_dog_people: {$and: [{segments: dog_people}, {segments: returning}]}
  rainy: {weather.condition: {$in: [rain, drizzle]}}
slots:
  hero:
    rules:
      - name: rainy-day
        when: {weather.condition: {$in: [rain, drizzle, storm]}}
        show: hero/rainy.html
      - name: dog-lovers
        when: {segments: loyal_dog_people}
        show: hero/dogs.html
      - name: spring-sale
        variants: {control: keep, bold: hero/sale_bold.html}
        weights: [0.5, 0.5]
  banner:
    rules:
      - name: breakfast
        when: {device.type: mobile}
        schedule: {dayparts: [morning]}
        show: hero/rainy.html
  recommendations:
    strategy: also_bought
    fallbacks: [trending]
    limit: 4
    minimum: 2
    filter: {price: {$lt: 100}}
    show: recommendations/grid.html
"""


def check_template(name: str) -> str | None:
    if name == "hero/broken.html":
        return "template 'hero/broken.html' does not compile (line 3): unexpected '}'"
    return None


def load(text: str = POLICY) -> Policy:
    return load_policy(text, template_exists=KNOWN_TEMPLATES.__contains__,
                       check_template=check_template)


@pytest.mark.parametrize("case", sorted(CASES.glob("*.yaml")), ids=lambda path: path.stem)
def test_load_policy_error_golden(case: Path) -> None:
    with pytest.raises(PolicyErrors) as raised:
        load(case.read_text())
    assert str(raised.value) + "\n" == case.with_suffix(".txt").read_text()


def test_load_policy_reads_slots_rules_and_recommendations() -> None:
    policy = load()
    assert list(policy.slots) == ["hero", "banner", "recommendations"]
    hero = policy.slots["hero"]
    assert [rule.name for rule in hero.rules] == ["rainy-day", "dog-lovers", "spring-sale"]
    sale = hero.rules[2]
    assert [(v.name, v.template) for v in sale.variants] == [
        ("control", None), ("bold", "hero/sale_bold.html"),
    ]
    assert sale.weights == (0.5, 0.5)
    request = policy.slots["recommendations"].recommendations
    assert request is not None
    assert (request.strategy, request.fallbacks, request.limit, request.minimum) == (
        "also_bought", ("trending",), 4, 2,
    )
    assert request.filter is not None
    assert request.filter({"price": 20}) and not request.filter({"price": 120})
    assert policy.slots["recommendations"].template == "recommendations/grid.html"
    assert policy.groups["staff"] == ("v-1", "v-2")


def test_load_policy_defaults_equal_weights() -> None:
    policy = load("""\
slots:
  hero:
    rules:
      - {name: sale, variants: {a: keep, b: hero/dogs.html, c: hero/rainy.html}}
""")
    assert policy.slots["hero"].rules[0].weights == pytest.approx((1 / 3, 1 / 3, 1 / 3))


def test_policy_namespaces_include_segments_transitively() -> None:
    policy = load()
    assert policy.namespaces(["hero"]) == {"weather", "segments", "profile", "visitor"}
    assert policy.namespaces(["recommendations"]) == frozenset()
    assert policy.namespaces(["nope"]) == frozenset()
    # `rainy` is not used by hero, so hero needs only the segments it names and their bases.
    needed = frozenset({"loyal_dog_people", "dog_people", "returning"})
    assert policy.slots["hero"].segments == needed


def test_policy_namespaces_include_time_for_local_schedules() -> None:
    assert load().namespaces(["banner"]) == {"device", "time"}


def test_policy_namespaces_for_per_day_caps_and_absolute_schedules() -> None:
    policy = load("""\
slots:
  a:
    rules: [{name: r, cap: {max: 1, per: day}, show: hero/dogs.html}]
  b:
    rules: [{name: r, schedule: {start: 2026-12-01T00:00:00Z}, show: hero/dogs.html}]
""")
    # A cap counts impressions in the profile; a per-day cap also needs the local date.
    assert policy.namespaces(["a"]) == {"time", "profile"}
    assert policy.namespaces(["b"]) == frozenset()


def test_policy_whole_list_segment_test_needs_every_segment() -> None:
    policy = load("""\
segments:
  rainy: {weather.condition: rain}
  dogs: {profile.categories.dogs: {$gte: 1}}
slots:
  hero:
    rules: [{name: many, when: {segments: {$size: {$gte: 2}}}, show: hero/dogs.html}]
""")
    assert policy.slots["hero"].segments is None
    assert policy.namespaces(["hero"]) == {"segments", "weather", "profile"}


def test_policy_matching_segments_builds_on_other_segments() -> None:
    policy = load()
    attributes = {"profile": {"categories": {"dogs": 4}}, "visitor": {"visits": 2}}
    assert policy.matching_segments(attributes) == ("dog_people", "returning", "loyal_dog_people")
    assert policy.matching_segments({"visitor": {"visits": 9}}) == ("returning",)


def test_load_policy_orders_segments_by_dependency() -> None:
    policy = load("""\
segments:
  loyal: {$and: [{segments: dogs}, {visitor.visits: {$gte: 2}}]}
  dogs: {profile.categories.dogs: {$gte: 3}}
""")
    assert list(policy.segments) == ["dogs", "loyal"]
    attributes = {"profile": {"categories": {"dogs": 3}}, "visitor": {"visits": 2}}
    assert policy.matching_segments(attributes) == ("dogs", "loyal")


def test_load_policy_priority_mode_sorts_rules_stably() -> None:
    policy = load("""\
slots:
  hero:
    mode: priority
    rules:
      - {name: low, priority: 1, when: {device.type: mobile}, show: hero/dogs.html}
      - {name: high, priority: 9, when: {device.type: mobile}, show: hero/dogs.html}
      - {name: tie, priority: 1, when: {device.type: tablet}, show: hero/dogs.html}
      - {name: unset, when: {device.type: tablet}, show: hero/dogs.html}
""")
    assert [rule.name for rule in policy.slots["hero"].rules] == ["high", "low", "tie", "unset"]


def test_load_policy_reports_every_problem_in_source_order() -> None:
    with pytest.raises(PolicyErrors) as raised:
        load("""\
slots:
  b:
    rules: [{name: x, when: {device.tipe: mobile}, show: hero/nope.html}]
  a:
    rules: [{name: y, when: {geo.country: {$in: DE}}, show: hero/dogs.html}]
""")
    errors = raised.value.errors
    assert [(e.location.line, e.location.column) for e in errors if e.location] == [
        (3, 30), (3, 58), (5, 49),
    ]
    assert [e.message.split(" ")[0:2] for e in errors] == [
        ["unknown", "attribute"], ["template", "'hero/nope.html'"], ["$in", "needs"],
    ]


def test_load_policy_checks_each_template_once() -> None:
    seen: list[str] = []

    def exists(name: str) -> bool:
        seen.append(name)
        return True

    load_policy(
        """\
slots:
  a: {rules: [{name: x, when: {device.type: mobile}, show: hero/dogs.html}]}
  b: {rules: [{name: y, when: {device.type: tablet}, show: hero/dogs.html}], show: keep}
""",
        template_exists=exists,
    )
    assert seen == ["hero/dogs.html"]


def test_load_policy_keep_means_the_page_default() -> None:
    policy = load("slots:\n  hero:\n    rules: [{name: q, when: {device.type: bot}, show: keep}]\n")
    assert policy.slots["hero"].rules[0].template is None


def test_load_policy_allows_an_empty_file_and_empty_slots() -> None:
    assert load("").slots == {}
    policy = load("slots:\n  hero:\n  cta: {}\n")
    assert set(policy.slots) == {"hero", "cta"}
    assert policy.slots["hero"].rules == ()


def test_load_policy_error_is_picklable_and_has_location() -> None:
    import pickle

    with pytest.raises(PolicyErrors) as raised:
        load("slots:\n  hero:\n    moed: first\n")
    error = pickle.loads(pickle.dumps(raised.value))
    assert isinstance(error, PolicyError)
    assert str(error) == str(raised.value)
    assert error.location is not None and error.location.line == 3


def test_load_policy_uses_the_filename_in_diagnostics() -> None:
    with pytest.raises(PolicyErrors) as raised:
        load_policy("slots: [", filename="site/policy.yaml")
    assert str(raised.value).startswith("site/policy.yaml:1:")


def test_load_policy_custom_dayparts() -> None:
    text = "slots:\n  a:\n    rules: [{name: r, schedule: {dayparts: [lunch]}, show: keep}]\n"
    policy = load_policy(text, daypart_names=["lunch", "rest"])
    schedule = policy.slots["a"].rules[0].schedule
    assert schedule is not None and schedule.dayparts == ("lunch",)
    with pytest.raises(PolicyErrors):
        load_policy(text)


def test_load_policy_rule_recommendations_under_a_condition() -> None:
    policy = load("""\
slots:
  recs:
    rules:
      - name: shoppers
        when: {visitor.visits: {$gte: 3}}
        strategy: for_you
        limit: 6
        show: recommendations/grid.html
""")
    rule = policy.slots["recs"].rules[0]
    assert rule.recommendations is not None
    assert (rule.recommendations.strategy, rule.recommendations.limit) == ("for_you", 6)
    assert rule.template == "recommendations/grid.html"


def test_load_policy_merge_keys_are_not_duplicates() -> None:
    policy = load("""\
slots:
  hero:
    rules:
      - &rainy {name: rainy-day, when: {weather.condition: rain}, show: hero/rainy.html}
      - <<: *rainy
        name: snowy-day
        when: {weather.condition: snow}
""")
    assert [rule.name for rule in policy.slots["hero"].rules] == ["rainy-day", "snowy-day"]


def test_load_policy_reads_exclude_viewed_off_by_default() -> None:
    policy = load("""\
slots:
  recs:
    rules:
      - name: for-you
        when: {visitor.visits: {$gte: 2}}
        strategy: for_you
        exclude_viewed: true
        show: recommendations/grid.html
    strategy: trending
    show: recommendations/grid.html
""")
    rule = policy.slots["recs"].rules[0].recommendations
    fallback = policy.slots["recs"].recommendations
    assert rule is not None and rule.exclude_viewed is True
    assert fallback is not None and fallback.exclude_viewed is False


def test_load_policy_allows_exclude_viewed_when_a_fallback_heeds_it() -> None:
    policy = load("""\
slots:
  recs:
    strategy: recently_viewed
    fallbacks: [trending]
    exclude_viewed: true
    show: recommendations/grid.html
""")
    request = policy.slots["recs"].recommendations
    assert request is not None and request.exclude_viewed
