"""Shared test fixtures: third-party corpora, a real Redis, and the rule that a missing
service may skip a test only where CI has not asked for it (CHEERS_REQUIRE_*=1)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("CHEERS_CORPORA", ROOT.parent / "shared" / "corpora"))
REDIS_URL = os.environ.get("CHEERS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def skip_or_fail(reason: str, *, required_by: str) -> None:
    """Skip with ``reason``, or fail when the environment variable ``required_by`` is 1."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{reason} ({required_by}=1 makes this a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The folder of real third-party test data (../shared/corpora)."""
    if not CORPORA.is_dir():
        skip_or_fail(f"corpora folder {CORPORA} is absent", required_by="CHEERS_REQUIRE_CORPORA")
    return CORPORA


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), 0.5
        ) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database for one test, emptied before and after it."""
    if not _redis_answers(REDIS_URL):
        skip_or_fail(f"no Redis answers at {REDIS_URL}", required_by="CHEERS_REQUIRE_REDIS")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()
