"""The demo shop's catalogue: items and categories, loaded from ``catalog.json``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CATALOG_PATH", "Catalog", "Category", "Item", "load_catalog"]

CATALOG_PATH = Path(__file__).resolve().parent / "catalog.json"

# Display names and one-line blurbs for the category grid; a category missing here is
# still served, titled from its slug.
_CATEGORY_BLURBS: Mapping[str, tuple[str, str]] = {
    "dogs": ("Dogs", "Walks, treats and beds for every good dog."),
    "cats": ("Cats", "Scratchers, snacks and sunny perches."),
    "birds": ("Birds", "Cages, perches and seed for feathered friends."),
    "fish": ("Fish", "Tanks, filters and plants for calm waters."),
    "small-pets": ("Small pets", "Hay, hideaways and wheels for little paws."),
    "reptiles": ("Reptiles", "Warmth, light and habitat for cold-blooded pals."),
}


@dataclass(frozen=True, slots=True)
class Item:
    """One product. ``price`` is in pounds sterling; ``item_id`` is the file's ``id``."""

    item_id: str
    name: str
    url: str
    image: str
    price: float
    category: str
    tags: tuple[str, ...]
    in_stock: bool


@dataclass(frozen=True, slots=True)
class Category:
    """A category of the shop with its display name and blurb."""

    slug: str
    title: str
    blurb: str
    url: str


class Catalog:
    """Items by id and by category, in the order of the catalogue file."""

    __slots__ = ("_items", "_by_category")

    def __init__(self, items: tuple[Item, ...]) -> None:
        self._items = {item.item_id: item for item in items}
        if len(self._items) != len(items):
            raise ValueError("catalog has duplicate item ids")
        by_category: dict[str, list[Item]] = {}
        for item in items:
            by_category.setdefault(item.category, []).append(item)
        self._by_category = {slug: tuple(group) for slug, group in by_category.items()}

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(self._items.values())

    def get(self, item_id: str) -> Item | None:
        return self._items.get(item_id)

    def in_category(self, slug: str) -> tuple[Item, ...]:
        return self._by_category.get(slug, ())

    def categories(self) -> tuple[Category, ...]:
        return tuple(_category(slug) for slug in self._by_category)

    def category(self, slug: str) -> Category | None:
        return _category(slug) if slug in self._by_category else None


def _category(slug: str) -> Category:
    title, blurb = _CATEGORY_BLURBS.get(slug, (slug.replace("-", " ").capitalize(), ""))
    return Category(slug=slug, title=title, blurb=blurb, url=f"/c/{slug}")


def _item(raw: Mapping[str, Any]) -> Item:
    return Item(
        item_id=str(raw["id"]),
        name=str(raw["name"]),
        url=str(raw["url"]),
        image=str(raw["image"]),
        price=float(raw["price"]),
        category=str(raw["category"]),
        tags=tuple(str(tag) for tag in raw["tags"]),
        in_stock=bool(raw["in_stock"]),
    )


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Read a catalogue file: a JSON array of item objects."""
    with path.open(encoding="utf-8") as handle:
        raw = json.load(handle)
    try:
        return Catalog(tuple(_item(entry) for entry in raw))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: not a valid catalog ({exc})") from exc
