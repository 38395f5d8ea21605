"""What deciding a slot costs: a realistic policy (10 slots, ~30 rules) and a 20-rule slot.

    python benchmarks/decisions.py [--repeat 5] [--number 20000]

Each figure is the best of ``--repeat`` passes, in microseconds per call. "decide" builds the
Decision with its trace pending; "+ explain" also works out every skipped rule's reason and
the one-line account (what persona preview does, not the hot path). The reference row is one
compiled condition called directly, measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slots.choice import decide  # noqa: E402
from slots.conditions import compile_condition  # noqa: E402
from slots.decision import Decision  # noqa: E402
from slots.policy import Policy, load_policy  # noqa: E402

NOW = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)

POLICY = """\
groups:
  staff: [v-1, v-2, v-3]
segments:
  dog_people: {profile.categories.dogs: {$gte: 3}}
  cat_people: {profile.categories.cats: {$gte: 3}}
  returning: {visitor.visits: {$gte: 2}}
  loyal_dog_people: {$and: [{segments: dog_people}, {segments: returning}]}
  big_spender: {profile.purchased: {$size: {$gte: 3}}}
slots:
  hero:
    rules:
      - {name: staff, when: {visitor.id: {$inGroup: staff}}, show: hero/staff.html}
      - name: rainy-day
        when: {weather.condition: {$in: [rain, drizzle, storm]}}
        show: hero/rainy.html
      - {name: dog-lovers, when: {segments: loyal_dog_people}, show: hero/dogs.html}
      - name: breakfast
        when: {device.type: mobile}
        schedule: {dayparts: [morning], weekdays: [monday, tuesday, wednesday, thursday]}
        cap: {max: 3, per: day}
        show: hero/breakfast.html
      - name: spring-sale
        variants: {control: keep, bold: hero/sale_bold.html}
        weights: [0.5, 0.5]
  banner:
    rules:
      - {name: europe, when: {geo.continent: EU, geo.in_eu: true}, show: banner/eu.html}
      - {name: cold, when: {weather.temp_c: {$lt: 5}}, show: banner/cold.html}
      - {name: night, when: {time.daypart: night}, show: banner/night.html}
  cta:
    rules:
      - {name: first-order, when: {visitor.is_new: true}, show: cta/first.html}
      - name: newsletter
        when: {visitor.visits: {$gte: 3}, visit.utm_medium: {$ne: email}}
        cap: {max: 2}
        show: cta/newsletter.html
      - {name: free-delivery, when: {geo.country: {$in: [DE, FR, NL, BE]}}, show: cta/free.html}
  promo:
    mode: priority
    rules:
      - {name: cats, priority: 3, when: {segments: cat_people}, show: promo/cats.html}
      - {name: dogs, priority: 5, when: {segments: dog_people}, show: promo/dogs.html}
      - {name: spenders, priority: 8, when: {segments: big_spender}, show: promo/vip.html}
  footer:
    rules:
      - {name: campaign, when: {visit.utm_campaign: {$regex: "^spring"}}, show: footer/spring.html}
      - {name: android, when: {device.os: Android}, show: footer/android.html}
  sidebar:
    rules:
      - {name: tablet, when: {device.type: tablet}, show: sidebar/tablet.html}
      - {name: weekend, when: {time.is_weekend: true}, show: sidebar/weekend.html}
      - {name: language, when: {visit.language: {$in: [de, fr]}}, show: sidebar/local.html}
  search:
    rules:
      - {name: search-dogs, when: {page.query.q: {$regex: "(?i)dog"}}, show: search/dogs.html}
      - {name: returning, when: {segments: returning}, show: search/returning.html}
  checkout:
    rules:
      - {name: eu-vat, when: {geo.in_eu: true}, show: checkout/vat.html}
      - {name: desktop, when: {device.type: desktop, visitor.visits: {$gt: 5}}, show: keep}
  recommendations:
    rules:
      - {name: loyal, when: {segments: loyal_dog_people}, strategy: for_you, show: recs/grid.html}
      - {name: eyeing, when: {profile.page_views: {$gte: 10}}, strategy: eyeing,
         show: recs/grid.html}
    strategy: also_bought
    fallbacks: [trending]
    limit: 4
    show: recs/grid.html
  also:
    rules:
      - {name: viewed, when: {profile.viewed: {$size: {$gte: 2}}}, strategy: also_viewed,
         show: recs/list.html}
    strategy: trending
    show: recs/list.html
