from __future__ import annotations

import pytest

from middleware.consent import ConsentSettings, allows_storage
from middleware.request import RequestInfo


def request_with(*headers: tuple[str, str]) -> RequestInfo:
    scope = {"type": "http", "headers": [(n.encode(), v.encode()) for n, v in headers]}
    return RequestInfo.from_scope(scope)


def test_allows_storage_by_default() -> None:
    assert allows_storage(request_with(), ConsentSettings())


@pytest.mark.parametrize("header", [("sec-gpc", "1"), ("dnt", "1")])
def test_allows_storage_honours_privacy_signals(header) -> None:
    assert not allows_storage(request_with(header), ConsentSettings())


def test_allows_storage_signals_can_be_ignored_when_configured() -> None:
    settings = ConsentSettings(honor_gpc=False, honor_dnt=False)
    assert allows_storage(request_with(("sec-gpc", "1"), ("dnt", "1")), settings)


def test_allows_storage_consent_mode_needs_the_cookie() -> None:
    settings = ConsentSettings(cookie="consent")
    assert not allows_storage(request_with(), settings)
    assert not allows_storage(request_with(("cookie", "consent=no")), settings)
    assert allows_storage(request_with(("cookie", "a=b; consent=granted")), settings)
