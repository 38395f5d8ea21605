"""Where the item catalog comes from: a JSON or CSV file, or a function of the app, cached."""

from __future__ import annotations

import asyncio
import csv
import inspect
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from cachetools import TTLCache

from slots.catalog import Catalog, Item, parse_items
from slots.errors import ConfigurationError

__all__ = ["CatalogLoader", "CatalogRows", "CatalogSource", "read_catalog_file"]

logger = logging.getLogger("cheers.catalog")

CatalogRows: TypeAlias = Iterable[Mapping[str, Any] | Item]
#: An app function returning catalog rows (or Items), plain or async. A plain one runs on
#: the event loop, so one that does I/O should be async.
CatalogLoader: TypeAlias = Callable[[], CatalogRows | Awaitable[CatalogRows]]

_SUFFIXES = (".json", ".csv")


def read_catalog_file(path: Path) -> Catalog:
    """Parse a catalog file: a JSON list of item objects, or a CSV file with a header row
    whose ``tags`` column is ``;``-separated. Raises :class:`ConfigurationError`."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets often write a BOM
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"catalog {path}: cannot read it: {error}") from None
    if path.suffix.lower() == ".csv":
        return parse_items(_csv_rows(text, path=path), source=str(path), first_row=2)
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"{path}:{error.lineno}:{error.colno}"
        raise ConfigurationError(f"catalog {where}: {error.msg}") from None
    if not isinstance(rows, list):
        kind = type(rows).__name__
        raise ConfigurationError(f"catalog {path}: expected a JSON list of items, got {kind}")
    return parse_items(rows, source=str(path))


def _csv_rows(text: str, *, path: Path) -> Iterable[Mapping[str, Any]]:
    reader = csv.DictReader(text.splitlines())
    for row in reader:
        if None in row:  # DictReader files surplus values under the key None
            raise ConfigurationError(
                f"{path}: row {reader.line_num}: more values than the header has columns"
            )
        yield row


@dataclass(slots=True)
class _FileState:
    """What the file source last saw; mutated only by :meth:`CatalogSource.get`."""

    catalog: Catalog | None = None
    signature: tuple[int, int, int] | None = None
    checked_at: float = float("-inf")


class CatalogSource:
    """The current catalog, from a file (re-read when it changes) or an app function.

    ``source`` is a path to a ``.json`` or ``.csv`` file, whose modification time is checked
    at most every ``check_interval`` seconds; a callable (plain or async) returning rows or
    :class:`Item` objects, whose result is cached for ``ttl`` seconds; or a ready
    :class:`Catalog`. The first load failing raises :class:`ConfigurationError` (call
    :meth:`get` at start-up to fail fast); a later reload failing keeps the last good
    catalog and logs why.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | CatalogLoader | Catalog,
        *,
        ttl: float = 300.0,
        check_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._static = source if isinstance(source, Catalog) else Catalog()
        self._loader: CatalogLoader | None = None
        self._path: Path | None = None
        if isinstance(source, Catalog):
            pass
        elif isinstance(source, str | os.PathLike):
            self._path = Path(source)
            if self._path.suffix.lower() not in _SUFFIXES:
                raise ConfigurationError(
                    f"catalog {self._path}: the file name must end in .json or .csv"
                )
        elif callable(source):
            self._loader = source
        else:
            raise ConfigurationError(
                f"catalog must be a .json/.csv path, a function returning rows, or a Catalog; "
                f"got {type(source).__name__}"
            )
        self._check_interval = check_interval
        self._clock = clock
        self._file = _FileState()
        self._cache: TTLCache[str, Catalog] = TTLCache(maxsize=1, ttl=ttl, timer=clock)
        self._last_good: Catalog | None = None

    async def get(self) -> Catalog:
        """The catalog as of now (see the class docstring for when it is reloaded)."""
        if self._path is not None:
            return await self._from_file(self._path)
        if self._loader is not None:
            return await self._from_loader(self._loader)
        return self._static

    async def _from_file(self, path: Path) -> Catalog:
        state = self._file
        now = self._clock()
        if state.catalog is not None and now - state.checked_at < self._check_interval:
            return state.catalog
        state.checked_at = now
        try:
            stat = path.stat()
        except OSError as error:
            return self._keep_or_raise(state.catalog, f"catalog {path}: cannot read it: {error}")
        signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if state.catalog is not None and signature == state.signature:
            return state.catalog
        try:
            catalog = await asyncio.to_thread(read_catalog_file, path)
        except ConfigurationError as error:
            return self._keep_or_raise(state.catalog, str(error))
        state.catalog, state.signature = catalog, signature
        logger.info("catalog %s loaded: %d items", path, len(catalog))
        return catalog

    async def _from_loader(self, loader: CatalogLoader) -> Catalog:
        cached = self._cache.get("catalog")
        if cached is not None:
            return cached
        name = getattr(loader, "__qualname__", repr(loader))
        try:
            rows = loader()
            if inspect.isawaitable(rows):
                rows = await rows
            catalog = parse_items(rows, source=f"catalog function {name}")
        except ConfigurationError as error:  # a bad row
            catalog = self._keep_or_raise(self._last_good, str(error))
        except Exception as error:  # the app's function: any failure keeps the last catalog
            message = f"catalog function {name} failed: {error!r}"
            catalog = self._keep_or_raise(self._last_good, message)
        self._last_good = catalog
        self._cache["catalog"] = catalog  # a failing function is retried after ttl, not per request
        return catalog

    @staticmethod
    def _keep_or_raise(last_good: Catalog | None, message: str) -> Catalog:
        if last_good is None:
            raise ConfigurationError(message)
        logger.error("%s; the previous catalog stays in use", message)
        return last_good
