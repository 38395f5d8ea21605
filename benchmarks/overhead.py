"""What the middleware adds to a request: the demo home page, bare and personalized, in-process.

    python benchmarks/overhead.py [--requests 3000] [--path /]

Both apps are called directly as ASGI callables (no server, no sockets), side by side in one
run, with rotating real user agents, client addresses and signed cookies of returning
visitors, so the figures isolate the middleware's own cost. Prints requests per second,
the median and p99 time per request of each app, the added microseconds and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

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

App = Callable[
    [
        dict[str, Any],
        Callable[[], Awaitable[dict[str, Any]]],
        Callable[[dict[str, Any]], Awaitable[None]],
    ],
    Awaitable[None],
]


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


async def call(app: App, scope: dict[str, Any]) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], body, start["headers"]


async def visitor_cookies(app: App, path: str, count: int) -> list[str]:
    """Cookies of returning visitors: one first request each, keeping its Set-Cookie."""
    cookies = []
    for index in range(count):
        _, _, headers = await call(app, scope_for(index, path, []))
        for name, value in headers:
            if name == b"set-cookie":
                cookies.append(value.decode().split(";", 1)[0])
    return cookies


async def measure(app: App, path: str, requests: int, cookies: list[str]) -> list[float]:
    timings = []
    for index in range(requests):
        scope = scope_for(index, path, cookies)
        started = time.perf_counter()
        status, _, _ = await call(app, scope)
        timings.append(time.perf_counter() - started)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    return timings


async def run(requests: int, path: str) -> None:
    from demo_site.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("CHEERS_SECRET_KEY", "benchmark-key")
        bare = create_app(personalize=False)
        personalized = create_app(store=f"sqlite:///{folder}/bench.db")
        cookies = await visitor_cookies(personalized, path, 50)
        for app in (bare, personalized):  # warm both: templates compiled, caches filled
            await measure(app, path, 300, cookies)
        rounds = 5
        bare_times: list[float] = []
        cheers_times: list[float] = []
        for _ in range(rounds):  # interleave so drift hits both alike
            bare_times += await measure(bare, path, requests // rounds, cookies)
            cheers_times += await measure(personalized, path, requests // rounds, cookies)
    report(bare_times, cheers_times, path)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(bare: list[float], cheers: list[float], path: str) -> None:
    rows = []
    for name, times in (("bare demo app", bare), ("with PersonalizationMiddleware", cheers)):
        rows.append(
            (
                name,
                len(times) / sum(times),
                statistics.median(times) * 1e6,
                percentile(times, 0.99) * 1e6,
            )
        )
    print(f"GET {path}, in-process, {len(bare)} requests each\n")
    print("| app | req/s | median µs | p99 µs |\n|---|---|---|---|")
    for name, rps, median, p99 in rows:
        print(f"| {name} | {rps:,.0f} | {median:,.0f} | {p99:,.0f} |")
    added_median = rows[1][2] - rows[0][2]
    added_p99 = rows[1][3] - rows[0][3]
    print(f"\nadded per request: median {added_median:,.0f} µs, p99 {added_p99:,.0f} µs")
    print(f"throughput ratio (personalized / bare): {rows[1][1] / rows[0][1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--path", default="/")
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.path))


if __name__ == "__main__":
    main()
