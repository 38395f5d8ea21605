"""Stores of profiles, counters and item statistics, opened by URL.

``open_store`` picks the implementation from the URL's scheme and does no I/O: each store
connects (or creates its SQLite schema) on first use. Wrap the result in
:class:`GuardedStore` so a failing backend never reaches a visitor.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl

from middleware.stores._codec import DEFAULT_LIMITS
from middleware.stores.base import ItemKind as ItemKind
from middleware.stores.base import Store as Store
from middleware.stores.base import StoreLimits as StoreLimits
from middleware.stores.guard import GuardedStore as GuardedStore
from middleware.stores.memory import MemoryStore as MemoryStore
from middleware.stores.redis import RedisStore as RedisStore
from middleware.stores.redis import redact_url
from middleware.stores.sqlite import SQLiteStore as SQLiteStore
from slots.errors import ConfigurationError

__all__ = [
    "GuardedStore",
    "ItemKind",
    "MemoryStore",
    "RedisStore",
    "SQLiteStore",
    "Store",
    "StoreLimits",
    "open_store",
]

_ACCEPTED = (
    "memory://, sqlite:///relative/path.db, sqlite:////absolute/path.db, "
    "redis://host:6379/0 or rediss://host:6379/0"
)


def _busy_timeout(url: str, query: str) -> float:
    """Seconds a SQLite write waits for the lock: ``?timeout=`` or 5."""
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - {"timeout"})
    try:
        timeout = float(options.get("timeout", "5"))
    except ValueError:
        timeout = -1.0
    if unknown or not timeout > 0:
        raise ConfigurationError(
            f"store URL {url!r}: SQLite takes one option, timeout, a number of seconds "
            f"above 0 (e.g. sqlite:///cheers.db?timeout=2); got {query!r}"
        )
    return timeout


def open_store(
    url: str,
    *,
    limits: StoreLimits = DEFAULT_LIMITS,
    retention: timedelta = timedelta(days=395),
    trending_half_life: timedelta = timedelta(days=7),
) -> Store:
    """The store a URL names; raises ConfigurationError for a URL it cannot use.

    ``?timeout=`` sets how long a request may wait: for Redis to connect or answer
    (default 0.25 s), for SQLite's write lock (default 5 s).

    ``retention`` is how long an idle visitor is kept (Redis expires keys by it; SQLite and
    memory keep it as ``store.retention`` for a scheduled ``purge``). ``trending_half_life``
    is how fast trending popularity decays.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme = ""
    if scheme == "memory" and rest == "":
        return MemoryStore(
            limits=limits, retention=retention, trending_half_life=trending_half_life
        )
    # sqlite:///relative.db leaves "/relative.db"; sqlite:////abs.db leaves "//abs.db".
    path, _, query = rest[1:].partition("?")
    if scheme == "sqlite" and rest.startswith("/") and path.strip("/"):
        return SQLiteStore(
            path,
            limits=limits,
            retention=retention,
            trending_half_life=trending_half_life,
            busy_timeout=_busy_timeout(url, query),
        )
    if scheme in ("redis", "rediss"):
        return RedisStore(
            url, limits=limits, retention=retention, trending_half_life=trending_half_life
        )
    raise ConfigurationError(f"cannot open store {redact_url(url)!r}: use {_ACCEPTED}")
