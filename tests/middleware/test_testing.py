"""Persona test clients (middleware/testing.py), on the demo shop's own personas."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.testclient import TestClient

from demo_site.app import create_app
from middleware.asgi import PersonalizationMiddleware
from middleware.testing import find_middleware, persona_client, persona_fixture

from .preview.shop import make_app, stored_rows, write_site
from .support import IPHONE

ROOT = Path(__file__).resolve().parents[2]
DEMO_PERSONAS = ROOT / "demo_site" / "personas.yaml"
SECRET_KEY = "demo-test-secret-key"

#: What the demo policy (demo_site/policy.yaml) puts in the home page's hero for each persona.
HEROES = {
    "rainy-commuter": "Wet out there in London? Walkies, sorted.",
    "dog-lover-seattle": "Good dogs deserve great walks",
    "midnight-first-timer": "Cosy beds for curling up",
    "paris-newsletter": "Pet supplies, across the water in 3&ndash;5 days",
    "sydney-lunch-break": "Pet essentials in a few taps",
    "toronto-early-bird": "Rise and shine: breakfast for every bowl",
    "tokyo-afternoon": "Everything for the animals you love",
    "search-crawler": "Everything for the animals you love",
}


def demo_app(**overrides: Any) -> Starlette:
    return create_app(store="memory://", secret_key=SECRET_KEY, weather=None, **overrides)


demo_persona = persona_fixture(demo_app, personas=DEMO_PERSONAS)


def _hero_title(html: str) -> str:
    section = html[html.index('data-slot="hero"') :]
    match = re.search(r'class="cheers-hero__title">(.*?)</h1>', section, re.DOTALL)
    assert match is not None
    return match.group(1).strip()


@pytest.mark.parametrize(("persona", "title"), HEROES.items())
def test_persona_client_sees_the_demo_hero_the_policy_picks(persona: str, title: str) -> None:
    with persona_client(demo_app(), persona, personas=DEMO_PERSONAS) as client:
        assert _hero_title(client.get("/").text) == title


def test_persona_fixture_makes_one_line_assertions(
    demo_persona: Callable[[str], TestClient],
) -> None:
    assert "Walkies, sorted." in demo_persona("rainy-commuter").get("/").text
    assert "Welcome back!" in demo_persona("dog-lover-seattle").get("/").text
    assert "Welcome back!" not in demo_persona("midnight-first-timer").get("/").text


def test_persona_client_responses_carry_the_trace(
    demo_persona: Callable[[str], TestClient],
) -> None:
    response = demo_persona("paris-newsletter").get("/products/waterproof-dog-raincoat")
    assert "recommendations: rule bought-together matched" in response.headers["x-cheers-trace"]
    assert "<!-- cheers: recommendations: rule bought-together matched" in response.text


def test_persona_client_writes_nothing_and_sets_no_cookie(tmp_path: Path) -> None:
    database = tmp_path / "cheers.db"
    app = create_app(store=f"sqlite:///{database}", secret_key=SECRET_KEY, weather=None)
    with persona_client(app, "dog-lover-seattle", personas=DEMO_PERSONAS) as client:
        for path in ("/", "/products/padded-harness", "/c/dogs"):
            response = client.get(path)
            assert response.status_code == 200
            assert "cheers_id" not in response.headers.get("set-cookie", "")
        assert "cheers_id" not in client.cookies
    before = stored_rows(database)
    with TestClient(app) as visitor:  # the same pages outside preview are remembered
        visitor.get("/products/padded-harness")
    assert stored_rows(database) > before


def test_persona_client_sends_the_persona_request(tmp_path: Path) -> None:
    with persona_client(make_app(tmp_path), "commuter") as client:  # the console's personas
        echoed = client.get("/echo", params={"q": "1"}).text
    assert f"user-agent: {IPHONE}" in echoed
    assert "query: q=1" in echoed


def test_persona_client_tells_which_personas_exist() -> None:
    with pytest.raises(KeyError, match=r"did you mean 'rainy-commuter'\?"):
        persona_client(demo_app(), "rainy-comuter", personas=DEMO_PERSONAS)


def test_persona_client_needs_personas_from_somewhere() -> None:
    with pytest.raises(LookupError, match="pass personas="):
        persona_client(demo_app(), "rainy-commuter")


def test_find_middleware_in_starlette_fastapi_and_bare_apps(tmp_path: Path) -> None:
    options = write_site(tmp_path)
    options.pop("preview_secret")
    options.pop("personas")
    api = FastAPI()
    api.add_middleware(PersonalizationMiddleware, **options)
    api.add_middleware(GZipMiddleware)
    found = find_middleware(api)
    assert isinstance(found, PersonalizationMiddleware)
    assert find_middleware(api) is found  # the stack is built once, as Starlette would

    async def bare(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    wrapped = GZipMiddleware(PersonalizationMiddleware(bare, **options))
    assert find_middleware(wrapped) is wrapped.app
    with pytest.raises(LookupError, match="no PersonalizationMiddleware in Starlette"):
        find_middleware(Starlette())
