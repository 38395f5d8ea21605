from __future__ import annotations

import pytest
from starlette.datastructures import MutableHeaders

from middleware.headers import mark_personalized


def marked(*raw: tuple[str, str]) -> MutableHeaders:
    message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(n.encode(), v.encode()) for n, v in raw],
    }
    headers = MutableHeaders(scope=message)
    mark_personalized(headers)
    return headers


def test_mark_personalized_adds_private_and_vary_cookie() -> None:
    headers = marked()
    assert headers["cache-control"] == "private"
    assert headers["vary"] == "Cookie"


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ("public, max-age=600", "private, max-age=600"),
        ("s-maxage=600, max-age=60", "private, max-age=60"),
        ("no-store", "private, no-store"),
        ("private, no-cache", "private, no-cache"),
    ],
)
def test_mark_personalized_merges_cache_control(existing: str, expected: str) -> None:
    assert marked(("cache-control", existing))["cache-control"] == expected


def test_mark_personalized_merges_vary() -> None:
    assert marked(("vary", "Accept-Encoding"))["vary"] == "Accept-Encoding, Cookie"
    assert marked(("vary", "Cookie"))["vary"] == "Cookie"
