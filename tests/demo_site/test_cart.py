"""The cookie cart (demo_site/cart.py)."""

from __future__ import annotations

from demo_site.cart import CART_COOKIE, MAX_QUANTITY, Cart, decode_cart, encode_cart
from demo_site.catalog import Item, load_catalog

CATALOG = load_catalog()


def _item(item_id: str) -> Item:
    item = CATALOG.get(item_id)
    assert item is not None
    return item


def test_cart_round_trips_through_its_cookie() -> None:
    cart = Cart().added(_item("padded-harness"), 2).added(_item("rope-tug-toy"))
    value = encode_cart(cart)
    assert value == "padded-harness:2|rope-tug-toy:1"
    assert decode_cart({CART_COOKIE: value}, CATALOG) == cart


def test_decode_drops_unknown_items_and_malformed_parts() -> None:
    value = "padded-harness:2|ghost:1|rope-tug-toy:x|rope-tug-toy:0|:3|padded-harness"
    cart = decode_cart({CART_COOKIE: value}, CATALOG)
    assert encode_cart(cart) == "padded-harness:2"


def test_decode_without_cookie_is_empty() -> None:
    assert decode_cart({}, CATALOG).lines == ()


def test_adding_again_merges_and_caps_quantity() -> None:
    cart = Cart().added(_item("rope-tug-toy"), 5).added(_item("rope-tug-toy"), 7)
    lines = [(line.item.item_id, line.quantity) for line in cart.lines]
    assert lines == [("rope-tug-toy", MAX_QUANTITY)]


def test_totals_and_delivery_threshold() -> None:
    small = Cart().added(_item("rope-tug-toy"), 2)
    assert (small.subtotal, small.delivery, small.total) == (14.98, 3.95, 18.93)
    large = small.added(_item("padded-harness"))
    assert (large.subtotal, large.delivery, large.total) == (35.98, 0.0, 35.98)
    assert Cart().total == 0.0


def test_removed_drops_the_line() -> None:
    cart = Cart().added(_item("rope-tug-toy")).added(_item("padded-harness"))
    assert encode_cart(cart.removed("rope-tug-toy")) == "padded-harness:1"
    assert cart.removed("ghost") == cart
