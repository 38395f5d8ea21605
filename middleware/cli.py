"""The ``cheers`` command: demo, lint, context, preview, preview-link, forget, purge, report."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    import os
    import secrets

    import uvicorn

    base = f"http://{args.host}:{args.port}"
    print(f"Cheers demo shop on {base}/  (Ctrl+C stops it)", flush=True)
    if not os.environ.get("CHEERS_PREVIEW_SECRET"):
        # A console for this run only; the reloader's child process inherits the variable.
        os.environ["CHEERS_PREVIEW_SECRET"] = secrets.token_urlsafe(24)
    print(f"Persona preview console: {_console_link(base)}", flush=True)
    uvicorn.run(
        "demo_site.app:app", host=args.host, port=args.port, reload=args.reload, log_level="info"
    )
    return 0


def _console_link(base: str) -> str:
    """A signed link that opens the demo's preview console for 12 hours."""
    import os
    import time

    from .preview.tokens import PreviewGrant, PreviewTokens, preview_link

    grant = PreviewGrant(None, int(time.time() + 12 * 3600), "/")
    return preview_link(PreviewTokens(os.environ["CHEERS_PREVIEW_SECRET"]), grant, base_url=base)


def _lint(args: argparse.Namespace) -> int:
    from .lint import main as lint_main

    argv = [args.policy]
    for folder in args.templates:
        argv += ["--templates", folder]
    return lint_main(argv)


def _context(args: argparse.Namespace) -> int:
    from .inspect import print_context

    return print_context(args)


async def _with_store(url: str, action: Callable[..., object]) -> object:
    from .stores import open_store

    store = open_store(url)
    try:
        return await action(store)  # type: ignore[misc]
    finally:
        await store.close()


def _forget(args: argparse.Namespace) -> int:
    erased = asyncio.run(_with_store(args.store, lambda store: store.forget(args.visitor_id)))
    print(
        f"erased everything stored about {args.visitor_id}"
        if erased
        else f"nothing stored about {args.visitor_id}"
    )
    return 0


def _purge(args: argparse.Namespace) -> int:
    cutoff = datetime.now(UTC) - timedelta(days=args.days)
    count = asyncio.run(_with_store(args.store, lambda store: store.purge(older_than=cutoff)))
    print(f"purged {count} profiles last seen before {cutoff:%Y-%m-%d}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import print_report

    return print_report(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cheers", description="JavaScript-free website personalization."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="serve the demo shop")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--reload", action="store_true", help="restart when the code changes")
    demo.set_defaults(run=_demo)

    lint = commands.add_parser("lint", help="check a policy file and the templates that use it")
    lint.add_argument("policy")
    lint.add_argument("--templates", action="append", default=[], metavar="DIR")
    lint.set_defaults(run=_lint)

    context = commands.add_parser("context", help="print what Cheers sees for a request, as JSON")
    context.add_argument("--ip")
    context.add_argument("--user-agent", default="")
    context.add_argument("--header", action="append", default=[], metavar="'Name: value'")
    context.add_argument("--at", help="the instant, ISO 8601 (default: now)")
    context.add_argument("--path", default="/")
    context.add_argument("--geoip-db")
    context.add_argument("--timezone", default="UTC", help="the default time zone")
    context.add_argument("--trusted-proxy", action="append", default=[])
    context.add_argument(
        "--config", help="a YAML file: geoip_db, default_timezone, trusted_proxies, weather"
    )
    context.add_argument("--weather", help='static weather as JSON, e.g. \'{"condition": "rain"}\'')
    context.set_defaults(run=_context)

    for name, helptext, run in (
        ("forget", "erase everything stored about a visitor", _forget),
        ("purge", "delete profiles past the retention period", _purge),
    ):
        sub = commands.add_parser(name, help=helptext)
        if name == "forget":
            sub.add_argument("visitor_id")
        else:
            sub.add_argument(
                "--days", type=int, default=395, help="retention in days (default 395)"
            )
        sub.add_argument(
            "--store", default="sqlite:///cheers.db", help="store URL (default sqlite:///cheers.db)"
        )
        sub.set_defaults(run=run)

    report = commands.add_parser("report", help="how often each experiment variant was shown")
    report.add_argument("policy")
    report.add_argument("--store", default="sqlite:///cheers.db")
    report.set_defaults(run=_report)

    from .preview_cli import add_commands

    add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
