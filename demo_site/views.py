"""The demo shop's pages: home, category, product, cart, checkout, order confirmation, and the
demo's restock control."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from .cart import CART_COOKIE, FREE_DELIVERY_FROM, MAX_QUANTITY, Cart, decode_cart, encode_cart
from .catalog import Catalog, Item
from .orders import OrderBook
from .stock import StockRoom

__all__ = ["STAFF_PICKS", "Shop", "Tracker"]

#: Reports an event to Cheers: ``await track(request, "purchase", items=[...])``.
Tracker = Callable[..., Awaitable[object]]

#: The home page's "recommended for you" default, before Cheers knows anything.
STAFF_PICKS = (
    "orthopaedic-memory-foam-bed",
    "window-perch-hammock",
    "starter-aquarium-60-l",
    "hamster-wheel-silent-spinner",
)
_CART_MAX_AGE = 30 * 24 * 3600
_MAX_FORM_BYTES = 4096


async def _read_form(request: Request) -> dict[str, str]:
    """The fields of a small urlencoded form (the demo's forms have one or two fields)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_FORM_BYTES:
            raise HTTPException(413, "form too large")
    try:
        return dict(parse_qsl(body.decode("utf-8", errors="replace"), max_num_fields=8))
    except ValueError:  # more fields than any of the shop's forms has
        raise HTTPException(400, "too many form fields") from None


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _with_cart(response: Response, cart: Cart) -> Response:
    if cart.lines:
        response.set_cookie(
            CART_COOKIE, encode_cart(cart), max_age=_CART_MAX_AGE, httponly=True, samesite="lax"
        )
    else:
        response.delete_cookie(CART_COOKIE, httponly=True, samesite="lax")
    return response


class Shop:
    """The shop's endpoints over one stock room, template set and order book."""

    __slots__ = ("_stock", "_templates", "_orders", "_track")

    def __init__(
        self, *, stock: StockRoom, templates: Jinja2Templates, orders: OrderBook, track: Tracker
    ) -> None:
        self._stock = stock
        self._templates = templates
        self._orders = orders
        self._track = track
        templates.context_processors.append(self._page_globals)

    @property
    def _catalog(self) -> Catalog:
        # Read per use, not kept: a restock replaces the stock room's catalogue.
        return self._stock.catalog

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.home, name="home"),
            Route("/c/{category}", self.category, name="category"),
            Route("/products/{item_id}", self.product, name="product"),
            Route("/cart", self.cart, name="cart"),
            Route("/cart/add", self.add_to_cart, methods=["POST"], name="cart_add"),
            Route("/cart/remove", self.remove_from_cart, methods=["POST"], name="cart_remove"),
            Route("/checkout", self.checkout, methods=["POST"], name="checkout"),
            Route("/orders/{order_id}", self.order, name="order"),
            Route("/demo/restock", self.restock, methods=["POST"], name="demo_restock"),
            Route("/healthz", self.healthz, name="healthz"),
        ]

    def _page_globals(self, request: Request) -> dict[str, Any]:
        return {
            "categories": self._catalog.categories(),
            "cart_count": decode_cart(request.cookies, self._catalog).count,
            "current_path": request.url.path,
            "free_delivery_from": f"\u00a3{FREE_DELIVERY_FROM:g}",
        }

    def _page(
        self, request: Request, name: str, *, status_code: int = 200, **context: Any
    ) -> Response:
        return self._templates.TemplateResponse(request, name, context, status_code=status_code)

    def _item_or_404(self, item_id: str) -> Item:
        item = self._catalog.get(item_id)
        if item is None:
            raise HTTPException(404, f"no product {item_id!r}")
        return item

    async def home(self, request: Request) -> Response:
        picks = [item for item in map(self._catalog.get, STAFF_PICKS) if item is not None]
        return self._page(request, "home.html", picks=picks)

    async def category(self, request: Request) -> Response:
        category = self._catalog.category(request.path_params["category"])
        if category is None:
            raise HTTPException(404, "no such category")
        items = self._catalog.in_category(category.slug)
        return self._page(request, "category.html", category=category, items=items)

    async def product(self, request: Request) -> Response:
        item = self._item_or_404(request.path_params["item_id"])
        siblings = self._catalog.in_category(item.category)
        related = [other for other in siblings if other != item and other.in_stock][:4]
        category = self._catalog.category(item.category)
        return self._page(request, "product.html", item=item, category=category, related=related)

    async def cart(self, request: Request) -> Response:
        return self._page(request, "cart.html", cart=decode_cart(request.cookies, self._catalog))

    async def add_to_cart(self, request: Request) -> Response:
        form = await _read_form(request)
        item = self._item_or_404(form.get("item_id", ""))
        if not item.in_stock:
            return _see_other(item.url)
        quantity = form.get("quantity", "1")
        count = min(int(quantity), MAX_QUANTITY) if quantity.isdigit() and int(quantity) > 0 else 1
        cart = decode_cart(request.cookies, self._catalog).added(item, count)
        return _with_cart(_see_other("/cart"), cart)

    async def remove_from_cart(self, request: Request) -> Response:
        form = await _read_form(request)
        cart = decode_cart(request.cookies, self._catalog).removed(form.get("item_id", ""))
        return _with_cart(_see_other("/cart"), cart)

    async def checkout(self, request: Request) -> Response:
        cart = decode_cart(request.cookies, self._catalog)
        if not cart.lines:
            return _see_other("/cart")
        order = self._orders.place(cart, now=datetime.now(UTC))
        await self._track(request, "purchase", items=[line.item.item_id for line in cart.lines])
        return _with_cart(_see_other(f"/orders/{order.order_id}"), Cart())

    async def order(self, request: Request) -> Response:
        order = self._orders.get(request.path_params["order_id"])
        if order is None:
            raise HTTPException(404, "no such order")
        return self._page(request, "order.html", order=order)

    async def restock(self, request: Request) -> Response:
        """The demo's stand-in for a delivery: the item is in stock again, for everyone."""
        form = await _read_form(request)
        item = self._item_or_404(form.get("item_id", ""))
        self._stock.restock(item.item_id)
        return _see_other(item.url)

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """The 404 page, for unknown routes, products, categories and orders."""
        return self._page(request, "not_found.html", status_code=404)
