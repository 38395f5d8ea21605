"""Fixtures for the demo shop's tests: TestClients on the shop, with or without Cheers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.types import ASGIApp


def client_for(app: ASGIApp, **options: Any) -> Any:
    """A Starlette TestClient on ``app`` (``options`` as for TestClient, e.g. ``headers``)."""
    from starlette.testclient import TestClient

    return TestClient(app, **options)


@pytest.fixture
def client() -> Iterator[Any]:
    """The shop without personalization (pages keep their slot defaults)."""
    from demo_site.app import create_app

    with client_for(create_app(personalize=False)) as test_client:
        yield test_client
