"""1,000 concurrent requests from one visitor, over two uvicorn worker processes, leave exactly
1,000 page views: updates are atomic in the store, never read-modify-write."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from middleware.identity import VisitorCookie
from middleware.stores import open_store

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 1000
VISITOR = "e" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(store: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    policy = tmp_path / "policy.yaml"
    policy.write_text("slots: {}\n", encoding="utf-8")
    port = free_port()
    env = os.environ | {"CHEERS_TEST_POLICY": str(policy), "CHEERS_TEST_STORE": store}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.middleware.concurrency_app:app",
            "--workers",
            "2",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("uvicorn did not start")


async def hammer(base: str) -> set[str]:
    cookie = VisitorCookie(["concurrency-test"]).sign(VISITOR)
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(
        base_url=base, cookies={"cheers_id": cookie}, limits=limits, timeout=60
    ) as client:
        responses = await asyncio.gather(*(client.get("/") for _ in range(REQUESTS)))
    assert all(r.status_code == 200 for r in responses)
    return {m.group(1) for r in responses if (m := re.search(r"served by (\d+)", r.text))}


async def page_views(store_url: str) -> int:
    store = open_store(store_url)
    try:
        profile = await store.load_profile(VISITOR)
        return profile.page_views if profile else 0
    finally:
        await store.close()


def run_two_workers(store_url: str, tmp_path: Path) -> tuple[int, set[str]]:
    server, base = start_server(store_url, tmp_path)
    try:
        baseline = asyncio.run(page_views(store_url))  # start_server's readiness probes
        workers = asyncio.run(hammer(base))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return asyncio.run(page_views(store_url)) - baseline, workers


def test_two_workers_count_every_page_view_on_sqlite(tmp_path: Path) -> None:
    views, workers = run_two_workers(f"sqlite:///{tmp_path}/cheers.db", tmp_path)
    assert len(workers) == 2, "both worker processes should have served requests"
    assert views == REQUESTS


@pytest.mark.redis
def test_two_workers_count_every_page_view_on_redis(tmp_path: Path, redis_url: str) -> None:
    views, workers = run_two_workers(redis_url, tmp_path)
    assert len(workers) == 2, "both worker processes should have served requests"
    assert views == REQUESTS
