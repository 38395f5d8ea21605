"""The demo shop with Cheers wired in (demo_site/app.py): what different visitors see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette

from demo_site.app import create_app
from tests.demo_site.conftest import client_for

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
HERO_TITLE = re.compile(r'<h1 class="cheers-hero__title">([^<]+)</h1>')
JAVASCRIPT = re.compile(r"<script|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


@pytest.fixture
def shop() -> Iterator[Any]:
    """One running app with Cheers, shared by several visitors (see ``_visitor``)."""
    app = create_app(store="memory://", secret_key="demo-test-key", weather=None)
    with client_for(app) as running:
        yield running.app


def _visitor(shop: Any, user_agent: str) -> Any:
    """A new visitor: a client with its own cookie jar and browser."""
    return client_for(shop, headers={"user-agent": user_agent})


def _hero(client: Any) -> str:
    match = HERO_TITLE.search(client.get("/").text)
    assert match is not None
    return match.group(1)


def test_phone_and_desktop_see_different_heroes(shop: Any) -> None:
    phone = _hero(_visitor(shop, PHONE))
    desktop = _hero(_visitor(shop, DESKTOP))
    assert phone == "Pet essentials in a few taps"
    assert desktop != phone


def test_personalized_pages_are_private_and_script_free(shop: Any) -> None:
    visitor = _visitor(shop, DESKTOP)
    for path in ("/", "/c/dogs", "/products/padded-harness", "/cart"):
        response = visitor.get(path)
        assert response.status_code == 200
        assert JAVASCRIPT.search(response.text) is None
    home = visitor.get("/")
    assert "private" in home.headers["cache-control"]
    assert "cookie" in home.headers["vary"].lower()


def test_dog_people_get_the_dog_hero_after_three_dog_items(shop: Any) -> None:
    visitor = _visitor(shop, DESKTOP)
    assert _hero(visitor) != "Good dogs deserve great walks"
    for item_id in ("padded-harness", "rope-tug-toy", "dental-chew-sticks"):
        assert visitor.get(f"/products/{item_id}").status_code == 200
    assert _hero(visitor) == "Good dogs deserve great walks"
    recently = visitor.get("/").text.split('data-slot="recently_viewed"')[1]
    assert "Dental Chew Sticks" in recently and "Nothing here yet" not in recently


def test_purchases_feed_bought_together_for_other_visitors(shop: Any) -> None:
    # Two shoppers buy the raincoat with a towel and a toy; the slot needs two items (minimum).
    for _ in range(2):
        buyer = _visitor(shop, DESKTOP)
        buyer.get("/products/waterproof-dog-raincoat")
        for item_id in ("waterproof-dog-raincoat", "microfibre-drying-towel", "rope-tug-toy"):
            buyer.post("/cart/add", data={"item_id": item_id})
        assert buyer.post("/checkout").status_code == 200
    browser = _visitor(shop, DESKTOP)
    page = browser.get("/products/waterproof-dog-raincoat").text
    slot = page.split('data-slot="recommendations"')[1]
    assert "Bought together" in slot
    assert 'href="/products/microfibre-drying-towel"' in slot
    assert 'href="/products/rope-tug-toy"' in slot
    assert 'href="/products/waterproof-dog-raincoat"' not in slot


def test_module_app_is_built_on_first_access_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import demo_site.app as module

    monkeypatch.setenv("CHEERS_STORE", "memory://")
    monkeypatch.setattr(module, "_app", None)
    assert "app" not in vars(module)  # importing the module built nothing
    first = module.app
    assert isinstance(first, Starlette)
    assert module.app is first
    with pytest.raises(AttributeError, match="no attribute 'application'"):
        module.application  # noqa: B018 - the lookup itself is under test
