"""The console's pages (middleware/preview/pages.py, layouts.py)."""

from __future__ import annotations

import re

from middleware.preview.pages import ConsolePages, MatrixRow, persona_facts, shows
from slots.decision import Decision, RecommendationRequest, TraceStep
from slots.personas import load_personas

BOOK = load_personas("""\
personas:
  full:
    description: Everything set
    device: {type: mobile}
    geo: {city: London, country: GB}
    at: 2026-03-12 08:10 Europe/London
    weather: {condition: rain, temp_c: 9.5}
    consent: {gpc: true}
    request: {language: "fr-FR,fr;q=0.9", referrer: https://a.example/, utm: {source: news}}
    history:
      visits: 3
      categories: {dogs: 4}
      viewed: [a, b]
      purchased: [c]
      traits: {tier: gold, vip: true}
  bare:
    description: Nothing set
  agent:
    user_agent: Mozilla/5.0 (iPhone)
    ip: 192.0.2.10
    at: 2026-03-12T08:00:00-05:30
""")


def test_persona_facts_summarise_what_is_set() -> None:
    assert persona_facts(BOOK.get("full")) == [
        "mobile",
        "London, GB",
        "2026-03-12 08:10 Europe/London",
        "rain, 9.5°C",
        "GPC on",
        "lang fr-FR",
        "from https://a.example/",
        "utm news",
        "3 visits before",
        "dogs ×4",
        "viewed 2",
        "bought 1",
        "tier=gold",
        "vip=true",
    ]
    assert persona_facts(BOOK.get("bare")) == ["first visit"]
    assert persona_facts(BOOK.get("agent"), device_of=lambda agent: "mobile · Safari") == [
        "mobile · Safari",
        "IP 192.0.2.10",
        "2026-03-12 08:00 UTC-05:30",
        "first visit",
    ]


def test_shows_names_template_or_recommendations() -> None:
    assert shows(Decision("hero", template="hero/x.html")) == "hero/x.html"
    assert shows(Decision("hero")) == "the page's default"
    request = RecommendationRequest("also_bought", 4, fallbacks=("trending",))
    assert shows(Decision("recs", template="r.html", recommendations=request)) == (
        "r.html (also_bought → trending, up to 4)"
    )


def test_matrix_escapes_names_reasons_and_templates() -> None:
    pages = ConsolePages(prefix="/_cheers", book=BOOK, pages=["/"])
    hostile = Decision(
        "hero",
        template="<b>t</b>",
        rule="r",
        variant="<i>v</i>",
        trace=(TraceStep("q", "skipped", "geo.city is '<script>'"), TraceStep("r", "matched")),
    )
    html = pages.matrix(
        path="/<x>", slots=["hero"], rows=[MatrixRow(BOOK.get("full"), {"hero": hostile}, "<note>")]
    )
    assert (
        "<script" not in html
        and "<b>t</b>" not in html
        and "<i>v</i>" not in html
        and "<x>" not in html
    )
    assert "geo.city is &#39;&lt;script&gt;&#39;" in html
    assert '<li class="matched">rule r matched</li>' in html
    assert "&lt;note&gt;" in html


def test_console_pages_hold_no_script_and_load_nothing_from_elsewhere() -> None:
    pages = ConsolePages(prefix="/_cheers", book=BOOK, pages=["/", "/c/dogs"])
    for html in (
        pages.login(failed=True),
        pages.index(),
        pages.compare(path="/", chosen=["full", "bare"]),
        pages.matrix(path="/", slots=[], rows=[]),
    ):
        assert re.search(r"<script|\son[a-z]+\s*=|javascript:", html, re.IGNORECASE) is None
        assert re.search(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", html) is None
