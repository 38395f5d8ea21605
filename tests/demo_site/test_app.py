"""The demo shop with Cheers wired in (demo_site/app.py): what different visitors see."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from demo_site.app import create_app, open_stock
from demo_site.settings import DemoSettings
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
PRODUCT_LINK = re.compile(r'href="/products/([a-z0-9-]+)"')
DOG_ITEMS = ("padded-harness", "rope-tug-toy", "dental-chew-sticks")
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


class MovableClock:
    """The middleware's clock, moved by the test to start a new visit."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


def _fresh_shop(tmp_path: Path, **overrides: Any) -> Any:
    """A visitor on a demo that has never seen anyone: an empty store, the shipped stock."""
    app = create_app(
        store="memory://",
        secret_key="demo-test-key",
        weather=None,
        stock_file=tmp_path / "catalog.json",
        **overrides,
    )
    return client_for(app, headers={"user-agent": DESKTOP})


def _slot(html: str, name: str) -> str:
    """The inside of a slot's element (up to the next slot, which is close enough)."""
    return html.split(f'data-slot="{name}"')[1].split("data-slot=")[0]


def _dogs() -> set[str]:
    from demo_site.catalog import load_catalog

    return {item.item_id for item in load_catalog().in_category("dogs")}


def test_fresh_start_recommends_from_the_aisle_a_visitor_browses(tmp_path: Path) -> None:
    visitor = _fresh_shop(tmp_path)
    assert "Staff picks" in _slot(visitor.get("/").text, "recommendations")
    for item_id in DOG_ITEMS:
        assert visitor.get(f"/products/{item_id}").status_code == 200
    home = visitor.get("/").text
    picks = _slot(home, "recommendations")
    assert "Recommended for you" in picks and "Staff picks" not in picks
    linked = PRODUCT_LINK.findall(picks)
    assert len(linked) == 4 and set(linked) <= _dogs()
    recently = PRODUCT_LINK.findall(_slot(home, "recently_viewed"))
    assert recently == list(reversed(DOG_ITEMS))  # newest first
    assert "Good dogs deserve great walks" in _slot(home, "hero")


def test_home_recommendations_leave_out_what_recently_viewed_lists(tmp_path: Path) -> None:
    clock = MovableClock(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    visitor = _fresh_shop(tmp_path, clock=clock)
    for item_id in DOG_ITEMS:
        visitor.get(f"/products/{item_id}")
    first_visit = visitor.get("/").text  # your-aisles
    clock.instant += timedelta(days=2)  # a new visit: for-you
    visitor.get(f"/products/{DOG_ITEMS[0]}")
    returning = visitor.get("/").text
    assert "Welcome back!" in _slot(returning, "cta")
    for home in (first_visit, returning):
        picks = PRODUCT_LINK.findall(_slot(home, "recommendations"))
        recently = PRODUCT_LINK.findall(_slot(home, "recently_viewed"))
        assert len(picks) == 4 and set(recently) == set(DOG_ITEMS)
        assert not set(picks) & set(DOG_ITEMS)


def test_fresh_start_product_pages_show_what_was_viewed_alongside(tmp_path: Path) -> None:
    visitor = _fresh_shop(tmp_path)
    first = visitor.get(f"/products/{DOG_ITEMS[0]}").text
    assert "More for dogs" in _slot(first, "recommendations")  # nothing known yet: the default
    for item_id in DOG_ITEMS[1:]:
        visitor.get(f"/products/{item_id}")
    again = _slot(visitor.get(f"/products/{DOG_ITEMS[0]}").text, "recommendations")
    assert "Viewed together" in again
    assert set(PRODUCT_LINK.findall(again)) >= set(DOG_ITEMS[1:])
    assert f'href="/products/{DOG_ITEMS[0]}"' not in again


def test_restocked_item_comes_back_as_a_reminder_naming_it(tmp_path: Path) -> None:
    visitor = _fresh_shop(tmp_path)
    sold_out = visitor.get("/products/gentle-oatmeal-shampoo").text
    assert "Demo: restock this item" in sold_out and "Sold out for now" in sold_out
    assert "Still thinking" not in visitor.get("/").text
    restocked = visitor.post("/demo/restock", data={"item_id": "gentle-oatmeal-shampoo"})
    assert restocked.url.path == "/products/gentle-oatmeal-shampoo"
    assert "Add to basket" in restocked.text and "Demo: restock" not in restocked.text
    rows = json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8"))
    assert {row["id"]: row["in_stock"] for row in rows}["gentle-oatmeal-shampoo"] is True
    time.sleep(1.1)  # Cheers checks its catalogue file for changes at most once a second
    reminder = _slot(visitor.get("/").text, "reminder")
    assert "Still thinking about the Gentle Oatmeal Shampoo?" in reminder
    assert "back in stock" in reminder
    assert 'href="/products/gentle-oatmeal-shampoo"' in reminder


def test_item_viewed_on_two_visits_gets_a_still_thinking_reminder(tmp_path: Path) -> None:
    clock = MovableClock(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    visitor = _fresh_shop(tmp_path, clock=clock)
    visitor.get("/products/window-perch-hammock")
    assert "Still thinking" not in _slot(visitor.get("/").text, "reminder")
    clock.instant += timedelta(days=2)  # a new visit
    visitor.get("/products/window-perch-hammock")
    home = visitor.get("/").text
    reminder = _slot(home, "reminder")
    assert "Still thinking about the Window Perch Hammock?" in reminder
    assert "back in stock" not in reminder  # it never sold out
    assert "Welcome back!" in _slot(home, "cta")


def test_open_stock_puts_the_working_catalogue_where_the_settings_say(tmp_path: Path) -> None:
    database = tmp_path / "shop.db"
    beside = open_stock(DemoSettings(store=f"sqlite:///{database}"))
    assert beside.path == tmp_path / "shop-catalog.json" and beside.path.is_file()
    chosen = open_stock(DemoSettings(store="memory://", stock_file=tmp_path / "mine.json"))
    assert chosen.path == tmp_path / "mine.json"
    temporary = open_stock(DemoSettings(store="memory://"))
    assert temporary.path is not None and temporary.path.is_file()
    assert open_stock(DemoSettings(personalize=False)).path is None  # no Cheers: memory only
