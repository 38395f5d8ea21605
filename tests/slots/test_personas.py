"""Personas files (slots/personas.py): loading with compiler-style diagnostics.

The model itself, slots/persona.py, is tested in test_persona.py."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from slots import persona, personas
from slots.errors import PolicyErrors
from slots.personas import Consent, History, LocalInstant, Persona, RequestSignals, load_personas

ROOT = Path(__file__).resolve().parents[2]

FULL = """\
pages: [/, /c/dogs]
personas:
  rainy-commuter:
    description: A phone user in London on a wet morning.
    user_agent: Mozilla/5.0 (iPhone)
    ip: 192.0.2.10
    at: 2026-03-12 8:10 Europe/London
    device: {type: mobile, is_touch: true}
    geo: {city: London, latitude: 51.5}
    time: {daypart: morning}
    weather: {condition: rain, temp_c: 9}
    consent: {gpc: true, dnt: false}
    request:
      referrer: https://search.example/
      utm: {source: news, medium: email, campaign: spring}
      language: en-GB
      headers: {X-Test: "1"}
    history:
      visits: 3
      page_views: 12
      days_since_first_visit: 30
      days_since_last_visit: 2
      viewed: [a, b]
      purchased: [c]
      categories: {dogs: 4}
      traits: {tier: gold, score: 3, vip: true}
      campaign: spring
  short-weather:
    weather: drizzle
