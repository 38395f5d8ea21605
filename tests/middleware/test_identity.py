from __future__ import annotations

import re
import time

import pytest

from middleware.identity import CookieSettings, Secret, VisitorCookie, new_visitor_id, read_cookie
from slots.errors import ConfigurationError

NOW = time.time()


def cookie_header(cookie: VisitorCookie, visitor_id: str) -> str:
    return f"other=1; {cookie.settings.name}={cookie.sign(visitor_id)}"


def test_new_visitor_id_is_random_128_bit_hex() -> None:
    ids = {new_visitor_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)


def test_visitor_cookie_without_cookie_gives_new_visitor() -> None:
    visitor = VisitorCookie(["k"]).read(None, now=NOW)
    assert visitor.is_new and visitor.needs_cookie


def test_visitor_cookie_round_trip_recognises_visitor() -> None:
    cookie = VisitorCookie(["k"])
    visitor_id = new_visitor_id()
    visitor = cookie.read(cookie_header(cookie, visitor_id), now=NOW)
    assert visitor.id == visitor_id
    assert not visitor.is_new
    assert not visitor.needs_cookie


@pytest.mark.parametrize(
    "mangle",
    [
        # a tampered signature (a middle character: the last one carries padding bits)
        lambda token: token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:],
        lambda token: "f" * 32 + token[32:],  # another id under the same signature
        lambda token: "garbage",
        lambda token: "",
    ],
)
def test_visitor_cookie_tampered_gives_new_visitor(mangle) -> None:
    cookie = VisitorCookie(["k"])
    visitor_id = new_visitor_id()
    header = f"cheers_id={mangle(cookie.sign(visitor_id))}"
    visitor = cookie.read(header, now=NOW)
    assert visitor.is_new and visitor.id != visitor_id


def test_visitor_cookie_signed_with_unknown_key_gives_new_visitor() -> None:
    visitor_id = new_visitor_id()
    header = cookie_header(VisitorCookie(["attacker"]), visitor_id)
    assert VisitorCookie(["k"]).read(header, now=NOW).id != visitor_id


def test_visitor_cookie_rotation_signs_with_first_and_accepts_all() -> None:
    old = VisitorCookie(["old"])
    rotated = VisitorCookie(["new", "old"])
    visitor_id = new_visitor_id()
    assert rotated.read(cookie_header(old, visitor_id), now=NOW).id == visitor_id
    assert VisitorCookie(["new"]).read(cookie_header(rotated, visitor_id), now=NOW).id == visitor_id


def test_visitor_cookie_expired_gives_new_visitor() -> None:
    from datetime import timedelta

    cookie = VisitorCookie(["k"], settings=CookieSettings(max_age=timedelta(days=1)))
    visitor_id = new_visitor_id()
    header = cookie_header(cookie, visitor_id)
    assert cookie.read(header, now=NOW).id == visitor_id  # also fills the verified cache
    assert cookie.read(header, now=NOW + 2 * 86400).id != visitor_id


def test_visitor_cookie_is_renewed_when_old() -> None:
    cookie = VisitorCookie(["k"])
    header = cookie_header(cookie, new_visitor_id())
    assert not cookie.read(header, now=NOW + 86400).needs_cookie
    assert cookie.read(header, now=NOW + 8 * 86400).needs_cookie


def test_visitor_cookie_malformed_header_does_not_raise() -> None:
    visitor = VisitorCookie(["k"]).read('cheers_id="unterminated; ;;=;\x00', now=NOW)
    assert visitor.is_new


def test_visitor_cookie_set_cookie_attributes() -> None:
    cookie = VisitorCookie(["k"])
    header = cookie.set_cookie_header("a" * 32, secure=False)
    assert header.startswith("cheers_id=" + "a" * 32 + ".")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert f"Max-Age={365 * 86400}" in header
    assert "Secure" not in header
    assert "Secure" in cookie.set_cookie_header("a" * 32, secure=True)


def test_visitor_cookie_needs_a_key() -> None:
    with pytest.raises(ConfigurationError):
        VisitorCookie([])
    with pytest.raises(ConfigurationError):
        VisitorCookie([""])


def test_secret_never_shows_in_repr() -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in repr(secret)
    assert str(secret) == "hunter2"
    assert "hunter2" not in repr(VisitorCookie([secret]))


def test_read_cookie_finds_named_cookie() -> None:
    assert read_cookie("a=1; cheers_id=xyz; b=2", "cheers_id") == "xyz"
    assert read_cookie("a=1", "cheers_id") is None
    assert read_cookie(None, "cheers_id") is None


def test_read_cookie_handles_quotes_spaces_and_junk() -> None:
    assert read_cookie('a=1;cheers_id="abc" ; b', "cheers_id") == "abc"
    assert read_cookie("xcheers_id=1; cheers_id=2", "cheers_id") == "2"
    assert read_cookie("cheers_id", "cheers_id") is None
    assert read_cookie("=;;;cheers_id=v=w", "cheers_id") == "v=w"
