"""Fixtures for the preview console tests: the shop, and a client logged in to its console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from .shop import SECRET, make_app


@pytest.fixture
def app(tmp_path: Path) -> Starlette:
    return make_app(tmp_path)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def console(client: TestClient) -> TestClient:
    """A client that has logged in with the preview secret."""
    response = client.post("/_cheers/login", data={"secret": SECRET}, follow_redirects=False)
    assert response.status_code == 303
    return client
