"""The demo shop's ASGI application: ``uvicorn demo_site.app:app`` or ``create_app(...)``."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .catalog import load_catalog
from .orders import OrderBook
from .settings import HERE, DemoSettings, settings_from_env
from .stock import StockRoom, stock_file_for
from .views import Shop, Tracker

# `app` itself is served by the module __getattr__ below, so it is not listed here.
__all__ = ["build_app", "create_app", "open_stock", "page_templates", "personalization"]

_app: Starlette | None = None


async def _no_tracking(*args: object, **kwargs: object) -> None:
    """The tracker when personalization is off: events go nowhere."""


def _gbp(amount: float) -> str:
    return f"\u00a3{amount:,.2f}"


def page_templates() -> Jinja2Templates:
    """The shop's page templates (``demo_site/pages``) with Cheers' ``{% slot %}`` tag; strict
    about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "pages"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        extensions=["slots.jinja.SlotExtension"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["gbp"] = _gbp
    return Jinja2Templates(env=env)


def personalization(settings: DemoSettings, *, catalog: Path) -> tuple[Middleware, Tracker]:
    """Cheers, wired the way a user would: the middleware and the purchase tracker.

    ``catalog`` is the catalogue file Cheers reads: the stock room's working copy, so that a
    restock reaches the recommendations (see :func:`open_stock`)."""
    from middleware import PersonalizationMiddleware, track

    middleware = Middleware(
        PersonalizationMiddleware,
        policy=settings.policy,
        secret_key=settings.secret_key,
        debug=settings.is_debug,
        store=settings.store,
        geoip_db=settings.geoip_db,
        loopback_alias=settings.demo_ip,
        weather=settings.weather.as_report() if settings.weather else None,
        catalog=catalog,
        item_routes={"/products/{item_id}": "item_id"},
        preview_secret=settings.preview_secret,
        personas=settings.personas,
        clock=settings.clock,
        # No templates=: the starter set (the `templates` package) is always searched last.
    )
    return middleware, track


def open_stock(settings: DemoSettings) -> StockRoom:
    """The shop's stock, from ``settings.catalog``. With personalization its working file is
    ``settings.stock_file``, else next to a SQLite store's file, else in a temporary folder;
    without, the stock lives in memory only."""
    catalog = load_catalog(settings.catalog)
    if not settings.personalize:
        return StockRoom(catalog, path=None)
    path = settings.stock_file or stock_file_for(settings.store)
    if path is None:
        return StockRoom.in_temporary_folder(catalog)
    return StockRoom(catalog, path=path)


def build_app(settings: DemoSettings) -> Starlette:
    """The shop for these settings; personalization is added only when ``settings.personalize``."""
    stock = open_stock(settings)
    middleware: Middleware | None = None
    track: Tracker = _no_tracking
    if stock.path is not None:  # personalized: Cheers reads the stock room's file
        middleware, track = personalization(settings, catalog=stock.path)
    shop = Shop(
        stock=stock,
        templates=page_templates(),
        orders=OrderBook(capacity=settings.max_orders),
        track=track,
    )
    static = Mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    routes = [*shop.routes(), static]
    return Starlette(
        routes=routes,
        middleware=[middleware] if middleware else [],
        exception_handlers={404: shop.not_found},
    )


def create_app(**overrides: Any) -> Starlette:
    """The shop with settings from the environment, then ``overrides`` (any DemoSettings field:
    ``personalize=False``, ``store="memory://"``, ...)."""
    return build_app(replace(settings_from_env(os.environ), **overrides))


def __getattr__(name: str) -> Starlette:
    # `app` is built on first access (uvicorn's getattr), not at import: importing this module
    # for create_app must not read the environment or open the store.
    global _app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _app is None:
        _app = create_app()
    return _app
