"""The demo catalogue (demo_site/catalog.py and catalog.json) and its committed artwork."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from demo_site.catalog import CATALOG_PATH, Catalog, Item, load_catalog

STATIC = CATALOG_PATH.parent / "static"


def test_catalog_has_enough_items_in_enough_categories() -> None:
    catalog = load_catalog()
    per_category = Counter(item.category for item in catalog.items)
    assert len(catalog.items) >= 60
    assert len(per_category) >= 6
    assert min(per_category.values()) >= 8


def test_catalog_ids_are_unique_slugs_with_matching_urls() -> None:
    raw = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    ids = [entry["id"] for entry in raw]
    assert len(ids) == len(set(ids))
    for entry in raw:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", entry["id"])
        assert entry["url"] == f"/products/{entry['id']}"
        assert entry["image"] == f"/static/items/{entry['id']}.svg"
        assert isinstance(entry["price"], float) and entry["price"] > 0
        assert entry["tags"] and all(isinstance(tag, str) for tag in entry["tags"])


def test_catalog_has_some_items_out_of_stock() -> None:
    stock = Counter(item.in_stock for item in load_catalog().items)
    assert 3 <= stock[False] < stock[True]


def test_every_catalog_image_exists() -> None:
    images = [item.image.removeprefix("/static/") for item in load_catalog().items]
    missing = [image for image in images if not (STATIC / image).is_file()]
    assert missing == []


def test_every_category_tile_exists() -> None:
    for category in load_catalog().categories():
        assert (STATIC / "categories" / f"{category.slug}.svg").is_file()


def test_catalog_lookups() -> None:
    catalog = load_catalog()
    assert catalog.get("padded-harness") == catalog.in_category("dogs")[2]
    assert catalog.get("nope") is None
    assert catalog.in_category("unicorns") == ()
    assert catalog.category("small-pets") is not None
    assert catalog.category("small-pets").title == "Small pets"  # type: ignore[union-attr]
    assert catalog.category("unicorns") is None


def test_catalog_rejects_duplicate_ids() -> None:
    item = Item("a", "A", "/products/a", "/static/items/a.svg", 1.0, "dogs", (), True)
    with pytest.raises(ValueError, match="duplicate"):
        Catalog((item, item))


def test_load_catalog_names_the_file_when_an_item_is_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text('[{"id": "a", "name": "A"}]', encoding="utf-8")
    with pytest.raises(ValueError, match=r"catalog\.json: not a valid catalog"):
        load_catalog(path)
