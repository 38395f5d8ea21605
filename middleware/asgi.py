"""``PersonalizationMiddleware``: the pure-ASGI shell around the decision core."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from slots.profile import Profile

from .clock import Clock, SystemClock
from .consent import ConsentSettings
from .engine import Engine
from .events import record_request
from .identity import CookieSettings, Secret
from .responder import SlotResponder
from .settings import TEMPLATES_DIR, BotContent, Settings, resolve_secret_keys

__all__ = ["PersonalizationMiddleware", "PreviewHook", "PreviewSession", "SCOPE_KEY"]

#: The one scope key Cheers adds: the request's :class:`~middleware.Personalization`.
SCOPE_KEY = "personalization"

_PERSONALIZED_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class PreviewSession:
    """A request to be served as a persona: the scope as the persona would send it (their
    user agent, address, headers), attribute overrides, their instant and their history.
    ``visitor_id`` buckets the persona into experiments (stable per persona; never stored)."""

    scope: Scope
    overrides: Mapping[str, Mapping[str, Any]]
    now: datetime | None = None
    profile: Profile | None = None
    visitor_id: str | None = None


class PreviewHook(Protocol):
    """The persona preview console, mounted at ``prefix`` (see middleware/preview)."""

    prefix: str

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...

    def session_for(self, scope: Scope) -> PreviewSession | None:
        """The persona a normal page request is previewed as (a signed preview cookie), if any."""


class PersonalizationMiddleware:
    """Fills the tagged slots of an ASGI app's HTML pages with what the policy picks.

    Mount it *inside* any compressing middleware (GZip, Brotli): it rewrites plain HTML
    and passes compressed bodies through untouched. Everything is configured and checked
    here, at start-up: a bad policy, a missing GeoIP database or a missing secret key stop
    the app from starting rather than quietly switching personalization off.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        policy: str | os.PathLike[str],
        secret_key: str | Secret | Sequence[str | Secret] | None = None,
        store: str = "sqlite:///cheers.db",
        templates: Sequence[str | os.PathLike[str]] = (),
        geoip_db: str | os.PathLike[str] | None = None,
        loopback_alias: str | None = None,
        trusted_proxies: Sequence[str] = (),
        catalog: Any = None,
        item_routes: Mapping[str, str] | None = None,
        weather: Any = None,
        weather_budget: float = 0.1,
        default_timezone: str = "UTC",
        dayparts: Mapping[str, Sequence[int]] | None = None,
        consent: ConsentSettings = ConsentSettings(),
        cookie: CookieSettings = CookieSettings(),
        session_gap: timedelta = timedelta(minutes=30),
        retention: timedelta = timedelta(days=395),
        bot_content: BotContent = "default",
        exclude_paths: Sequence[str] = ("/static/", "/favicon.ico", "/healthz", "/robots.txt"),
        debug: bool = False,
        clock: Clock | None = None,
        preview_secret: str | Secret | Sequence[str | Secret] | None = None,
        personas: str | os.PathLike[str] | None = None,
        preview_path: str = "/_cheers",
        preview_pages: Sequence[str] | None = None,
        preview_lifetime: timedelta = timedelta(hours=12),
        user_key_secret: str | Secret | None = None,
    ) -> None:
        self.app = app
        settings = Settings(
            policy=Path(policy),
            secret_keys=resolve_secret_keys(secret_key, debug=debug),
            store=store,
            templates=(*(Path(t) for t in templates), TEMPLATES_DIR),
            geoip_db=Path(geoip_db) if geoip_db is not None else None,
            loopback_alias=loopback_alias,
            trusted_proxies=tuple(trusted_proxies),
            catalog=catalog,
            item_routes=dict(item_routes or {}),
            weather=weather,
            weather_budget=weather_budget,
            default_timezone=default_timezone,
            dayparts=dayparts,
            consent=consent,
            cookie=cookie,
            session_gap=session_gap,
            retention=retention,
            bot_content=bot_content,
            exclude_paths=tuple(exclude_paths),
            debug=debug,
            user_key_secret=Secret(str(user_key_secret)) if user_key_secret is not None else None,
        )
        self.engine = Engine(settings, clock=clock or SystemClock())
        self._exclude = settings.exclude_paths
        self.preview: PreviewHook | None = None
        if preview_secret is not None:
            # Imported here: the preview package builds on this module (PreviewSession).
            from .preview import PreviewConsole

            self.preview = PreviewConsole(
                middleware=self,
                secret=preview_secret,
                personas_path=personas,
                prefix=preview_path,
                pages=preview_pages,
                lifetime=preview_lifetime,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        preview = self.preview
        if preview is not None and (
            path == preview.prefix or path.startswith(preview.prefix + "/")
        ):
            await preview(scope, receive, send)
            return
        if path.startswith(self._exclude):
            await self.app(scope, receive, send)
            return
        session = preview.session_for(scope) if preview is not None else None
        await self.personalize(scope, receive, send, session=session)

    async def personalize(
        self, scope: Scope, receive: Receive, send: Send, *, session: PreviewSession | None = None
    ) -> None:
        """Run the app for one request with personalization; with ``session``, as a persona
        in preview (nothing is stored, no cookie is set, traces are shown)."""
        if session is not None:
            scope = session.scope
            personalization = self.engine.begin(
                scope,
                overrides=session.overrides,
                now=session.now,
                profile=session.profile,
                preview=True,
                visitor_id=session.visitor_id,
            )
        else:
            personalization = self.engine.begin(scope)
        scope[SCOPE_KEY] = personalization
        method = scope["method"]
        responder = SlotResponder(
            send, personalization, is_head=method == "HEAD", rewrite=method in _PERSONALIZED_METHODS
        )
        try:
            await self.app(scope, receive, responder)
        finally:
            await record_request(
                personalization,
                status=responder.status,
                is_page=responder.is_page and method == "GET",
            )
