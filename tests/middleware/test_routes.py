from __future__ import annotations

import pytest

from middleware.routes import ItemRoutes
from slots.errors import ConfigurationError


def test_item_routes_match_item_pages() -> None:
    routes = ItemRoutes({"/products/{item_id}": "item_id", "/shop/{category}/{sku}": "sku"})
    assert routes.item_for("/products/leash-1") == "leash-1"
    assert routes.item_for("/products/leash-1/") == "leash-1"
    assert routes.item_for("/shop/dogs/bowl-2") == "bowl-2"
    assert routes.item_for("/products/") is None
    assert routes.item_for("/products/a/b") is None
    assert routes.item_for("/about") is None


def test_item_routes_escape_literal_parts() -> None:
    assert ItemRoutes({"/p.html/{id}": "id"}).item_for("/pxhtml/1") is None


def test_item_routes_reject_missing_parameter() -> None:
    with pytest.raises(ConfigurationError, match="has no {item_id} parameter"):
        ItemRoutes({"/products/{sku}": "item_id"})
