"""The persona preview console: a Starlette sub-app under the middleware's preview path.

Every path under the prefix needs a valid preview token in the ``cheers_preview`` cookie,
except the login form and the link opener. Whatever is refused (no token, a forged, expired
or out-of-scope one, an unknown persona or path) is answered by the app itself, with the
preview cookie removed and no personalization: exactly what it answers for a path that does
not exist.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from slots.decision import Decision
from slots.errors import ConfigurationError
from slots.personas import Persona

from ..asgi import PreviewSession
from ..identity import read_cookie
from ..request import RequestInfo
from .links import LinkKeeper
from .pages import ConsolePages, MatrixRow
from .session import PREVIEW_COOKIE, clean_scope, persona_session, read_personas
from .tokens import MAX_LIFETIME, PreviewGrant, PreviewTokens

if TYPE_CHECKING:
    from ..asgi import PersonalizationMiddleware
    from ..identity import Secret

__all__ = ["GRANT_KEY", "PreviewConsole"]

#: The scope key under which console routes find the request's verified grant.
GRANT_KEY: Final = "cheers.preview_grant"

_MAX_FORM_BYTES: Final = 4096
# The console never loads anything from elsewhere, runs no script and is framed by nobody;
# only previewed pages (not sent with these headers) are framed, by the console itself.
_CONSOLE_HEADERS: Final = {
    "cache-control": "no-store",
    "x-robots-tag": "noindex, nofollow",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


class PreviewConsole:
    """Serves the console at ``prefix`` for ``middleware``: index, page previews, side by side,
    matrix, the login form and shared links. Configuration mistakes raise at start-up."""

    def __init__(
        self,
        *,
        middleware: PersonalizationMiddleware,
        secret: str | Secret | Sequence[str | Secret],
        personas_path: str | os.PathLike[str] | None,
        prefix: str = "/_cheers",
        pages: Sequence[str] | None = None,
        lifetime: timedelta = timedelta(hours=12),
    ) -> None:
        if not prefix.startswith("/") or prefix.endswith("/") or "//" in prefix:
            raise ConfigurationError(f"preview_path {prefix!r} must start with /, not end with one")
        if personas_path is None:
            raise ConfigurationError("the preview console needs personas=PATH to a personas file")
        if not timedelta(0) < lifetime <= MAX_LIFETIME:
            raise ConfigurationError("preview_lifetime must be more than 0 and at most 90 days")
        self.prefix = prefix
        self.middleware = middleware
        self.tokens = PreviewTokens(secret)
        self.personas = read_personas(personas_path)
        self.pages = tuple(pages) if pages is not None else (self.personas.pages or ("/",))
        if not self.pages or not all(_is_page(page) for page in self.pages):
            raise ConfigurationError(f"preview_pages must be paths like /cart, not {self.pages!r}")
        self.lifetime = lifetime
        self._pages = ConsolePages(
            prefix=prefix, book=self.personas, pages=self.pages, device_of=self._device
        )
        self._router = Router(self._routes(), default=self._not_found, redirect_slashes=False)

    def _routes(self) -> list[Route]:
        prefix = self.prefix
        return [
            Route(prefix, self._to_index),
            Route(prefix + "/", self._index),
            Route(prefix + "/compare", self._compare),
            Route(prefix + "/matrix", self._matrix),
            Route(prefix + "/logout", self._logout, methods=["POST"]),
            Route(prefix + "/view/{persona}", self._to_view),
            Route(prefix + "/view/{persona}/{page:path}", _ViewEndpoint(self)),
        ]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(prefix={self.prefix!r})"

    # -- the hook the middleware calls ------------------------------------------------------
    def session_for(self, scope: Scope) -> PreviewSession | None:
        """Always ``None``: previews live under the prefix (``/view/NAME/...``), never on the
        site's own URLs, so a stray preview cookie can never change what a page shows."""
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path == self.prefix + "/login":
            await self._login(scope, receive, send)
            return
        if path == self.prefix + "/open":
            await self._open(scope, receive, send)
            return
        grant = self._grant(scope)
        if grant is None or not self._permits(grant, path):
            await self._not_found(scope, receive, send)
            return
        await self._router({**scope, GRANT_KEY: grant}, receive, send)

    # -- tokens -----------------------------------------------------------------------------
    def _now(self) -> float:
        return self.middleware.engine.clock.now().timestamp()

    def _grant(self, scope: Scope) -> PreviewGrant | None:
        return self.tokens.grant_for(_cookie(scope), now=self._now())

    def _permits(self, grant: PreviewGrant, path: str) -> bool:
        if grant.persona is None or path == self.prefix + "/logout":
            return True
        view = f"{self.prefix}/view/{grant.persona}"
        return path == view or path.startswith(view + "/")

    def _set_cookie(self, response: Response, scope: Scope, grant: PreviewGrant) -> None:
        max_age = max(0, int(grant.expires - self._now()))
        response.set_cookie(
            PREVIEW_COOKIE, self.tokens.sign(grant), max_age=max_age,
            path=self.prefix, httponly=True, samesite="strict",
            secure=self.middleware.engine.is_secure(RequestInfo.from_scope(scope)),
        )

    async def _not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """What the app answers for this path, unpersonalized and without the preview cookie."""
        await self.middleware.app(clean_scope(scope), receive, send)

    # -- the login form and shared links ------------------------------------------------------
    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method in ("GET", "HEAD"):
            response: Response = _html(self._pages.login(failed=False))
        elif method == "POST":
            attempt = _form_value(await _read_body(receive), "secret")
            if attempt is not None and self.tokens.is_secret(attempt):
                response = _redirect(self.prefix + "/")
                grant = PreviewGrant(None, int(self._now() + self.lifetime.total_seconds()))
                self._set_cookie(response, scope, grant)
            else:
                response = _html(self._pages.login(failed=True), status_code=403)
        else:
            await self._not_found(scope, receive, send)
            return
        await response(scope, receive, send)

    async def _open(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _form_value(scope.get("query_string", b""), "token")
        grant = self.tokens.grant_for(token, now=self._now())
        if grant is None or (grant.persona or "") not in ("", *self.personas.personas):
            await self._not_found(scope, receive, send)
            return
        if grant.persona is None:
            response = _redirect(self.prefix + grant.path)
        else:
            response = _redirect(f"{self.prefix}/view/{grant.persona}{grant.path}")
        current = self._grant(scope)
        if current is None or current.persona is not None:  # never trade a login for a link
            self._set_cookie(response, scope, grant)
        await response(scope, receive, send)

    async def _logout(self, request: Request) -> Response:
        response = _redirect(self.prefix + "/login")
        response.delete_cookie(PREVIEW_COOKIE, path=self.prefix, httponly=True, samesite="strict")
        return response

    # -- console pages --------------------------------------------------------------------
    async def _to_index(self, request: Request) -> Response:
        return _redirect(self.prefix + "/")

    async def _to_view(self, request: Request) -> Response:
        return _redirect(f"{self.prefix}/view/{request.path_params['persona']}/")

    async def _index(self, request: Request) -> Response:
        return _html(self._pages.index())

    async def _compare(self, request: Request) -> Response:
        path = _page(request.query_params.get("path"), default=self.pages[0])
        wanted = request.query_params.getlist("persona")
        names = list(self.personas.personas)
        chosen = [name for name in names if name in wanted] or names
        return _html(self._pages.compare(path=path, chosen=chosen))

    async def _matrix(self, request: Request) -> Response:
        path = _page(request.query_params.get("path"), default=self.pages[0])
        personas = self.personas.personas.values()
        rows = [await self.decide(persona, request.scope, path) for persona in personas]
        slots = list(self.middleware.engine.policy.slots)
        return _html(self._pages.matrix(path=path, slots=slots, rows=rows))

    async def decide(self, persona: Persona, scope: Scope, page: str) -> MatrixRow:
        """Every slot of the policy decided for ``persona`` on ``page`` (a path, maybe with a
        query), without running the app: nothing is stored."""
        path, _, query = page.partition("?")
        engine = self.middleware.engine
        session = persona_session(
            persona, scope, path=path, query_string=query.encode(), now=engine.clock.now()
        )
        personalization = engine.begin(
            session.scope, overrides=session.overrides, now=session.now, profile=session.profile,
            preview=True, visitor_id=session.visitor_id,
        )
        slots = tuple(personalization.policy.slots)
        await personalization.prepare(slots)
        if not personalization.personalizes:  # a bot: what it sees is every slot's default
            defaults = {slot: Decision(slot) for slot in slots}
            return MatrixRow(persona, defaults, "a bot: every slot keeps the page's default")
        return MatrixRow(persona, {slot: personalization.decide(slot) for slot in slots})

    async def view(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one page of the app as one persona, its links kept in the preview."""
        name = scope["path_params"]["persona"]
        persona = self.personas.personas.get(name)
        if persona is None:
            await self._not_found(scope, receive, send)
            return
        page = "/" + scope["path_params"]["page"]
        session = persona_session(
            persona, scope, path=page, query_string=scope.get("query_string", b""),
            now=self.middleware.engine.clock.now(),
        )
        keeper = LinkKeeper(send, view_prefix=f"{self.prefix}/view/{name}", host=_host(scope),
                            is_head=scope["method"] == "HEAD")
        await self.middleware.personalize(session.scope, receive, keeper, session=session)

    def _device(self, user_agent: str) -> str:
        provider: Any = self.middleware.engine.sync_providers.get("device")
        described = getattr(provider, "describe", None)
        if described is None:
            return "own user agent"
        device = described(user_agent)
        label = " on ".join(str(device[key]) for key in ("browser", "os") if device.get(key))
        return f"{device.get('type', 'other')}" + (f" · {label}" if label else "")


class _ViewEndpoint:
    """The raw-ASGI route for page previews (so the app's response streams through)."""

    def __init__(self, console: PreviewConsole) -> None:
        self._console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._console.view(scope, receive, send)


def _is_page(path: str) -> bool:
    return isinstance(path, str) and path.startswith("/") and not path.startswith("//")


def _page(value: str | None, *, default: str) -> str:
    return value if value is not None and _is_page(value) else default


def _html(content: str, *, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status_code, headers=_CONSOLE_HEADERS)


def _redirect(url: str) -> RedirectResponse:
    headers = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
    return RedirectResponse(url, status_code=303, headers=headers)


def _cookie(scope: Scope) -> str | None:
    return read_cookie(RequestInfo.from_scope(scope).headers.get("cookie"), PREVIEW_COOKIE)


def _host(scope: Scope) -> str | None:
    return RequestInfo.from_scope(scope).headers.get("host")


def _form_value(body: bytes, name: str) -> str | None:
    values = parse_qs(body.decode("latin-1"), max_num_fields=20).get(name)
    return values[0] if values else None


async def _read_body(receive: Receive) -> bytes:
    """The request body, up to a small cap (a login form is a few bytes)."""
    body = b""
    while True:
        message = await receive()
        chunk: bytes = message.get("body", b"")
        body += chunk
        if len(body) > _MAX_FORM_BYTES:
            return b""
        if not message.get("more_body", False):
            return body
