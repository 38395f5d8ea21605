"""Preview tokens (middleware/preview/tokens.py)."""

from __future__ import annotations

import json
from base64 import urlsafe_b64encode
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer

from middleware.identity import Secret
from middleware.preview.tokens import PreviewGrant, PreviewTokens, parse_lifetime
from slots.errors import ConfigurationError, SignatureError

SECRET = "correct-horse-battery-staple"
NOW = 1_800_000_000


def test_tokens_round_trip_a_grant() -> None:
    tokens = PreviewTokens(SECRET)
    grant = PreviewGrant("rainy-commuter", NOW + 60, "/c/dogs?x=1")
    assert tokens.verify(tokens.sign(grant), now=NOW) == grant


def test_tokens_refuse_expired_grants() -> None:
    tokens = PreviewTokens(SECRET)
    token = tokens.sign(PreviewGrant(None, NOW + 60))
    assert tokens.grant_for(token, now=NOW + 59) is not None
    with pytest.raises(SignatureError, match="expired"):
        tokens.verify(token, now=NOW + 60)


def test_tokens_refuse_other_secrets_and_tampering() -> None:
    token = PreviewTokens(SECRET).sign(PreviewGrant(None, NOW + 60))
    with pytest.raises(SignatureError, match="bad signature"):
        PreviewTokens("some-other-secret-entirely").verify(token, now=NOW)
    payload, _, signature = token.rpartition(".")
    forged = urlsafe_b64encode(
        json.dumps({"v": 1, "p": None, "to": "/", "exp": NOW + 10**6}).encode()
    )
    assert (
        PreviewTokens(SECRET).grant_for(forged.decode().rstrip("=") + "." + signature, now=NOW)
        is None
    )
    assert PreviewTokens(SECRET).grant_for(None, now=NOW) is None
    assert PreviewTokens(SECRET).grant_for("", now=NOW) is None


def test_tokens_use_their_own_salt() -> None:
    visitor_style = URLSafeSerializer([SECRET]).dumps(
        {"v": 1, "p": None, "to": "/", "exp": NOW + 60}
    )
    assert PreviewTokens(SECRET).grant_for(visitor_style, now=NOW) is None


@pytest.mark.parametrize(
    "payload",
    [
        [1],
        {"v": 2, "p": None, "to": "/", "exp": NOW + 60},
        {"v": 1, "p": "a b", "to": "/", "exp": NOW + 60},
        {"v": 1, "p": None, "to": "//evil.example", "exp": NOW + 60},
        {"v": 1, "p": None, "to": "/", "exp": "soon"},
        {"v": 1, "p": None, "to": "/", "exp": True},
    ],
)
def test_tokens_refuse_malformed_grants_even_when_signed(payload: object) -> None:
    token = URLSafeSerializer([SECRET], salt="cheers.preview").dumps(payload)
    with pytest.raises(SignatureError, match="malformed"):
        PreviewTokens(SECRET).verify(token, now=NOW)


def test_tokens_sign_with_the_first_secret_and_accept_all() -> None:
    old = PreviewTokens(SECRET).sign(PreviewGrant(None, NOW + 60))
    rotated = PreviewTokens(["a-brand-new-secret-value", Secret(SECRET)])
    assert rotated.grant_for(old, now=NOW) is not None
    new = rotated.sign(PreviewGrant(None, NOW + 60))
    assert PreviewTokens("a-brand-new-secret-value").grant_for(new, now=NOW) is not None
    assert PreviewTokens(SECRET).grant_for(new, now=NOW) is None
    assert rotated.is_secret("a-brand-new-secret-value")
    assert not rotated.is_secret(SECRET)


def test_tokens_never_show_the_secret() -> None:
    assert SECRET not in repr(PreviewTokens(SECRET))


@pytest.mark.parametrize("secret", ["", "short", ["long-enough-secret-value", "short"], []])
def test_tokens_refuse_weak_secrets(secret: object) -> None:
    with pytest.raises(ConfigurationError, match="at least 16 characters"):
        PreviewTokens(secret)  # type: ignore[arg-type]


def test_grant_allows_its_persona_or_everything() -> None:
    assert PreviewGrant(None, NOW).allows("anyone")
    assert PreviewGrant(None, NOW).allows(None)
    assert PreviewGrant("a", NOW).allows("a")
    assert not PreviewGrant("a", NOW).allows("b")
    assert not PreviewGrant("a", NOW).allows(None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("1d", timedelta(days=1)),
        ("2w", timedelta(weeks=2)),
        ("1d12h", timedelta(hours=36)),
        (" 90 s ", timedelta(seconds=90)),
    ],
)
def test_parse_lifetime_reads_durations(text: str, expected: timedelta) -> None:
    assert parse_lifetime(text) == expected


@pytest.mark.parametrize("text", ["", "1", "d", "1y", "-1d", "0m", "91d", "1d junk"])
def test_parse_lifetime_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|at most 90 days"):
        parse_lifetime(text)
