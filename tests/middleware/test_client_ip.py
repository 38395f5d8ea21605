"""Tests for middleware/client_ip.py: trusted proxies, forwarding headers and spoofing."""

from __future__ import annotations

from typing import Any

import pytest

from middleware.client_ip import ClientAddress, TrustedProxies, is_secure, parse_address
from middleware.request import RequestInfo
from slots.errors import ConfigurationError

PROXY = "10.0.0.1"
PROXIES = TrustedProxies(["10.0.0.0/8", "2001:db8:ffff::/48"])


def request_from(
    peer: str | None, headers: dict[str, str] | None = None, *, scheme: str = "http"
) -> RequestInfo:
    return RequestInfo(
        method="GET", scheme=scheme, path="/", query_string="", headers=headers or {}, peer=peer
    )


def test_client_address_without_trusted_proxies_is_the_peer_and_ignores_headers() -> None:
    request = request_from("203.0.113.7", {"x-forwarded-for": "198.51.100.1"})
    assert TrustedProxies().resolve(request) == ClientAddress("203.0.113.7", False)


def test_client_address_ignores_headers_from_an_untrusted_peer() -> None:
    request = request_from(
        "203.0.113.7",
        {"x-forwarded-for": "198.51.100.1", "forwarded": "for=198.51.100.2"},
    )
    assert PROXIES.resolve(request) == ClientAddress("203.0.113.7", False)


def test_client_address_from_trusted_peer_without_headers_is_the_peer() -> None:
    assert PROXIES.resolve(request_from(PROXY)) == ClientAddress(PROXY, True)
    empty = request_from(PROXY, {"x-forwarded-for": "", "forwarded": ""})
    assert PROXIES.resolve(empty) == ClientAddress(PROXY, True)


def test_client_address_is_the_same_on_a_cached_second_call() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    chained = request_from(PROXY, {"x-forwarded-for": "6.6.6.6, 203.0.113.7"})
    direct = request_from("203.0.113.9", {"x-forwarded-for": "6.6.6.6"})
    for _ in range(2):
        assert proxies.resolve(chained) == ClientAddress("203.0.113.7", True)
        assert proxies.resolve(direct) == ClientAddress("203.0.113.9", False)


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        pytest.param("203.0.113.7", "203.0.113.7", id="single"),
        # The visitor wrote the left entry; our proxy appended the real peer on the right.
        pytest.param("6.6.6.6, 203.0.113.7", "203.0.113.7", id="spoofed-left-entry"),
        pytest.param("6.6.6.6,203.0.113.7", "203.0.113.7", id="no-space"),
        pytest.param("203.0.113.7, 10.0.0.2, 10.0.0.3", "203.0.113.7", id="trusted-hops"),
        pytest.param("10.0.0.9, 10.0.0.2", "10.0.0.9", id="all-trusted-leftmost"),
        pytest.param("203.0.113.7:5555", "203.0.113.7", id="ipv4-with-port"),
        pytest.param("[2001:db8::1]:443", "2001:db8::1", id="bracketed-ipv6-with-port"),
        pytest.param("2001:db8::1", "2001:db8::1", id="bare-ipv6"),
        pytest.param("::ffff:203.0.113.7", "203.0.113.7", id="ipv4-mapped"),
        pytest.param("junk, 203.0.113.7", "203.0.113.7", id="junk-left-of-client"),
        # A hop our proxy could not name ends the walk: further left is the visitor's text.
        pytest.param("6.6.6.6, unknown", None, id="unknown-hop"),
        pytest.param("6.6.6.6, _hidden", None, id="obfuscated-hop"),
        pytest.param("6.6.6.6, 999.1.1.1", None, id="invalid-address"),
        pytest.param("6.6.6.6, ", None, id="empty-hop"),
        pytest.param("6.6.6.6, 203.0.113.7:http", None, id="bad-port"),
        pytest.param("x" * 10_000, None, id="huge-junk"),
        pytest.param("6.6.6.6, " * 100 + "203.0.113.7", "203.0.113.7", id="long-chain"),
    ],
)
def test_client_address_from_x_forwarded_for(forwarded_for: str, expected: str | None) -> None:
    request = request_from(PROXY, {"x-forwarded-for": forwarded_for})
    assert PROXIES.resolve(request) == ClientAddress(expected, True)


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        pytest.param("for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60", id="rfc-example"),
        pytest.param('for="[2001:db8:cafe::17]:4711"', "2001:db8:cafe::17", id="quoted-ipv6"),
        pytest.param('For="192.0.2.60:8080"', "192.0.2.60", id="case-and-port"),
        pytest.param("for=198.51.100.17, for=10.0.0.3", "198.51.100.17", id="trusted-hop"),
        pytest.param("for=6.6.6.6, for=198.51.100.17", "198.51.100.17", id="spoofed-left"),
        pytest.param("proto=https;for=198.51.100.17", "198.51.100.17", id="for-not-first"),
        pytest.param("for=6.6.6.6, for=unknown", None, id="unknown"),
        pytest.param("for=6.6.6.6, for=_hidden", None, id="obfuscated"),
        pytest.param("for=6.6.6.6, by=10.0.0.3", None, id="element-without-for"),
        pytest.param('for=6.6.6.6, for="[2001:db8::1', None, id="unclosed-bracket"),
        # A visitor opening a quote cannot swallow the element our proxy appends.
        pytest.param('for="6.6.6.6, for=198.51.100.17', "198.51.100.17", id="unclosed-quote"),
    ],
)
def test_client_address_from_forwarded(forwarded: str, expected: str | None) -> None:
    request = request_from(PROXY, {"forwarded": forwarded})
    assert PROXIES.resolve(request) == ClientAddress(expected, True)


