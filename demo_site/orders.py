"""Placed orders, kept in memory for the confirmation page (the demo ships nothing)."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from .cart import Cart

__all__ = ["Order", "OrderBook"]


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    cart: Cart
    placed_at: datetime


class OrderBook:
    """The most recent orders of this process, oldest dropped first past ``capacity``.

    Orders live only in memory: a restart, or another worker process, does not know them,
    and their confirmation pages answer 404.
    """

    __slots__ = ("_capacity", "_orders")

    def __init__(self, *, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"order book capacity must be at least 1, not {capacity}")
        self._capacity = capacity
        self._orders: OrderedDict[str, Order] = OrderedDict()

    def place(self, cart: Cart, *, now: datetime) -> Order:
        order = Order(order_id=f"CC-{secrets.token_hex(5).upper()}", cart=cart, placed_at=now)
        self._orders[order.order_id] = order
        while len(self._orders) > self._capacity:
            self._orders.popitem(last=False)
        return order

    def get(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)
