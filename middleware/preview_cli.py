"""The ``cheers preview`` and ``cheers preview-link`` commands."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from slots.errors import ConfigurationError, PolicyError
from slots.personas import PersonaBook

if TYPE_CHECKING:  # the app and the middleware load only when a command runs
    from slots.decision import Decision

    from .asgi import PersonalizationMiddleware
    from .personalization import Personalization

__all__ = ["add_commands", "decision_json", "load_app"]

SECRET_ENV = "CHEERS_PREVIEW_SECRET"


def add_commands(subparsers: Any) -> None:
    """Add ``preview`` and ``preview-link`` to the ``cheers`` command's subparsers."""
    preview = subparsers.add_parser(
        "preview", help="print what a persona gets on a page, as JSON (or the page with --html)"
    )
    preview.add_argument("path", help="the page, e.g. / or /products/x?utm_source=y")
    preview.add_argument("--app", required=True, metavar="MODULE:APP", help="e.g. shop.app:app")
    preview.add_argument("--factory", action="store_true", help="APP makes the app")
    preview.add_argument("--persona", required=True, metavar="NAME")
    preview.add_argument("--personas", metavar="FILE", help="default: the console's")
    preview.add_argument("--html", action="store_true", help="print the personalized page instead")
    preview.set_defaults(run=run_preview)

    link = subparsers.add_parser("preview-link", help="print a signed link that opens a preview")
    link.add_argument("--persona", metavar="NAME", help="the persona (default: the whole console)")
    link.add_argument("--path", default="/", help="the page the link opens (default /)")
    link.add_argument("--expires", default="1d", help="30m, 12h, 1d, 2w (default 1d)")
    link.add_argument("--secret", help=f"the preview secret (default: ${SECRET_ENV})")
    link.add_argument("--base-url", default="http://127.0.0.1:8000", help="the site's address")
    link.add_argument("--prefix", default="/_cheers", help="the console's path (default /_cheers)")
    link.add_argument("--personas", metavar="FILE", help="check the persona in FILE")
    link.set_defaults(run=run_preview_link)


def _fail(message: str) -> int:
    print(f"cheers: {message}", file=sys.stderr)
    return 2


def load_app(spec: str, *, factory: bool = False) -> Any:
    """The object ``MODULE:ATTRIBUTE`` names (called first when ``factory``)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"--app {spec!r}: write MODULE:APP, e.g. shop.main:app")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target() if factory else target


def decision_json(decision: Decision) -> dict[str, Any]:
    """A slot's decision as plain JSON data."""
    trace = [{"rule": s.rule, "outcome": s.outcome, "reason": s.reason} for s in decision.trace]
    return {
        "rule": decision.rule,
        "variant": decision.variant,
        "bucket": decision.bucket,
        "template": decision.template,
        "strategy": decision.recommendations.strategy if decision.recommendations else None,
        "trace": trace,
        "explain": decision.explain(),
    }


async def _render(
    app: Any, middleware: PersonalizationMiddleware, book: PersonaBook, *, persona: str, page: str
) -> tuple[int, bytes, Personalization | None]:
    from .asgi import SCOPE_KEY
    from .personalization import Personalization
    from .preview.session import persona_session

    path, _, query = page.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": None,
        "server": ("localhost", 80),
        "app": app,
    }
    session = persona_session(
        book.get(persona),
        scope,
        path=path,
        query_string=query.encode(),
        now=middleware.engine.clock.now(),
    )
    status, chunks = 500, []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await middleware.personalize(session.scope, receive, send, session=session)
    finally:
        await middleware.engine.aclose()
    personalization = session.scope.get(SCOPE_KEY)
    if not isinstance(personalization, Personalization):
        personalization = None
    return status, b"".join(chunks), personalization


def run_preview(args: argparse.Namespace) -> int:
    from .preview.session import read_personas
    from .testing import find_middleware

    try:
        app = load_app(args.app, factory=args.factory)
        middleware = find_middleware(app)
        configured = getattr(middleware.preview, "personas", None)
        book = read_personas(args.personas) if args.personas else configured
        if not isinstance(book, PersonaBook):
            return _fail("no personas: pass --personas FILE or configure the preview console")
        book.get(args.persona)
    except (ValueError, LookupError, AttributeError, ImportError, OSError, PolicyError) as error:
        return _fail(str(error).strip('"'))
    if not args.path.startswith("/"):
        return _fail(f"the page must be a path starting with /, not {args.path!r}")
    status, body, personalization = asyncio.run(
        _render(app, middleware, book, persona=args.persona, page=args.path)
    )
    if args.html:
        sys.stdout.write(body.decode("utf-8", "replace"))
        return 0 if status < 400 else 1
    decisions = personalization.decisions if personalization is not None else {}
    order = list(personalization.policy.slots) if personalization is not None else []
    slots = sorted(decisions, key=lambda slot: order.index(slot) if slot in order else len(order))
    result = {
        "persona": args.persona,
        "path": args.path,
        "status": status,
        "slots": {slot: decision_json(decisions[slot]) for slot in slots},
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if status < 400 else 1


def run_preview_link(args: argparse.Namespace) -> int:
    from .preview.session import read_personas
    from .preview.tokens import PreviewGrant, PreviewTokens, parse_lifetime, preview_link

    secret = args.secret or os.environ.get(SECRET_ENV)
    if not secret:
        return _fail(f"no preview secret: pass --secret or set {SECRET_ENV}")
    if not args.path.startswith("/") or args.path.startswith("//"):
        return _fail(f"--path must be a path starting with /, not {args.path!r}")
    try:
        lifetime = parse_lifetime(args.expires)
        tokens = PreviewTokens(secret)
        if args.personas and args.persona:
            read_personas(args.personas).get(args.persona)
    except (ValueError, ConfigurationError, LookupError, OSError, PolicyError) as error:
        return _fail(str(error).strip('"'))
    grant = PreviewGrant(args.persona, int(time.time() + lifetime.total_seconds()), args.path)
    print(preview_link(tokens, grant, base_url=args.base_url, prefix=args.prefix))
    return 0
