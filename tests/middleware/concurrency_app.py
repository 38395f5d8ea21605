"""A one-page app for the two-worker test, configured through environment variables."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from middleware import PersonalizationMiddleware


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(f"<p>served by {os.getpid()}</p>")


app = PersonalizationMiddleware(
    Starlette(routes=[Route("/", page)]),
    policy=os.environ["CHEERS_TEST_POLICY"],
    secret_key="concurrency-test",
    store=os.environ["CHEERS_TEST_STORE"],
)
