"""The shop's stock: the shipped catalogue with the demo's restocks, shared with Cheers."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import weakref
from dataclasses import replace
from pathlib import Path
from typing import Any

from .catalog import Catalog, Item

__all__ = ["StockRoom", "stock_file_for"]

logger = logging.getLogger("cheers.demo")


def stock_file_for(store: str) -> Path | None:
    """Where the demo keeps its working catalogue for a store URL: next to a SQLite file
    (``sqlite:///cheers-demo.db`` gives ``cheers-demo-catalog.json``); ``None`` for other
    stores, which get a temporary folder."""
    scheme, _, rest = store.partition("://")
    # As the store reads it: sqlite:///relative.db and sqlite:////absolute.db, with ?options.
    path = rest[1:].partition("?")[0]
    if scheme != "sqlite" or not rest.startswith("/") or not path.strip("/"):
        return None
    database = Path(path)
    return database.with_name(f"{database.stem}-catalog.json")


def _row(item: Item) -> dict[str, Any]:
    """An item as a row of the catalogue file (the format Cheers' catalog source reads)."""
    return {
        "id": item.item_id,
        "name": item.name,
        "url": item.url,
        "image": item.image,
        "price": item.price,
        "category": item.category,
        "tags": list(item.tags),
        "in_stock": item.in_stock,
    }


def _write_atomically(path: Path, catalog: Catalog) -> None:
    """Write the catalogue to ``path`` in one step: a reader sees the old file or the new
    one, never half of one (a temporary file in the same folder, renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    # One item per line, as in the shipped catalogue, so a restock is a one-line diff.
    lines = ",\n".join(f"  {json.dumps(_row(item), ensure_ascii=False)}" for item in catalog.items)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(f"[\n{lines}\n]\n")
        os.chmod(temporary, 0o644)  # mkstemp makes it private; it holds nothing secret
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class StockRoom:
    """What is in stock now: the shipped catalogue, plus the items the demo restocked.

    The shop's pages read :attr:`catalog`. Cheers reads the file at :attr:`path`: a copy of
    the catalogue, written when the stock room opens and rewritten atomically on every
    restock (the middleware re-reads a changed catalogue file within a second). A ``path``
    of ``None`` keeps the stock in memory only, for the shop without Cheers. Restocks last
    until the process ends: every start begins from the shipped catalogue.
    """

    __slots__ = ("_catalog", "_path", "__weakref__")

    def __init__(self, catalog: Catalog, *, path: Path | None) -> None:
        self._catalog = catalog
        self._path = path
        if path is not None:
            _write_atomically(path, catalog)

    @classmethod
    def in_temporary_folder(cls, catalog: Catalog) -> StockRoom:
        """A stock room whose file lives in a new temporary folder, removed with the room."""
        folder = Path(tempfile.mkdtemp(prefix="cheers-demo-stock-"))
        try:
            room = cls(catalog, path=folder / "catalog.json")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        weakref.finalize(room, shutil.rmtree, folder, ignore_errors=True)
        return room

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    @property
    def path(self) -> Path | None:
        return self._path

    def restock(self, item_id: str) -> Item | None:
        """Put ``item_id`` back in stock; the item as it is now (``None``: no such item).

        When the file cannot be written the item stays out of stock for the shop too (so
        the pages and Cheers never disagree), and the failure is logged."""
        item = self._catalog.get(item_id)
        if item is None or item.in_stock:
            return item
        restocked = replace(item, in_stock=True)
        catalog = Catalog(
            tuple(restocked if other.item_id == item_id else other for other in self._catalog.items)
        )
        if self._path is not None:
            try:
                _write_atomically(self._path, catalog)
            except OSError:
                logger.warning("restocking %r: cannot write %s", item_id, self._path, exc_info=True)
                return item
        self._catalog = catalog
        return restocked