"""


def _zones(name: str) -> bool:
    return name in {"Europe/London", "UTC", "Asia/Tokyo"}


def test_load_personas_reads_every_field() -> None:
    book = load_personas(FULL, zone_exists=_zones)
    assert book.pages == ("/", "/c/dogs")
    assert list(book.personas) == ["rainy-commuter", "short-weather"]
    persona = book.get("rainy-commuter")
    assert persona == Persona(
        name="rainy-commuter",
        description="A phone user in London on a wet morning.",
        user_agent="Mozilla/5.0 (iPhone)",
        ip="192.0.2.10",
        at=LocalInstant(time(8, 10), date(2026, 3, 12), zone="Europe/London"),
        attributes={
            "device": {"type": "mobile", "is_touch": True},
            "geo": {"city": "London", "latitude": 51.5},
            "time": {"daypart": "morning"},
            "weather": {"condition": "rain", "temp_c": 9},
        },
        consent=Consent(gpc=True, dnt=False),
        request=RequestSignals(
            referrer="https://search.example/",
            language="en-GB",
            headers={"X-Test": "1"},
            utm={"source": "news", "medium": "email", "campaign": "spring"},
        ),
        history=History(
            visits=3,
            page_views=12,
            days_since_first_visit=30,
            days_since_last_visit=2,
            viewed=("a", "b"),
            purchased=("c",),
            categories={"dogs": 4},
            traits={"tier": "gold", "score": 3, "vip": True},
            campaign="spring",
        ),
    )
    assert persona.location is not None and (persona.location.line, persona.location.column) == (
        3,
        3,
    )
    assert book.get("short-weather").attributes == {"weather": {"condition": "drizzle"}}
    assert book.get("short-weather").history is None


def test_load_personas_reads_offsets_and_times_of_day() -> None:
    book = load_personas(
        "personas:\n  a: {at: 2026-03-12T08:00:00+01:00}\n  b: {at: '07:05:30 UTC'}\n"
    )
    assert book.get("a").at == LocalInstant(
        time(8, 0), date(2026, 3, 12), offset=timedelta(hours=1)
    )
    assert book.get("b").at == LocalInstant(time(7, 5, 30), zone="UTC")
    assert book.get("a").overrides() == {}


def _errors(text: str, **kwargs: object) -> list[str]:
    with pytest.raises(PolicyErrors) as caught:
        load_personas(text, **kwargs)  # type: ignore[arg-type]
    return [f"{error.location}: {error.message}" for error in caught.value.errors]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "personas:\n  p:\n    devcie: {type: mobile}\n",
            "personas.yaml:3:5: unknown key 'devcie' in persona 'p' (did you mean 'device'?)",
        ),
        (
            "personas:\n  p:\n    device: {typ: mobile}\n",
            "personas.yaml:3:14: unknown attribute 'device.typ' (did you mean 'type'?)",
        ),
        (
            "personas:\n  p:\n    device: {type: phone}\n",
            "personas.yaml:3:20: unknown device.type 'phone'; expected one of: mobile, tablet, "
            "desktop, bot, "
            "other",
        ),
        (
            "personas:\n  p:\n    weather: rian\n",
            "personas.yaml:3:14: unknown weather.condition 'rian' (did you mean 'rain'?)",
        ),
        (
            "personas:\n  p:\n    weather: {temp_c: warm}\n",
            "personas.yaml:3:23: weather.temp_c must be a number, not the text 'warm'",
        ),
        (
            "personas:\n  p:\n    time: {hour: 25}\n",
            "personas.yaml:3:18: time.hour must be from 0 to 23, not 25",
        ),
        (
            "personas:\n  p:\n    time: {hour: true}\n",
            "personas.yaml:3:18: time.hour must be a whole number, not true (a boolean)",
        ),
        (
            "personas:\n  p:\n    device: {is_touch: 1}\n",
            "personas.yaml:3:24: device.is_touch must be true or false, not the number 1",
        ),
        (
            "personas:\n  p:\n    geo: {city: 7}\n",
            "personas.yaml:3:17: geo.city must be text (quote it), not the number 7",
        ),
        (
            "personas:\n  p:\n    ip: 999.1.1.1\n",
            "personas.yaml:3:9: ip must be an IP address, not the text '999.1.1.1'",
        ),
        (
            "personas:\n  p:\n    at: 2026-03-12 08:10\n",
            "personas.yaml:3:9: at needs a time zone, not the text '2026-03-12 08:10'; "
            "write a local "
            "time and a zone, e.g. '2026-03-12 08:10 Europe/London' or '08:10 UTC'",
        ),
        (
            "personas:\n  p:\n    at: 2026-03-12 08:10:00\n",
            "personas.yaml:3:9: at needs a time zone, not a datetime; write a local time",
        ),
        (
            "personas:\n  p:\n    at: 2026-02-30 08:10 UTC\n",
            "personas.yaml:3:9: at: day is out of range for month; "
            "write a local time and a zone, e.g. "
            "'2026-03-12 08:10 Europe/London' or '08:10 UTC'",
        ),
        (
            "personas:\n  p:\n    at: 08:10 Mars/Olympus\n",
            "personas.yaml:3:9: unknown time zone 'Mars/Olympus'; use an IANA name such as "
            "'Europe/London' or 'UTC'",
        ),
        (
            "personas:\n  p:\n    at: 08:10 UTC\n    geo: {timezone: Asia/Tokyo}\n",
            "personas.yaml:3:9: at is in UTC but geo.timezone is Asia/Tokyo: time.* is read in "
            "geo.timezone, so make them agree",
        ),
        (
            "personas:\n  p:\n    consent: {gpc: yes please}\n",
            "personas.yaml:3:20: gpc must be true or false, not the text 'yes please'",
        ),
        (
            "personas:\n  p:\n    consent: {cookie: true}\n",
            "personas.yaml:3:15: unknown key 'cookie' in consent; expected one of: gpc, dnt",
        ),
        (
            "personas:\n  p:\n    request: {utm: {source: 1}}\n",
            "personas.yaml:3:29: utm source must be text, not the number 1",
        ),
        (
            "personas:\n  p:\n    request: {utm: {sauce: x}}\n",
            "personas.yaml:3:21: unknown key 'sauce' in utm (did you mean 'source'?)",
        ),
        (
            "personas:\n  p:\n    request: {headers: {'bad header': x}}\n",
            "personas.yaml:3:25: 'bad header' is not a header name",
        ),
        (
            "personas:\n  p:\n    history: {visits: -1}\n",
            "personas.yaml:3:23: visits must be a whole number >= 0, not the number -1",
        ),
        (
            "personas:\n  p:\n    history: {viewed: a}\n",
            "personas.yaml:3:23: viewed must be a list of item ids, not the text 'a'",
        ),
        (
            "personas:\n  p:\n    history: {categories: {dogs: many}}\n",
            "personas.yaml:3:34: dogs must be a whole number >= 0, not the text 'many'",
        ),
        (
            "personas:\n  p:\n    history: {traits: {tier: [a]}}\n",
            "personas.yaml:3:30: a trait is text, a number or a boolean, not a list",
        ),
        (
            "personas:\n  p:\n    history: {vists: 2}\n",
            "personas.yaml:3:15: unknown key 'vists' in history (did you mean 'visits'?)",
        ),
        (
            "personas:\n  p q: {}\n",
            "personas.yaml:2:3: persona name 'p q' may use only letters, digits, '_', '-' and '.'",
        ),
        (
            "personas:\n  p:\n    description: [a]\n",
            "personas.yaml:3:18: description must be text, not a list",
        ),
        (
            "personas:\n  p: rainy\n",
            "personas.yaml:2:6: persona 'p' must be a mapping, not the text 'rainy'",
        ),
        (
            "pages: [home]\npersonas:\n  p: {}\n",
            "personas.yaml:1:9: a page is a path starting with /, not the text 'home'",
        ),
        (
            "pages: /\npersonas:\n  p: {}\n",
            "personas.yaml:1:8: pages must be a list of paths like /cart, not the text '/'",
        ),
        (
            "pages: [/]\n",
            "personas.yaml:1:1: a personas file needs personas: a mapping of names to personas",
        ),
    ],
)
def test_load_personas_golden_errors(text: str, expected: str) -> None:
    errors = _errors(text, zone_exists=_zones)
    assert len(errors) == 1
    assert errors[0].startswith(expected)


def test_load_personas_misspelled_section_says_both_things() -> None:
    assert _errors("persona:\n  p: {}\n") == [
        "personas.yaml:1:1: unknown key 'persona' in the personas file (did you mean 'personas'?)",
        "personas.yaml:1:1: a personas file needs personas: a mapping of names to personas",
    ]


def test_load_personas_reports_every_problem_in_source_order() -> None:
    text = "personas:\n  a:\n    devcie: {}\n  a:\n    ip: nowhere\n  b:\n    weather: hail\n"
    assert _errors(text) == [
        "personas.yaml:3:5: unknown key 'devcie' in persona 'a' (did you mean 'device'?)",
        "personas.yaml:4:3: duplicate persona 'a' (first on line 2)",
        "personas.yaml:7:14: unknown weather.condition 'hail'; "
        "expected one of: clear, cloudy, fog, "
        "drizzle, rain, snow, storm",
    ]


def test_load_personas_error_text_shows_the_line() -> None:
    with pytest.raises(PolicyErrors) as caught:
        load_personas("personas:\n  p:\n    devcie: {}\n", filename="qa/personas.yaml")
    assert str(caught.value) == (
        "qa/personas.yaml:3:5: unknown key 'devcie' in persona 'p' (did you mean 'device'?)\n"
        "        devcie: {}\n"
        "        ^"
    )


def test_load_personas_syntax_errors_have_a_location() -> None:
    assert _errors("personas:\n  p: {a: [}\n")[0].startswith("personas.yaml:2:")


def test_load_personas_merges_anchors() -> None:
    book = load_personas(
        "personas:\n  base: &phone\n    device: {type: mobile}\n    weather: rain\n"
        "  copy:\n    <<: *phone\n    weather: clear\n"
    )
    assert book.get("copy").attributes == {
        "device": {"type": "mobile"},
        "weather": {"condition": "clear"},
    }


def test_demo_personas_are_valid() -> None:
    from middleware.preview.session import read_personas

    book = read_personas(ROOT / "demo_site" / "personas.yaml")
    assert len(book.personas) >= 6
    assert all(persona.description for persona in book.personas.values())


def test_personas_reexports_the_model() -> None:
    # middleware/preview imports the model from slots.personas.
    for name in persona.__all__:
        assert getattr(personas, name) is getattr(persona, name), name
