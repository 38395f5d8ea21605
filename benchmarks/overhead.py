"""What the middleware adds to a request: the demo home page, bare and personalized, in-process.

    python benchmarks/overhead.py [--requests 3000] [--path /] [--store URL ...] [--views N]

Both apps are called directly as ASGI callables (no server, no sockets), side by side in one
run, with rotating real user agents, client addresses and signed cookies of returning
visitors, so the figures isolate the middleware's own cost. ``--store`` (repeatable) picks
the personalized apps' stores; by default one SQLite file and ``memory://`` are measured in
the same run, the latter isolating the middleware from the cost of SQLite writes. With
``--views N``, the returning visitors first view N product pages on each personalized app,
so that trending items, co-views and histories exist and the recommendation slots render
(by default they are empty and keep the page's own content).

For each app it prints requests per second, then per request: the median and p99 time
until the app returns (what this benchmark has always reported: it includes the writes
done after the response), the median time until the last body message is sent (when a
server such as uvicorn considers the response complete and starts the connection's next
request), and the event loop thread's CPU time (``time.thread_time``: the SQLite writer
thread's work, done on another core, is not in it). Then what each personalized app adds
to the bare one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp as App
from starlette.types import Message

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
]
ADDRESSES = ["192.0.2.10", "198.51.100.20", "203.0.113.30", "192.0.2.70", "127.0.0.1"]


def scope_for(index: int, path: str, cookies: list[str]) -> dict[str, Any]:
    headers = [
        (b"host", b"shop.example"),
        (b"user-agent", USER_AGENTS[index % len(USER_AGENTS)].encode()),
        (b"accept", b"text/html"),
        (b"accept-language", b"en-GB,en;q=0.9"),
    ]
    if cookies:
        headers.append((b"cookie", cookies[index % len(cookies)].encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": (ADDRESSES[index % len(ADDRESSES)], 50000),
        "server": ("127.0.0.1", 8000),
    }


@dataclass(slots=True)
class _Response:
    """What one request sent: status, headers, body, and when its last byte went."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    completed_at: float = 0.0

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.headers = message["status"], message["headers"]
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.completed_at = time.perf_counter()


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def respond(app: App, scope: dict[str, Any]) -> _Response:
    response = _Response()
    await app(scope, _receive, response.send)
    return response


async def call(app: App, scope: dict[str, Any]) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    response = await respond(app, scope)
    return response.status, b"".join(response.chunks), response.headers


async def visitor_cookies(app: App, path: str, count: int) -> list[str]:
    """Cookies of returning visitors: one first request each, keeping its Set-Cookie."""
    cookies = []
    for index in range(count):
        _, _, headers = await call(app, scope_for(index, path, []))
        for name, value in headers:
            if name == b"set-cookie":
                cookies.append(value.decode().split(";", 1)[0])
    return cookies


@dataclass(slots=True)
class Timings:
    """Per request: until the app returned, and until its last byte; plus loop CPU."""

    returned: list[float] = field(default_factory=list)
    completed: list[float] = field(default_factory=list)
    cpu: float = 0.0


async def measure(
    app: App, path: str, requests: int, cookies: list[str], into: Timings | None = None
) -> list[float]:
    """Time ``requests`` requests, adding to ``into``; returns the times until the app returned."""
    timings = Timings() if into is None else into
    first = len(timings.returned)
    cpu_started = time.thread_time()
    for index in range(requests):
        scope = scope_for(index, path, cookies)
        started = time.perf_counter()
        response = await respond(app, scope)
        timings.returned.append(time.perf_counter() - started)
        timings.completed.append(response.completed_at - started)
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
    timings.cpu += time.thread_time() - cpu_started
    return timings.returned[first:]


def store_url(name: str, folder: str) -> str:
    return f"sqlite:///{folder}/bench.db" if name == "sqlite" else name


async def browse(app: App, views: int, cookies: list[str]) -> None:
    """``views`` product page views by the returning visitors, over the first 30 items."""
    from demo_site.settings import HERE

    rows = json.loads((HERE / "catalog.json").read_text(encoding="utf-8"))
    paths = [f"/products/{row['id']}" for row in rows[:30]]
    for index in range(views):
        await call(app, scope_for(index, paths[index * 7 % len(paths)], cookies))


async def run(requests: int, path: str, stores: list[str], views: int) -> None:
    from demo_site.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("CHEERS_SECRET_KEY", "benchmark-key")
        apps: dict[str, App] = {"bare demo app": create_app(personalize=False)}
        for name in stores:
            apps[f"personalized, {name}"] = create_app(store=store_url(name, folder))
        # Cookies signed by one app are valid for all: they share the secret key.
        cookies = await visitor_cookies(apps[f"personalized, {stores[0]}"], path, 50)
        timings = {name: Timings() for name in apps}
        for name, app in apps.items():
            if name != "bare demo app":
                await browse(app, views, cookies)
        for app in apps.values():  # warm every app: templates compiled, caches filled
            await measure(app, path, 300, cookies)
        rounds = 5
        for _ in range(rounds):  # interleave so drift hits every app alike
            for name, app in apps.items():
                await measure(app, path, requests // rounds, cookies, timings[name])
    report(timings, path)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(timings: dict[str, Timings], path: str) -> None:
    rows = {
        name: (
            len(t.returned) / sum(t.returned),
            statistics.median(t.returned) * 1e6,
            percentile(t.returned, 0.99) * 1e6,
            statistics.median(t.completed) * 1e6,
            t.cpu / len(t.returned) * 1e6,
        )
        for name, t in timings.items()
    }
    count = len(next(iter(timings.values())).returned)
    print(f"GET {path}, in-process, {count} requests each\n")
    print("| app | req/s | median µs | p99 µs | last byte µs | loop CPU µs |")
    print("|---|---|---|---|---|---|")
    for name, (rps, median, p99, last_byte, cpu) in rows.items():
        print(
            f"| {name} | {rps:,.0f} | {median:,.0f} | {p99:,.0f} | {last_byte:,.0f} | {cpu:,.0f} |"
        )
    bare_name, *personalized = rows
    bare = rows[bare_name]
    print("\nadded per request (median until the app returns / p99 / median to last byte / CPU):")
    for name in personalized:
        row = rows[name]
        added = " / ".join(f"{row[i] - bare[i]:,.0f}" for i in (1, 2, 3, 4))
        print(f"  {name}: {added} µs; throughput ratio {row[0] / bare[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--path", default="/")
    parser.add_argument(
        "--store",
        action="append",
        metavar="URL",
        help="a store URL for a personalized app (repeatable); 'sqlite' means a temporary "
        "SQLite file. Default: sqlite and memory://",
    )
    parser.add_argument("--views", type=int, default=0, metavar="N")
    args = parser.parse_args()
    stores = args.store or ["sqlite", "memory://"]
    asyncio.run(run(args.requests, args.path, stores, args.views))


if __name__ == "__main__":
    main()