def test_client_address_auto_believes_both_headers_when_they_agree() -> None:
    headers = {"x-forwarded-for": "198.51.100.17", "forwarded": "for=198.51.100.17"}
    assert PROXIES.resolve(request_from(PROXY, headers)).ip == "198.51.100.17"


def test_client_address_auto_believes_neither_header_when_they_disagree() -> None:
    # The proxy writes one header and passes the other through from the visitor.
    headers = {"x-forwarded-for": "198.51.100.17", "forwarded": "for=6.6.6.6"}
    assert PROXIES.resolve(request_from(PROXY, headers)) == ClientAddress(None, True)


def test_client_address_reads_only_the_configured_header() -> None:
    headers = {"x-forwarded-for": "198.51.100.17", "forwarded": "for=6.6.6.6"}
    xff_only = TrustedProxies(["10.0.0.0/8"], header="x-forwarded-for")
    forwarded_only = TrustedProxies(["10.0.0.0/8"], header="forwarded")
    assert xff_only.resolve(request_from(PROXY, headers)).ip == "198.51.100.17"
    assert forwarded_only.resolve(request_from(PROXY, headers)).ip == "6.6.6.6"


def test_client_address_normalises_an_ipv4_mapped_peer() -> None:
    assert TrustedProxies().resolve(request_from("::ffff:1.2.3.4")).ip == "1.2.3.4"
    mapped_proxy = request_from("::ffff:10.0.0.1", {"x-forwarded-for": "203.0.113.7"})
    assert PROXIES.resolve(mapped_proxy) == ClientAddress("203.0.113.7", True)


def test_client_address_trusts_an_ipv6_proxy_network() -> None:
    request = request_from("2001:db8:ffff::5", {"x-forwarded-for": "203.0.113.7"})
    assert PROXIES.resolve(request) == ClientAddress("203.0.113.7", True)


@pytest.mark.parametrize("peer", [None, "testclient", "/run/app.sock", ""])
def test_client_address_of_a_peer_that_is_no_address_is_unknown(peer: str | None) -> None:
    request = request_from(peer, {"x-forwarded-for": "203.0.113.7"})
    assert PROXIES.resolve(request) == ClientAddress(None, False)


def test_trusted_proxies_accepts_a_comma_separated_string() -> None:
    proxies = TrustedProxies("10.0.0.1, 192.168.0.0/16,")
    assert proxies.resolve(request_from("192.168.4.4", {"x-forwarded-for": "203.0.113.7"})).ip == (
        "203.0.113.7"
    )
    assert proxies.resolve(request_from("10.0.0.2", {"x-forwarded-for": "203.0.113.7"})).ip == (
        "10.0.0.2"
    )


def test_trusted_proxies_unmaps_an_ipv4_mapped_network() -> None:
    proxies = TrustedProxies(["::ffff:10.0.0.0/104"])
    request = request_from("10.9.9.9", {"x-forwarded-for": "203.0.113.7"})
    assert proxies.resolve(request).ip == "203.0.113.7"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("10.0.0.300", "'10.0.0.300' is not an IP address or network"),
        ("proxy.internal", "'proxy.internal' is not an IP address or network"),
        ("10.0.0.1/8", "'10.0.0.1/8' has host bits set; did you mean '10.0.0.0/8'?"),
        (42, "42 is not a string"),
    ],
)
def test_trusted_proxies_rejects_a_bad_entry_by_name(entry: Any, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        TrustedProxies(["10.0.0.1", entry])
    assert message in str(caught.value)


def test_trusted_proxies_rejects_an_unknown_header_choice() -> None:
    with pytest.raises(ConfigurationError, match="'x-real-ip'"):
        TrustedProxies(header="x-real-ip")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scheme", "headers", "via_trusted_proxy", "expected"),
    [
        ("https", {}, False, True),
        ("http", {}, True, False),
        ("http", {"x-forwarded-proto": "https"}, False, False),  # a visitor's claim
        ("http", {"x-forwarded-proto": "https"}, True, True),
        ("http", {"x-forwarded-proto": "HTTPS"}, True, True),
        ("http", {"x-forwarded-proto": "http, https"}, True, True),
        ("http", {"x-forwarded-proto": "https, http"}, True, False),  # right-most counts
        ("http", {"forwarded": "for=1.2.3.4;proto=https"}, True, True),
        ("http", {"forwarded": 'for=6.6.6.6;proto=https, for=1.2.3.4;proto="http"'}, True, False),
        ("http", {"forwarded": "for=1.2.3.4;proto=https"}, False, False),
    ],
)
def test_is_secure(
    scheme: str, headers: dict[str, str], via_trusted_proxy: bool, expected: bool
) -> None:
    request = request_from(PROXY, headers, scheme=scheme)
    address = ClientAddress("203.0.113.7", via_trusted_proxy)
    assert is_secure(request, address) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("198.51.100.1", "198.51.100.1"),
        (" 198.51.100.1 ", "198.51.100.1"),
        ("198.51.100.1:80", "198.51.100.1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:4711", "2001:db8::1"),
        ("[::ffff:198.51.100.1]:80", "198.51.100.1"),
        ("2001:db8::1:80", "2001:db8::1:80"),  # an IPv6 address, not one with a port
        ("[198.51.100.1]", None),
        ("[2001:db8::1]x", None),
        ("2001:db8::1]", None),
        ("198.51.100.1:", None),
        ("unknown", None),
        ("", None),
    ],
)
def test_parse_address(text: str, expected: str | None) -> None:
    address = parse_address(text)
    assert (None if address is None else str(address)) == expected
