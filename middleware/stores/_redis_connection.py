"""Redis connections from a store URL: its timeout, a redacted form for logs, and the pool.

Connecting times out after ``?timeout=`` seconds (default 0.25) and commands are never
retried; a reply may take longer (at least ``REPLY_TIMEOUT``), since under load the event
loop itself may read a prompt reply late, and a false timeout would drop the write.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from slots.errors import ConfigurationError

__all__ = ["DEFAULT_TIMEOUT", "POOL_WAIT", "REPLY_TIMEOUT", "open_client", "redact_url"]

#: Seconds to connect, and to wait for a reply, unless the URL says ``?timeout=``.
DEFAULT_TIMEOUT = 0.25
#: The least time a command waits for its reply (a busy event loop reads replies late).
REPLY_TIMEOUT = 2.0
#: Seconds a command waits for a free pooled connection before it fails.
POOL_WAIT = 2.0


def open_client(url: str) -> Redis:
    """A client for the store URL; raises ``ConfigurationError`` for a bad ``?timeout=``."""
    address, timeout = _split_timeout(url)
    # No I/O here: redis-py connects on the first command. Retries are off, since a
    # retry after a timeout doubles the time a request waits on a Redis that is down.
    # A burst beyond the pool's connections (?max_connections=, default 50) waits for
    # a free one rather than failing.
    pool = BlockingConnectionPool.from_url(
        address,
        timeout=POOL_WAIT,
        decode_responses=True,
        socket_connect_timeout=timeout,
        socket_timeout=max(timeout, REPLY_TIMEOUT),
        retry=Retry(NoBackoff(), 0),
    )
    return Redis.from_pool(pool)


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``, fit for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def _split_timeout(url: str) -> tuple[str, float]:
    """The URL without its ``timeout`` query parameter, and that timeout."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    given = [value for name, value in query if name == "timeout"]
    rest = urlencode([(name, value) for name, value in query if name != "timeout"])
    try:
        timeout = float(given[-1]) if given else DEFAULT_TIMEOUT
    except ValueError:
        timeout = -1.0
    if not timeout > 0:
        raise ConfigurationError(
            f"store URL {redact_url(url)!r}: timeout must be a number of seconds above 0, "
            f"e.g. ?timeout=0.25"
        )
    return urlunsplit(parts._replace(query=rest)), timeout
