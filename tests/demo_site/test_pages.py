"""The demo shop's pages (demo_site/views.py, demo_site/app.py) with Cheers switched off."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from demo_site.cart import CART_COOKIE
from demo_site.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]
JAVASCRIPT = re.compile(r"<script|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
SLOTS = re.compile(r'data-slot="([a-z_]+)"')

PAGES = [
    ("/", "Everything for the animals you love"),
    ("/c/dogs", "Walks, treats and beds"),
    ("/c/small-pets", "Small pets"),
    ("/products/waterproof-dog-raincoat", "Waterproof Dog Raincoat"),
    ("/products/ceramic-water-fountain", "Sold out for now"),
    ("/cart", "Your basket is empty"),
]


def _html_files() -> list[Path]:
    return sorted([*(ROOT / "demo_site").rglob("*.html"), *(ROOT / "templates").rglob("*.html")])


def _add(client: Any, item_id: str, quantity: str = "1") -> Any:
    form = {"item_id": item_id, "quantity": quantity}
    return client.post("/cart/add", data=form, follow_redirects=False)


@pytest.mark.parametrize(("path", "text"), PAGES)
def test_page_renders_with_its_content(client: Any, path: str, text: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text
    assert '<link rel="stylesheet" href="/static/style.css">' in response.text


@pytest.mark.parametrize(("path", "_text"), PAGES)
def test_page_serves_no_javascript_and_nothing_external(client: Any, path: str, _text: str) -> None:
    html = client.get(path).text
    assert JAVASCRIPT.search(html) is None
    assert EXTERNAL.search(html) is None


def test_templates_hold_no_javascript() -> None:
    files = _html_files()
    assert len(files) >= 15  # the shop's pages and every starter template were scanned
    offenders = [str(path) for path in files if JAVASCRIPT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_stylesheet_loads_nothing_from_elsewhere(client: Any) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert "url(" not in css.text and "@import" not in css.text


def test_home_tags_every_slot_with_a_default(client: Any) -> None:
    html = client.get("/").text
    assert SLOTS.findall(html) == ["hero", "reminder", "cta", "recommendations", "recently_viewed"]
    assert "Staff picks" in html and "Nothing here yet" in html
    assert html.count("/static/categories/") == 6


def test_product_page_has_bought_together_slot_and_cart_form(client: Any) -> None:
    html = client.get("/products/padded-harness").text
    assert SLOTS.findall(html) == ["recommendations"]
    assert '<form class="buy" method="post" action="/cart/add">' in html
    assert 'name="item_id" value="padded-harness"' in html
    related = html.split("More for dogs")[1]
    assert 'href="/products/waterproof-dog-raincoat"' in related
    assert 'href="/products/padded-harness"' not in related


def test_category_page_lists_only_its_items(client: Any) -> None:
    catalog = load_catalog()
    html = client.get("/c/reptiles").text
    linked = set(re.findall(r'href="/products/([a-z0-9-]+)"', html))
    assert linked == {item.item_id for item in catalog.in_category("reptiles")}
    assert 'aria-current="page"' in html and SLOTS.findall(html) == ["reminder", "cta"]


@pytest.mark.parametrize(
    "path", ["/products/no-such-thing", "/c/unicorns", "/orders/CC-NOPE", "/nowhere"]
)
def test_unknown_pages_answer_404_with_the_shop_layout(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "We can't find that page" in response.text
    assert 'href="/c/dogs"' in response.text


def test_healthz_is_plain_text(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "ok"


def test_add_to_cart_sets_cookie_and_redirects_to_cart(client: Any) -> None:
    response = _add(client, "padded-harness", "2")
    assert response.status_code == 303
    assert response.headers["location"] == "/cart"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{CART_COOKIE}=padded-harness:2;")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    html = client.get("/cart").text
    assert "Padded Harness" in html and "2 &times; £21.00" in html
    assert '<span class="cart-link__count">2</span>' in html


def test_out_of_stock_item_is_not_added(client: Any) -> None:
    response = _add(client, "ceramic-water-fountain")
    assert response.status_code == 303
    assert response.headers["location"] == "/products/ceramic-water-fountain"
    assert "set-cookie" not in response.headers


def test_add_unknown_item_answers_404(client: Any) -> None:
    assert _add(client, "no-such-thing").status_code == 404


def test_add_caps_quantity_and_treats_junk_as_one(client: Any) -> None:
    _add(client, "rope-tug-toy", "40")
    assert client.cookies[CART_COOKIE] == "rope-tug-toy:9"
    _add(client, "padded-harness", "-2")
    assert client.cookies[CART_COOKIE] == "rope-tug-toy:9|padded-harness:1"


@pytest.mark.parametrize(
    ("body", "status"), [("x=1&" * 20, 400), ("item_id=" + "a" * 5000, 413)]
)
def test_oversized_forms_are_refused(client: Any, body: str, status: int) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    response = client.post("/cart/add", content=body, headers=headers, follow_redirects=False)
    assert response.status_code == status


def test_cart_totals_and_free_delivery(client: Any) -> None:
    _add(client, "rope-tug-toy")
    small = client.get("/cart").text
    assert "£7.49" in small and "£3.95" in small and "£11.44" in small
    _add(client, "padded-harness", "2")
    large = client.get("/cart").text
    assert "£49.49" in large and "<dd>Free</dd>" in large


def test_remove_from_cart(client: Any) -> None:
    _add(client, "rope-tug-toy")
    _add(client, "padded-harness")
    response = client.post("/cart/remove", data={"item_id": "rope-tug-toy"}, follow_redirects=False)
    assert response.status_code == 303
    html = client.get("/cart").text
    assert "Padded Harness" in html and "Rope Tug Toy" not in html


def test_checkout_places_order_and_empties_cart(client: Any) -> None:
    _add(client, "padded-harness", "2")
    _add(client, "rope-tug-toy")
    response = client.post("/checkout", follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/orders/CC-[0-9A-F]{10}", location)
    assert f'{CART_COOKIE}=""' in response.headers["set-cookie"]
    order = client.get(location)
    assert order.status_code == 200
    assert "Thank you" in order.text and location.rsplit("/", 1)[1] in order.text
    assert "Padded Harness" in order.text and "£49.49" in order.text
    assert "Your basket is empty" in client.get("/cart").text


def test_checkout_with_empty_cart_goes_back_to_cart(client: Any) -> None:
    response = client.post("/checkout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/cart"


def test_checkout_only_accepts_post(client: Any) -> None:
    assert client.get("/checkout").status_code == 405


def test_restock_control_shows_only_on_sold_out_items(client: Any) -> None:
    assert "Demo: restock this item" in client.get("/products/ceramic-water-fountain").text
    assert "Demo: restock" not in client.get("/products/padded-harness").text


def test_restock_puts_the_item_back_on_sale_for_every_page(client: Any) -> None:
    response = client.post(
        "/demo/restock", data={"item_id": "ceramic-water-fountain"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/products/ceramic-water-fountain"
    page = client.get("/products/ceramic-water-fountain").text
    assert "Add to basket" in page and "Demo: restock" not in page
    assert _add(client, "ceramic-water-fountain").headers["location"] == "/cart"
    assert "Ceramic Water Fountain" in client.get("/cart").text


def test_restock_of_an_unknown_item_answers_404(client: Any) -> None:
    assert client.post("/demo/restock", data={"item_id": "no-such-thing"}).status_code == 404