"""

LONG = "slots:\n  long:\n    rules:\n" + "".join(
    f"      - {{name: r{index}, when: {{geo.country: C{index}, device.type: mobile}}, "
    f"show: t{index}.html}}\n"
    for index in range(20)
)

ATTRIBUTES: dict[str, Any] = {
    "device": {"type": "mobile", "os": "iOS", "is_touch": True},
    "geo": {"country": "C19", "continent": "NA", "in_eu": False},
    "time": {"daypart": "evening", "weekday": "thursday", "is_weekend": False, "hour": 19,
             "minute": 5, "date": "2026-12-03"},
    "weather": {"condition": "clear", "temp_c": 12.5},
    "visit": {"utm_campaign": "winter", "language": "en"},
    "visitor": {"id": "v-8812", "visits": 4, "is_new": False},
    "profile": {"categories": {"dogs": 1}, "viewed": ["a", "b", "c"], "purchased": [],
                "page_views": 7},
    "page": {"path": "/", "query": {}},
}


def best(call: Callable[[], object], *, number: int, repeat: int) -> float:
    """The best pass, in microseconds per call."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            call()
        timings.append((time.perf_counter() - start) / number * 1e6)
    return min(timings)


def decide_all(policy: Policy, *, explain: bool) -> Callable[[], object]:
    names = list(policy.slots)

    def run() -> None:
        for name in names:
            decision = decide(policy, name, attributes=ATTRIBUTES, visitor_id="v-8812", now=NOW)
            if explain:
                decision.explain()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    number, repeat = args.number, args.repeat

    started = time.perf_counter()
    policy = load_policy(POLICY)
    loaded = (time.perf_counter() - started) * 1e6
    long = load_policy(LONG)
    slots, rules = len(policy.slots), sum(len(slot.rules) for slot in policy.slots.values())
    print(f"policy: {slots} slots, {rules} rules, {len(policy.segments)} segments "
          f"(loaded in {loaded:,.0f} µs, cold)")
    per_page = best(decide_all(policy, explain=False), number=number // 10, repeat=repeat)
    explained = best(decide_all(policy, explain=True), number=number // 10, repeat=repeat)
    print(f"  decide every slot:            {per_page:7.2f} µs per page, "
          f"{per_page / slots:5.2f} µs per slot")
    print(f"  decide every slot + explain:  {explained:7.2f} µs per page, "
          f"{explained / slots:5.2f} µs per slot")

    def long_decide() -> Decision:
        return decide(long, "long", attributes=ATTRIBUTES, visitor_id="v-8812", now=NOW)

    def long_explain() -> str:
        return long_decide().explain()

    if long_decide().rule != "r19":
        raise SystemExit("the 20-rule slot should match its last rule")
    condition = compile_condition({"geo.country": "C0", "device.type": "mobile"})
    print("20 rules, the last one matches:")
    plain = best(long_decide, number=number, repeat=repeat)
    print(f"  decide:                       {plain:7.2f} µs")
    explained = best(long_explain, number=number, repeat=repeat)
    print(f"  decide + explain:             {explained:7.2f} µs")
    single = best(lambda: condition(ATTRIBUTES), number=number * 5, repeat=repeat)
    print(f"  reference: one condition x20: {single * 20:7.2f} µs ({single:.3f} µs each)")


if __name__ == "__main__":
    main()
