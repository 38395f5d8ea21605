"""Persona test clients: "persona X sees Y on page Z" as a one-line assertion in any test suite.

::

    from middleware.testing import persona_client

    def test_commuters_see_rain_gear():
        client = persona_client(create_app(), "rainy-commuter", personas="personas.yaml")
        assert "Walkies, sorted" in client.get("/").text

or, as a pytest fixture (in ``conftest.py``)::

    from middleware.testing import persona_fixture

    persona_client = persona_fixture(create_app, personas="personas.yaml")

    def test_commuters_see_rain_gear(persona_client):
        assert "Walkies, sorted" in persona_client("rainy-commuter").get("/").text

The client talks to the app in-process, through the same middleware, as the persona: their
user agent, address, time, weather and history, with nothing stored and no cookie set. The
preview console need not be configured.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from slots.personas import Persona, PersonaBook

from .asgi import PersonalizationMiddleware
from .preview.session import persona_session, read_personas

if TYPE_CHECKING:
    from starlette.testclient import TestClient
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["PersonaApp", "find_middleware", "persona_client", "persona_fixture"]

PersonasSource = str | os.PathLike[str] | PersonaBook | None


def find_middleware(app: Any) -> PersonalizationMiddleware:
    """The :class:`PersonalizationMiddleware` inside an ASGI app (a Starlette or FastAPI app,
    any middleware wrapping it, or the middleware itself); ``LookupError`` when there is none.

    A Starlette app builds its middleware stack on first use; it is built here if needed,
    the same way, so the instance found is the one that serves requests.
    """
    node, seen = app, set()
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, PersonalizationMiddleware):
            return node
        unbuilt = getattr(node, "middleware_stack", False) is None
        if unbuilt and hasattr(node, "build_middleware_stack"):
            node.middleware_stack = node.build_middleware_stack()
        node = getattr(node, "middleware_stack", None) or getattr(node, "app", None)
    raise LookupError(
        f"no PersonalizationMiddleware in {type(app).__name__}: add it with "
        "app.add_middleware(PersonalizationMiddleware, ...) first"
    )


def _book(middleware: PersonalizationMiddleware, personas: PersonasSource) -> PersonaBook:
    if isinstance(personas, PersonaBook):
        return personas
    if personas is not None:
        return read_personas(personas)
    configured = getattr(middleware.preview, "personas", None)
    if isinstance(configured, PersonaBook):
        return configured
    raise LookupError("no personas: pass personas='personas.yaml' or configure the preview console")


class PersonaApp:
    """An ASGI app that serves every HTTP request to ``app`` as ``persona``, in preview."""

    def __init__(
        self, app: ASGIApp, *, middleware: PersonalizationMiddleware, persona: Persona
    ) -> None:
        self.app = app
        self.middleware = middleware
        self.persona = persona

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # lifespan and websockets as usual
            return
        root = scope.get("root_path", "")
        scope = {"app": self.app, **scope}
        session = persona_session(
            self.persona, scope, path=scope["path"][len(root):],
            query_string=scope.get("query_string", b""), now=self.middleware.engine.clock.now(),
        )
        await self.middleware.personalize(session.scope, receive, send, session=session)


def persona_client(
    app: Any, persona: str, *, personas: PersonasSource = None, **client_kwargs: Any
) -> TestClient:
    """A Starlette ``TestClient`` on ``app`` whose every request comes from ``persona``.

    ``personas`` is a personas file (or a loaded :class:`PersonaBook`); without it, the
    preview console's personas are used. Responses are the app's own, with the decision
    trace in ``X-Cheers-Trace`` and in a comment at each slot. ``client_kwargs`` go to
    ``TestClient`` (``base_url``, ``raise_server_exceptions``, ...).
    """
    middleware = find_middleware(app)
    chosen = _book(middleware, personas).get(persona)
    with warnings.catch_warnings():
        # Starlette warns at import of its test client when only httpx (not httpx2) is
        # installed; that says nothing about the app under test.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient
    return TestClient(PersonaApp(app, middleware=middleware, persona=chosen), **client_kwargs)


def persona_fixture(
    app_factory: Callable[[], Any], *, personas: PersonasSource = None, **client_kwargs: Any
) -> Any:
    """A pytest fixture giving ``persona_client(name)`` on one app per test (built by
    ``app_factory``); assign it to a name in a ``conftest.py`` or test module."""
    import pytest

    @pytest.fixture
    def fixture() -> Iterator[Callable[[str], TestClient]]:
        app = app_factory()
        book = _book(find_middleware(app), personas)
        clients: list[TestClient] = []

        def make(name: str) -> TestClient:
            client = persona_client(app, name, personas=book, **client_kwargs)
            clients.append(client)
            return client

        yield make
        for client in clients:
            client.close()

    return fixture
