"""A one-page shop for preview tests: a policy, slot templates, personas and the app."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from middleware.asgi import PersonalizationMiddleware
from middleware.clock import FixedClock

from ..support import DESKTOP, IPHONE

SECRET = "correct-horse-battery-staple"
#: Thursday 2026-03-12, 12:00 UTC.
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)

POLICY = """\
slots:
  hero:
    rules:
      - name: rainy-day
        when: {weather.condition: {$in: [rain, storm]}}
        show: hero/rain.html
      - name: phones
        when: {device.type: mobile}
        show: hero/phone.html
      - name: evening
        when: {time.daypart: evening}
        show: hero/evening.html
  cta:
    rules:
      - name: welcome-back
        when: {visitor.visits: {$gte: 2}}
        show: cta/back.html
"""

TEMPLATES = {
    "hero/rain.html": "<h1>Rain in {{ geo.city if geo.city is defined else 'town' }}</h1>",
    "hero/phone.html": "<h1>Hello, phone</h1>",
    "hero/evening.html": "<h1>Good evening</h1>",
    "cta/back.html": "<p>Welcome back</p>",
}

PERSONAS = f"""\
pages: [/, /next]
personas:
  commuter:
    description: A phone user on a wet morning.
    user_agent: "{IPHONE}"
    weather: rain
    history: {{visits: 3, days_since_last_visit: 2}}
  night-owl:
    description: "A desktop user late in the day <script>alert(1)</script>"
    user_agent: "{DESKTOP}"
    at: 2026-03-12 19:30 Europe/London
    weather: clear
  newcomer:
    description: A desktop user at lunch.
    user_agent: "{DESKTOP}"
    at: 2026-03-12 12:30 Europe/London
"""

PAGE = (
    '<!doctype html><html><head><link rel="stylesheet" href="/static/site.css"></head><body>'
    '<section data-slot="hero"><h1>Welcome</h1></section>'
    '<a href="/next">next</a> <a href="https://elsewhere.example/x">away</a> '
    '<a href="http://testserver/next?a=1&amp;b=2">absolute</a> <a href="#top">top</a> '
    '<form action="/cart" method="post"><button>Add</button></form>'
    '<div data-slot="cta">Buy now</div></body></html>'
)


async def _page(request: Request) -> Response:
    return HTMLResponse(PAGE)


async def _next(request: Request) -> Response:
    agent = request.headers.get("user-agent", "")
    return HTMLResponse(f'<p data-agent="{agent}">next page</p><a href="/">home</a>')


async def _cart(request: Request) -> Response:
    return RedirectResponse("/next", status_code=303)


async def _echo(request: Request) -> Response:
    """The request as the app sees it, for checking what a persona sends."""
    lines = [f"{name}: {value}" for name, value in request.headers.items()]
    lines += [
        f"client: {request.client.host if request.client else None}",
        f"query: {request.url.query}",
    ]
    return PlainTextResponse("\n".join(lines))


def write_site(folder: Path, *, personas: str = PERSONAS) -> dict[str, Any]:
    """Policy, templates and personas under ``folder``; the middleware's keyword arguments."""
    templates = folder / "slot_templates"
    for name, text in TEMPLATES.items():
        path = templates / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "policy.yaml").write_text(POLICY, encoding="utf-8")
    (folder / "personas.yaml").write_text(personas, encoding="utf-8")
    return {
        "policy": folder / "policy.yaml",
        "templates": [templates],
        "secret_key": "test-secret-key",
        "store": f"sqlite:///{folder / 'cheers.db'}",
        "preview_secret": SECRET,
        "personas": folder / "personas.yaml",
        "clock": FixedClock(NOW),
    }


def make_app(folder: Path, **options: Any) -> Starlette:
    """The shop with Cheers and its preview console (``options`` override the middleware's)."""
    kwargs = write_site(folder) | options
    routes = [
        Route("/", _page),
        Route("/next", _next),
        Route("/cart", _cart, methods=["POST"]),
        Route("/echo", _echo),
    ]
    return Starlette(routes=routes, middleware=[Middleware(PersonalizationMiddleware, **kwargs)])


def stored_rows(database: Path) -> int:
    """How many rows the store's SQLite file holds, over all its tables."""
    if not database.exists():
        return 0
    with sqlite3.connect(database) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return sum(
            connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables
        )
