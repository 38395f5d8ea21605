"""The stores package: its public names and open_store's choice by URL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import middleware.stores
from middleware.stores import MemoryStore, RedisStore, SQLiteStore, StoreLimits, open_store
from slots.errors import ConfigurationError


def test_stores_export_their_public_names() -> None:
    assert middleware.stores.__all__ == [
        "GuardedStore",
        "ItemKind",
        "MemoryStore",
        "RedisStore",
        "SQLiteStore",
        "Store",
        "StoreLimits",
        "open_store",
    ]


def test_open_store_memory() -> None:
    limits = StoreLimits(recent_items=5)
    store = open_store("memory://", limits=limits, retention=timedelta(days=30))
    assert isinstance(store, MemoryStore)
    assert (store.limits, store.retention) == (limits, timedelta(days=30))


def test_open_store_sqlite_relative_and_absolute_paths(tmp_path: Path) -> None:
    relative = open_store("sqlite:///data/cheers.db")
    absolute = open_store(f"sqlite:///{tmp_path}/cheers.db")  # tmp_path starts with "/"
    assert isinstance(relative, SQLiteStore) and relative.path == "data/cheers.db"
    assert isinstance(absolute, SQLiteStore) and absolute.path == f"{tmp_path}/cheers.db"
    assert list(tmp_path.iterdir()) == []  # opening does no I/O


def test_open_store_sqlite_takes_a_lock_timeout() -> None:
    store = open_store("sqlite:///cheers.db?timeout=0.5")
    assert isinstance(store, SQLiteStore)
    assert (store.path, store.busy_timeout) == ("cheers.db", 0.5)


@pytest.mark.parametrize("query", ["timeout=0", "timeout=soon", "mode=ro"])
def test_open_store_sqlite_rejects_other_options(query: str) -> None:
    with pytest.raises(ConfigurationError, match="SQLite takes one option, timeout"):
        open_store(f"sqlite:///cheers.db?{query}")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.example:6380/2"])
def test_open_store_redis(url: str) -> None:
    store = open_store(url, retention=timedelta(days=7))
    assert isinstance(store, RedisStore)
    assert (store.url, store.retention) == (url, timedelta(days=7))


@pytest.mark.parametrize(
    "url",
    [
        "postgres://db/cheers",
        "sqlite://cheers.db",
        "sqlite:///",
        "sqlite:///?timeout=1",
        "memory://x",
        "cheers.db",
        "",
    ],
)
def test_open_store_rejects_a_url_it_cannot_use(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_store(url)
    message = str(caught.value)
    assert repr(url) in message
    assert "memory://" in message and "sqlite:///" in message and "redis://" in message


def test_open_store_hides_a_password_in_its_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_store("mysql://admin:hunter2@db/cheers")
    assert "hunter2" not in str(caught.value)
    assert "mysql://admin:***@db/cheers" in str(caught.value)
