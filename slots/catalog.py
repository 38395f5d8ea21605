"""The item catalog: what a recommendation can show, parsed and validated from plain rows."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from slots.errors import ConfigurationError

__all__ = ["FIELDS", "Catalog", "Item", "build_catalog", "parse_items"]

#: The keys a catalog row may have; ``id``, ``name`` and ``url`` are required.
FIELDS: Final[tuple[str, ...]] = (
    "id", "name", "url", "image", "price", "category", "tags", "in_stock",
)
_REQUIRED: Final[tuple[str, ...]] = ("id", "name", "url")
_TRUE: Final[frozenset[str]] = frozenset({"true", "yes", "1", "y", "t"})
_FALSE: Final[frozenset[str]] = frozenset({"false", "no", "0", "n", "f"})


@dataclass(frozen=True, slots=True)
class Item:
    """One item a recommendation can show. ``price`` is in the shop's currency."""

    id: str
    name: str
    url: str
    image: str | None = None
    price: float | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    in_stock: bool = True

    def as_attributes(self) -> dict[str, Any]:
        """The item as plain data, for policy filters and templates."""
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "image": self.image,
            "price": self.price,
            "category": self.category,
            "tags": list(self.tags),
            "in_stock": self.in_stock,
        }


@dataclass(frozen=True, slots=True)
class Catalog:
    """Items by id, in the order they were listed, and item ids by category."""

    items: Mapping[str, Item] = field(default_factory=dict)
    by_category: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, item_id: str) -> Item | None:
        """The item, or ``None`` for an id the catalog does not know."""
        return self.items.get(item_id)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.items

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items.values())


class _RowError(ValueError):
    """A row is invalid; the caller adds where it is."""


def build_catalog(items: Iterable[Item], *, source: str) -> Catalog:
    """A catalog of ``items``; a repeated id raises :class:`ConfigurationError`."""
    by_id: dict[str, Item] = {}
    by_category: dict[str, list[str]] = {}
    for item in items:
        if item.id in by_id:
            raise ConfigurationError(f"{source}: item id {item.id!r} is listed twice")
        by_id[item.id] = item
        if item.category is not None:
            by_category.setdefault(item.category, []).append(item.id)
    return Catalog(items=by_id, by_category={key: tuple(ids) for key, ids in by_category.items()})


def parse_items(
    rows: Iterable[Mapping[str, Any] | Item], *, source: str, first_row: int = 1
) -> Catalog:
    """Validate catalog rows (dicts from JSON, CSV or the app) into a :class:`Catalog`.

    Values may be typed (JSON) or strings (CSV): ``price`` a number, ``in_stock`` a bool or
    ``true``/``false``/``yes``/``no``/``1``/``0`` (missing: in stock), ``tags`` a list of
    strings or one ``;``-separated string. An empty string means "not given". Rows that are
    already :class:`Item` pass through. A bad row raises :class:`ConfigurationError` naming
    ``source`` and the row number, counted from ``first_row`` (2 for a CSV file, so the
    number is the file's line).
    """
    return build_catalog(_items(rows, source=source, first_row=first_row), source=source)


def _items(
    rows: Iterable[Mapping[str, Any] | Item], *, source: str, first_row: int
) -> Iterator[Item]:
    for number, row in enumerate(rows, start=first_row):
        if isinstance(row, Item):
            yield row
            continue
        try:
            yield _parse_row(row)
        except _RowError as error:
            raise ConfigurationError(f"{source}: row {number}: {error}") from None


def _parse_row(row: object) -> Item:
    if not isinstance(row, Mapping):
        kind = type(row).__name__
        raise _RowError(f"expected an object with keys {', '.join(FIELDS)}, got {kind}")
    unknown = sorted(str(key) for key in row if key not in FIELDS)
    if unknown:
        raise _RowError(f"unknown key {unknown[0]!r}; a row may have {', '.join(FIELDS)}")
    values = {key: _blank_to_none(row.get(key)) for key in FIELDS}
    for key in _REQUIRED:
        if values[key] is None:
            raise _RowError(f"{key!r} is required")
    return Item(
        id=_text(values["id"], key="id"),
        name=_text(values["name"], key="name"),
        url=_text(values["url"], key="url"),
        image=_optional_text(values["image"], key="image"),
        price=_price(values["price"]),
        category=_optional_text(values["category"], key="category"),
        tags=_tags(values["tags"]),
        in_stock=_in_stock(values["in_stock"]),
    )


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _text(value: Any, *, key: str) -> str:
    # Integer ids are common in exported catalogs; they mean the same as their text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise _RowError(f"{key!r} must be text, got {value!r}")
    return value.strip()


def _optional_text(value: Any, *, key: str) -> str | None:
    return None if value is None else _text(value, key=key)


def _price(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _RowError(f"'price' must be a number, got {value!r}")
    try:
        price = float(value)
    except (TypeError, ValueError):
        raise _RowError(f"'price' must be a number, got {value!r}") from None
    if not math.isfinite(price) or price < 0:
        raise _RowError(f"'price' must be a number >= 0, got {value!r}")
    return price


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(tag.strip() for tag in value.split(";") if tag.strip())
    if isinstance(value, list | tuple) and all(isinstance(tag, str) for tag in value):
        return tuple(tag.strip() for tag in value if tag.strip())
    raise _RowError(f"'tags' must be a list of text or one ';'-separated text, got {value!r}")


def _in_stock(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _RowError(f"'in_stock' must be true or false, got {value!r}")
