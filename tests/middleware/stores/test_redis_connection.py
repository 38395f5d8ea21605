"""Redis connections from a store URL: timeouts, the pool, and redaction."""

from __future__ import annotations

import pytest

from middleware.stores._redis_connection import REPLY_TIMEOUT, open_client, redact_url
from slots.errors import ConfigurationError


def test_open_client_takes_its_timeout_from_the_url() -> None:
    client = open_client("redis://127.0.0.1:6379/3?timeout=0.5&max_connections=7")
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["socket_connect_timeout"], kwargs["db"]) == (0.5, 3)
    # Replies get at least REPLY_TIMEOUT: a busy loop reads prompt replies late.
    assert kwargs["socket_timeout"] == REPLY_TIMEOUT
    assert client.connection_pool.max_connections == 7
    slow = open_client("redis://127.0.0.1:6379/3?timeout=5")
    assert slow.connection_pool.connection_kwargs["socket_timeout"] == 5


@pytest.mark.parametrize("timeout", ["0", "-1", "soon"])
def test_open_client_rejects_a_timeout_that_is_not_a_positive_number(timeout: str) -> None:
    with pytest.raises(ConfigurationError, match="timeout must be a number of seconds") as raised:
        open_client(f"redis://:secret@127.0.0.1:6379/0?timeout={timeout}")
    assert "secret" not in str(raised.value)


def test_redact_url_hides_the_password_only() -> None:
    assert redact_url("redis://user:s3cret@host:6379/0") == "redis://user:***@host:6379/0"
    assert redact_url("rediss://:s3cret@host/1") == "rediss://:***@host/1"
    assert redact_url("redis://host:6379/0") == "redis://host:6379/0"
