"""Tests of the catalog source: files re-read on change, app functions cached for a while."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from middleware.catalog import CatalogSource, read_catalog_file
from slots.catalog import Item, build_catalog
from slots.errors import ConfigurationError


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def write_json(path: Path, rows: list[Mapping[str, Any]], *, mtime_ns: int) -> None:
    path.write_text(json.dumps(rows), encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def row(item_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": item_id, "name": item_id.title(), "url": f"/items/{item_id}", **fields}


async def test_catalog_source_reads_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    write_json(path, [row("scarf", price=9.5, tags=["wool"])], mtime_ns=1_000_000_000)
    catalog = await CatalogSource(path).get()
    assert catalog.get("scarf") == Item(
        id="scarf", name="Scarf", url="/items/scarf", price=9.5, tags=("wool",)
    )


async def test_catalog_source_reads_a_csv_file_with_semicolon_tags(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(
        "\ufeffid,name,url,price,category,tags,in_stock\nmug,Mug,/m,3.50,kitchen,gift;kitchen,no\n",
        encoding="utf-8",
    )
    item = (await CatalogSource(str(path)).get()).items["mug"]
    assert (item.price, item.category, item.tags, item.in_stock) == (
        3.5,
        "kitchen",
        ("gift", "kitchen"),
        False,
    )


def test_read_catalog_file_names_the_csv_line_of_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text("id,name,url,price\nmug,Mug,/m,3\ncup,Cup,/c,cheap\n", encoding="utf-8")
    with pytest.raises(
        ConfigurationError, match=r"catalog.csv: row 3: 'price' must be a number, got 'cheap'"
    ):
        read_catalog_file(path)


def test_read_catalog_file_rejects_surplus_csv_values(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text("id,name,url\nmug,Mug,/m,extra\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="row 2: more values than the header has columns"):
        read_catalog_file(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "a"}', "expected a JSON list of items, got dict"),
        ("[1,", "catalog.json:1:4: Expecting value"),
    ],
)
def test_read_catalog_file_rejects_bad_json(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        read_catalog_file(path)


def test_catalog_source_rejects_other_file_kinds() -> None:
    with pytest.raises(ConfigurationError, match="must end in .json or .csv"):
        CatalogSource("catalog.yaml")


def test_catalog_source_rejects_a_source_of_another_type() -> None:
    with pytest.raises(ConfigurationError, match="got int"):
        CatalogSource(42)  # type: ignore[arg-type]


async def test_catalog_source_raises_when_the_first_load_fails(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read it"):
        await CatalogSource(tmp_path / "missing.json").get()


async def test_catalog_source_rereads_the_file_when_it_changes_at_most_once_a_second(
    tmp_path: Path,
) -> None:
    path, clock = tmp_path / "catalog.json", Clock()
    write_json(path, [row("a")], mtime_ns=1_000_000_000)
    source = CatalogSource(path, clock=clock)
    assert set((await source.get()).items) == {"a"}
    write_json(path, [row("a"), row("b")], mtime_ns=2_000_000_000)
    clock.now += 0.5
    assert set((await source.get()).items) == {"a"}  # not checked again yet
    clock.now += 0.6
    assert set((await source.get()).items) == {"a", "b"}


async def test_catalog_source_keeps_the_catalog_while_the_file_is_unchanged(tmp_path: Path) -> None:
    path, clock = tmp_path / "catalog.json", Clock()
    write_json(path, [row("a")], mtime_ns=1_000_000_000)
    source = CatalogSource(path, clock=clock)
    first = await source.get()
    clock.now += 5
    assert await source.get() is first


async def test_catalog_source_keeps_the_last_good_catalog_when_a_reload_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, clock = tmp_path / "catalog.json", Clock()
    write_json(path, [row("a")], mtime_ns=1_000_000_000)
    source = CatalogSource(path, clock=clock)
    await source.get()
    path.write_text("[{", encoding="utf-8")
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))
    clock.now += 2
    with caplog.at_level(logging.ERROR, logger="cheers.catalog"):
        assert set((await source.get()).items) == {"a"}
    assert "the previous catalog stays in use" in caplog.text
    write_json(path, [row("c")], mtime_ns=3_000_000_000)  # fixed: picked up at the next check
    clock.now += 2
    assert set((await source.get()).items) == {"c"}


async def test_catalog_source_caches_a_function_for_its_ttl() -> None:
    calls: list[int] = []
    clock = Clock()

    def rows() -> list[dict[str, Any]]:
        calls.append(1)
        return [row(f"item{len(calls)}")]

    source = CatalogSource(rows, ttl=30, clock=clock)
    assert set((await source.get()).items) == {"item1"}
    clock.now += 29
    assert set((await source.get()).items) == {"item1"}
    clock.now += 2
    assert set((await source.get()).items) == {"item2"}
    assert len(calls) == 2


async def test_catalog_source_awaits_an_async_function_returning_items() -> None:
    async def items() -> list[Item]:
        return [Item(id="a", name="A", url="/a")]

    assert (await CatalogSource(items).get()).get("a") == Item(id="a", name="A", url="/a")


async def test_catalog_source_keeps_the_last_catalog_when_the_function_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, answers = Clock(), [[row("a")]]

    def rows() -> list[dict[str, Any]]:
        if not answers:
            raise RuntimeError("database down")
        return answers.pop()

    source = CatalogSource(rows, ttl=10, clock=clock)
    await source.get()
    clock.now += 11
    with caplog.at_level(logging.ERROR, logger="cheers.catalog"):
        assert set((await source.get()).items) == {"a"}
    assert "database down" in caplog.text


async def test_catalog_source_raises_when_the_function_fails_first() -> None:
    def rows() -> list[dict[str, Any]]:
        return [{"id": "a"}]

    with pytest.raises(
        ConfigurationError, match="^catalog function .*rows: row 1: 'name' is required$"
    ):
        await CatalogSource(rows).get()


async def test_catalog_source_serves_a_ready_catalog() -> None:
    catalog = build_catalog([Item(id="a", name="A", url="/a")], source="test")
    assert await CatalogSource(catalog).get() is catalog
