"""The shop's stock room (demo_site/stock.py): restocks, and the catalogue file Cheers reads."""

from __future__ import annotations

import gc
import json
import logging
from pathlib import Path

import pytest

from demo_site.catalog import load_catalog
from demo_site.stock import StockRoom, stock_file_for
from middleware.catalog import read_catalog_file

SOLD_OUT = "ceramic-water-fountain"


def test_stock_room_writes_a_catalogue_cheers_reads(tmp_path: Path) -> None:
    shipped = load_catalog()
    room = StockRoom(shipped, path=tmp_path / "catalog.json")
    read = read_catalog_file(tmp_path / "catalog.json")
    assert [item.id for item in read] == [item.item_id for item in shipped.items]
    assert {item.id: item.in_stock for item in read} == {
        item.item_id: item.in_stock for item in shipped.items
    }
    assert room.catalog is shipped


def test_restock_updates_the_shop_and_the_file_in_one_step(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    room = StockRoom(load_catalog(), path=path)
    restocked = room.restock(SOLD_OUT)
    assert restocked is not None and restocked.in_stock
    assert room.catalog.get(SOLD_OUT) == restocked
    rows = {row["id"]: row for row in json.loads(path.read_text(encoding="utf-8"))}
    assert rows[SOLD_OUT]["in_stock"] is True
    assert rows["padded-harness"]["price"] == 21.0  # the rest of the row survives
    assert [entry.name for entry in tmp_path.iterdir()] == ["catalog.json"]  # no temporary left


def test_restock_of_an_unknown_or_stocked_item_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    room = StockRoom(load_catalog(), path=path)
    before = path.read_bytes()
    assert room.restock("no-such-thing") is None
    stocked = room.restock("padded-harness")
    assert stocked is not None and stocked.in_stock
    assert path.read_bytes() == before


def test_restock_that_cannot_write_keeps_the_item_sold_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "stock"
    room = StockRoom(load_catalog(), path=folder / "catalog.json")
    (folder / "catalog.json").unlink()
    folder.rmdir()
    folder.write_text("a file where the folder was", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="cheers.demo"):
        item = room.restock(SOLD_OUT)
    assert item is not None and not item.in_stock
    assert room.catalog.get(SOLD_OUT) == item  # the pages agree with what Cheers reads
    assert f"restocking {SOLD_OUT!r}: cannot write" in caplog.text


def test_stock_room_without_a_file_restocks_in_memory() -> None:
    room = StockRoom(load_catalog(), path=None)
    assert room.path is None
    restocked = room.restock(SOLD_OUT)
    assert restocked is not None and room.catalog.get(SOLD_OUT) == restocked


def test_temporary_stock_room_removes_its_folder_with_it() -> None:
    room = StockRoom.in_temporary_folder(load_catalog())
    assert room.path is not None and room.path.is_file()
    folder = room.path.parent
    del room
    gc.collect()
    assert not folder.exists()


@pytest.mark.parametrize(
    ("store", "expected"),
    [
        ("sqlite:///cheers-demo.db", Path("cheers-demo-catalog.json")),
        ("sqlite:////srv/shop/cheers.db?timeout=2", Path("/srv/shop/cheers-catalog.json")),
        ("memory://", None),
        ("redis://127.0.0.1:6379/0", None),
    ],
)
def test_stock_file_sits_next_to_a_sqlite_store(store: str, expected: Path | None) -> None:
    assert stock_file_for(store) == expected
