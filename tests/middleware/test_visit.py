"""Tests for middleware/visit.py: the ``visit`` and ``page`` namespaces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from middleware.request import RequestInfo
from middleware.visit import PageProvider, VisitProvider, parse_accept_language


@dataclass
class FakeContext:
    request: RequestInfo
    via_trusted_proxy: bool = False
    now: datetime = datetime(2024, 6, 1, tzinfo=UTC)
    client_ip: str | None = None

    def namespace(self, name: str) -> Mapping[str, Any]:
        return {}


def _context(
    *, headers: Mapping[str, str] | None = None, query: str = "", scheme: str = "http",
    path: str = "/", trusted: bool = False,
) -> FakeContext:
    scope = {
        "type": "http",
        "scheme": scheme,
        "path": path,
        "query_string": query.encode("latin-1"),
        "headers": [
            (name.encode(), value.encode("latin-1")) for name, value in (headers or {}).items()
        ],
    }
    return FakeContext(RequestInfo.from_scope(scope), via_trusted_proxy=trusted)


def _visit(**kwargs: Any) -> Mapping[str, Any]:
    return VisitProvider().resolve(_context(**kwargs))


def test_visit_provider_gives_every_attribute() -> None:
    attributes = _visit(
        headers={
            "host": "shop.example",
            "referer": "https://News.Example.COM:8443/story?id=1",
            "accept-language": "en-GB,en;q=0.9,fr;q=0.8",
        },
        query="utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale&page=2",
        scheme="https",
    )
    assert attributes == {
        "is_https": True,
        "referrer_host": "news.example.com",
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring sale",
        "language": "en",
        "languages": ["en", "fr"],
    }


def test_visit_provider_leaves_out_what_the_request_does_not_say() -> None:
    assert _visit() == {"is_https": False}


@pytest.mark.parametrize(
    ("host", "referer"),
    [
        ("shop.example", "https://shop.example/cart"),
        ("shop.example:8000", "http://SHOP.example:8000/"),
        ("shop.example", "http://shop.example:9999/other-port"),
    ],
)
def test_visit_provider_omits_a_referrer_from_this_site(host: str, referer: str) -> None:
    assert "referrer_host" not in _visit(headers={"host": host, "referer": referer})


def test_visit_provider_keeps_a_referrer_from_a_sibling_host() -> None:
    attributes = _visit(headers={"host": "shop.example", "referer": "https://www.shop.example/"})
    assert attributes["referrer_host"] == "www.shop.example"


def test_visit_provider_trusts_the_forwarded_host_only_behind_a_trusted_proxy() -> None:
    headers = {
        "host": "app-7.internal:8000",
        "x-forwarded-host": "shop.example, proxy.internal",
        "referer": "https://shop.example/",
    }
    assert "referrer_host" not in _visit(headers=headers, trusted=True)
    assert _visit(headers=headers, trusted=False)["referrer_host"] == "shop.example"


@pytest.mark.parametrize(
    "referer",
    [
        "", "   ", "not a url", "/relative/path", "http://[::1", "javascript:void(0)", "http://",
        "\x00\xff",
    ],
)
def test_visit_provider_ignores_a_malformed_referrer(referer: str) -> None:
    assert "referrer_host" not in _visit(headers={"host": "shop.example", "referer": referer})


def test_visit_provider_reads_an_ipv6_referrer() -> None:
    attributes = _visit(headers={"referer": "http://[2001:DB8::1]:8080/x"})
    assert attributes["referrer_host"] == "2001:db8::1"


def test_visit_provider_takes_the_first_utm_value_and_drops_empty_ones() -> None:
    attributes = _visit(query="utm_source=ads&utm_source=other&utm_medium=&utm_campaign=%20%20")
    assert attributes["utm_source"] == "ads"
    assert "utm_medium" not in attributes
    assert "utm_campaign" not in attributes


def test_visit_provider_survives_a_malformed_query_string() -> None:
    attributes = _visit(query="utm_source=%ZZ%&&==&utm_medium=%E9t%C3%A9&\xff=1")
    assert attributes["utm_source"] == "%ZZ%"
    assert attributes["utm_medium"] == "\ufffdt\u00e9"


@pytest.mark.parametrize(
    ("header", "languages"),
    [
        ("en-GB,en;q=0.9,fr;q=0.8", ["en", "fr"]),
        ("fr;q=0.5, de-CH;q=0.9, en;q=0.7", ["de", "en", "fr"]),
        ("da, en-gb;q=0.8, en;q=0.7", ["da", "en"]),
        ("EN-us", ["en"]),
        ("*", []),
        ("*;q=0.5, es", ["es"]),
        ("en;q=0, fr", ["fr"]),
        ("zh-Hant-TW;q=0.8, ja;q=0.8", ["zh", "ja"]),
        ("en;q=1.0, de;q=0.999", ["en", "de"]),
        ("en;q=2, de;q=abc, it;q=-1, nl;q=0.5", ["nl"]),
        ("e, english-language-too-long, 12, fr_FR, es", ["es"]),
        (" ,,; ;q=0.5,", []),
        ("", []),
    ],
)
def test_parse_accept_language_orders_primary_tags_by_quality(
    header: str, languages: list[str]
) -> None:
    assert parse_accept_language(header) == languages


def test_parse_accept_language_reads_a_bounded_number_of_entries() -> None:
    header = ", ".join(["xx;q=0.1"] * 10_000 + ["en"])
    assert parse_accept_language(header) == ["xx"]


def test_visit_provider_sets_language_from_the_most_preferred_entry() -> None:
    attributes = _visit(headers={"accept-language": "pt-BR;q=0.6, de-AT"})
    assert (attributes["language"], attributes["languages"]) == ("de", ["de", "pt"])


def test_visit_provider_omits_language_when_no_entry_is_usable() -> None:
    attributes = _visit(headers={"accept-language": "*;q=0.1, ;;;"})
    assert "language" not in attributes
    assert "languages" not in attributes


@pytest.mark.parametrize(
    ("scheme", "forwarded", "trusted", "is_https"),
    [
        ("https", None, False, True),
        ("http", None, True, False),
        ("http", "https", False, False),
        ("http", "https", True, True),
        ("http", "HTTPS, http", True, True),
        ("https", "http", True, False),
    ],
)
def test_visit_provider_honours_x_forwarded_proto_only_behind_a_trusted_proxy(
    scheme: str, forwarded: str | None, trusted: bool, is_https: bool
) -> None:
    headers = {} if forwarded is None else {"x-forwarded-proto": forwarded}
    assert _visit(scheme=scheme, headers=headers, trusted=trusted)["is_https"] is is_https


def test_page_provider_gives_the_path_and_the_first_query_values() -> None:
    context = _context(path="/shoes/red", query="color=red&color=blue&sale=&q=a%2Bb+c")
    assert PageProvider().resolve(context) == {
        "path": "/shoes/red",
        "query": {"color": "red", "sale": "", "q": "a+b c"},
    }


def test_page_provider_gives_an_empty_query_without_a_query_string() -> None:
    assert PageProvider().resolve(_context(path="/")) == {"path": "/", "query": {}}


def test_visit_provider_gives_each_request_its_own_languages_list() -> None:
    provider = VisitProvider()
    context = _context(headers={"accept-language": "nl-BE, fr;q=0.5"})
    first = provider.resolve(context)
    first["languages"].append("xx")
    assert provider.resolve(context)["languages"] == ["nl", "fr"]
