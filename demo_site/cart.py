"""The shopping cart: item ids and quantities kept in one plain cookie, nothing personal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .catalog import Catalog, Item

__all__ = [
    "CART_COOKIE",
    "FREE_DELIVERY_FROM",
    "MAX_LINES",
    "MAX_QUANTITY",
    "Cart",
    "CartLine",
    "decode_cart",
    "encode_cart",
]

CART_COOKIE = "cheers_demo_cart"
MAX_LINES = 20
MAX_QUANTITY = 9
FREE_DELIVERY_FROM = 30.0
DELIVERY_FEE = 3.95


@dataclass(frozen=True, slots=True)
class CartLine:
    item: Item
    quantity: int

    @property
    def total(self) -> float:
        return round(self.item.price * self.quantity, 2)


@dataclass(frozen=True, slots=True)
class Cart:
    """The lines of a cart, in the order they were added. Totals are in pounds sterling."""

    lines: tuple[CartLine, ...] = ()

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> float:
        return round(sum(line.total for line in self.lines), 2)

    @property
    def delivery(self) -> float:
        return 0.0 if not self.lines or self.subtotal >= FREE_DELIVERY_FROM else DELIVERY_FEE

    @property
    def total(self) -> float:
        return round(self.subtotal + self.delivery, 2)

    def added(self, item: Item, quantity: int = 1) -> Cart:
        """A cart with ``quantity`` more of ``item`` (capped at MAX_QUANTITY per line)."""
        lines = list(self.lines)
        for index, line in enumerate(lines):
            if line.item.item_id == item.item_id:
                lines[index] = CartLine(item, min(MAX_QUANTITY, line.quantity + quantity))
                return Cart(tuple(lines))
        if len(lines) >= MAX_LINES:
            return self
        return Cart((*lines, CartLine(item, min(MAX_QUANTITY, quantity))))

    def removed(self, item_id: str) -> Cart:
        return Cart(tuple(line for line in self.lines if line.item.item_id != item_id))


def encode_cart(cart: Cart) -> str:
    """The cookie value: ``id:qty|id:qty`` (characters a cookie may carry unquoted)."""
    return "|".join(f"{line.item.item_id}:{line.quantity}" for line in cart.lines)


def decode_cart(cookies: Mapping[str, str], catalog: Catalog) -> Cart:
    """The cart in a request's cookies; unknown items and malformed parts are dropped."""
    cart = Cart()
    for part in cookies.get(CART_COOKIE, "").split("|")[:MAX_LINES]:
        item_id, _, quantity = part.partition(":")
        item = catalog.get(item_id)
        if item is not None and quantity.isdigit() and int(quantity) > 0:
            cart = cart.added(item, int(quantity))
    return cart
