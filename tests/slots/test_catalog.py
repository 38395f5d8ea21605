"""Tests of the item catalog: rows in, validated items out."""

from __future__ import annotations

import pytest

from slots.catalog import Catalog, Item, build_catalog, parse_items
from slots.errors import ConfigurationError


def test_parse_items_reads_typed_rows() -> None:
    catalog = parse_items(
        [
            {
                "id": "scarf",
                "name": "Red scarf",
                "url": "/items/scarf",
                "image": "/img/scarf.jpg",
                "price": 19.5,
                "category": "winter",
                "tags": ["wool", "red"],
                "in_stock": False,
            }
        ],
        source="catalog.json",
    )
    assert catalog.get("scarf") == Item(
        id="scarf",
        name="Red scarf",
        url="/items/scarf",
        image="/img/scarf.jpg",
        price=19.5,
        category="winter",
        tags=("wool", "red"),
        in_stock=False,
    )


def test_parse_items_reads_csv_strings() -> None:
    row = {
        "id": "7",
        "name": "Mug",
        "url": "/m",
        "image": "",
        "price": "3.50",
        "category": "",
        "tags": "kitchen; gift;",
        "in_stock": "No",
    }
    item = parse_items([row], source="catalog.csv", first_row=2).items["7"]
    assert item.price == 3.5
    assert item.image is None and item.category is None
    assert item.tags == ("kitchen", "gift")
    assert item.in_stock is False


def test_parse_items_defaults_to_in_stock_and_text_ids() -> None:
    item = parse_items([{"id": 42, "name": "Mug", "url": "/m"}], source="app").items["42"]
    assert item.in_stock is True
    assert item.price is None and item.tags == ()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"name": "Mug", "url": "/m"}, "catalog.csv: row 3: 'id' is required"),
        (
            {"id": "a", "name": "Mug", "url": "/m", "price": "cheap"},
            "'price' must be a number, got 'cheap'",
        ),
        ({"id": "a", "name": "Mug", "url": "/m", "price": -1}, "'price' must be a number >= 0"),
        (
            {"id": "a", "name": "Mug", "url": "/m", "in_stock": "maybe"},
            "'in_stock' must be true or false",
        ),
        (
            {"id": "a", "name": "Mug", "url": "/m", "colour": "red"},
            "unknown key 'colour'; a row may have id",
        ),
        ({"id": "a", "name": ["Mug"], "url": "/m"}, "'name' must be text"),
        ({"id": "a", "name": "Mug", "url": "/m", "tags": [1]}, "'tags' must be a list of text"),
    ],
)
def test_parse_items_rejects_a_bad_row_naming_source_and_row(
    row: dict[str, object], message: str
) -> None:
    good = {"id": "ok", "name": "Fine", "url": "/ok"}
    with pytest.raises(ConfigurationError, match="^catalog.csv: row 3: ") as caught:
        parse_items([good, row], source="catalog.csv", first_row=2)
    assert message in str(caught.value)


def test_parse_items_rejects_a_row_that_is_not_an_object() -> None:
    with pytest.raises(ConfigurationError, match="app: row 1: expected an object"):
        parse_items(["scarf"], source="app")  # type: ignore[list-item]


def test_build_catalog_rejects_a_repeated_id() -> None:
    item = Item(id="a", name="A", url="/a")
    with pytest.raises(ConfigurationError, match="item id 'a' is listed twice"):
        build_catalog([item, item], source="catalog.json")


def test_catalog_groups_ids_by_category_in_listed_order() -> None:
    catalog = parse_items(
        [
            {"id": "b", "name": "B", "url": "/b", "category": "shoes"},
            {"id": "a", "name": "A", "url": "/a", "category": "shoes"},
            {"id": "c", "name": "C", "url": "/c"},
        ],
        source="app",
    )
    assert catalog.by_category == {"shoes": ("b", "a")}
    assert "c" in catalog and len(catalog) == 3
    assert catalog.get("missing") is None
    assert [item.id for item in catalog] == ["b", "a", "c"]


def test_parse_items_passes_items_through() -> None:
    item = Item(id="a", name="A", url="/a")
    assert parse_items([item], source="app").get("a") is item


def test_item_as_attributes_is_plain_data() -> None:
    item = Item(id="a", name="A", url="/a", price=2.0, category="x", tags=("t",))
    assert item.as_attributes() == {
        "id": "a",
        "name": "A",
        "url": "/a",
        "image": None,
        "price": 2.0,
        "category": "x",
        "tags": ["t"],
        "in_stock": True,
    }


def test_empty_catalog_knows_nothing() -> None:
    assert Catalog().get("a") is None and len(Catalog()) == 0
