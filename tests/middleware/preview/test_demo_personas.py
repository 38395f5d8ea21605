"""The demo's personas (demo_site/personas.yaml) against the demo's policy, through the console."""

from __future__ import annotations

from pathlib import Path

from demo_site.app import create_app
from middleware.preview import PreviewConsole
from middleware.testing import find_middleware

from ..support import http_scope

ROOT = Path(__file__).resolve().parents[3]


async def test_demo_personas_cover_every_rule_of_the_demo_policy() -> None:
    middleware = find_middleware(
        create_app(store="memory://", secret_key="demo-test-secret-key", weather=None)
    )
    console = PreviewConsole(
        middleware=middleware,
        secret="correct-horse-battery-staple",
        personas_path=ROOT / "demo_site" / "personas.yaml",
    )
    policy = middleware.engine.policy
    wanted = {
        (slot, rule.name)
        for slot, slot_policy in policy.slots.items()
        for rule in slot_policy.rules
    }
    matched: dict[tuple[str, str], set[str]] = {}
    for page in console.pages:
        for persona in console.personas.personas.values():
            row = await console.decide(persona, http_scope(page), page)
            for slot, decision in row.decisions.items():
                if decision.rule is not None:
                    matched.setdefault((slot, decision.rule), set()).add(persona.name)
    assert len(console.personas.personas) >= 6
    assert wanted - set(matched) == set()
    # Contrast: the six hero rules each go to a different persona on the home page.
    home = {
        persona: (
            await console.decide(console.personas.get(persona), http_scope("/"), "/")
        ).decisions
        for persona in console.personas.personas
    }
    heroes = {decisions["hero"].rule for decisions in home.values()}
    assert heroes == {
        "rainy-day",
        "dog-people",
        "europe-delivery",
        "on-the-go",
        "good-morning",
        "cosy-evening",
        None,
    }


async def test_demo_crawler_row_shows_the_defaults_it_gets() -> None:
    middleware = find_middleware(
        create_app(store="memory://", secret_key="demo-test-secret-key", weather=None)
    )
    console = PreviewConsole(
        middleware=middleware,
        secret="correct-horse-battery-staple",
        personas_path=ROOT / "demo_site" / "personas.yaml",
    )
    row = await console.decide(console.personas.get("search-crawler"), http_scope("/"), "/")
    assert row.note == "a bot: every slot keeps the page's default"
    assert all(decision.is_default and decision.rule is None for decision in row.decisions.values())
