"""A persona's request (middleware/preview/session.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from middleware.preview.session import PREVIEW_COOKIE, clean_scope, persona_session, read_personas
from slots.errors import PolicyErrors
from slots.personas import Consent, LocalInstant, Persona, RequestSignals, load_personas

from ..support import DESKTOP, IPHONE, http_scope

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def _headers(scope: Mapping[str, Any]) -> dict[str, str]:
    return {name.decode(): value.decode() for name, value in scope["headers"]}


def _scope() -> dict[str, Any]:
    return http_scope(
        "/_cheers/view/x/c/dogs",
        user_agent=DESKTOP,
        headers=[
            (b"cookie", f"cart=abc; {PREVIEW_COOKIE}=token.sig; theme=dark".encode()),
            (b"accept-language", b"de-DE"),
            (b"sec-gpc", b"1"),
            (b"x-forwarded-for", b"198.51.100.7"),
            (b"cf-ipcountry", b"DE"),
        ],
    ) | {"path_params": {"persona": "x"}, "router": object(), "cheers.preview_grant": object()}


def test_persona_session_sends_what_the_persona_sends() -> None:
    persona = Persona(
        "p",
        user_agent=IPHONE,
        ip="192.0.2.70",
        consent=Consent(gpc=False, dnt=True),
        request=RequestSignals(
            referrer="https://search.example/", language="fr-FR", headers={"X-Campaign": "spring"}
        ),
    )
    session = persona_session(persona, _scope(), path="/c/dogs", now=NOW)
    headers = _headers(session.scope)
    assert headers["user-agent"] == IPHONE
    assert headers["accept-language"] == "fr-FR"
    assert headers["referer"] == "https://search.example/"
    assert headers["dnt"] == "1"
    assert headers["x-campaign"] == "spring"
    assert "sec-gpc" not in headers  # gpc: false takes the real header away
    assert "x-forwarded-for" not in headers and "cf-ipcountry" not in headers
    assert headers["cookie"] == "cart=abc; theme=dark"
    assert session.scope["client"] == ("192.0.2.70", 0)
    assert session.scope["path"] == "/c/dogs"
    assert session.scope["raw_path"] == b"/c/dogs"
    for key in ("path_params", "router", "cheers.preview_grant"):
        assert key not in session.scope


def test_persona_session_keeps_what_the_persona_leaves_out() -> None:
    session = persona_session(Persona("plain"), _scope(), path="/", now=NOW)
    headers = _headers(session.scope)
    assert headers["user-agent"] == DESKTOP
    assert headers["sec-gpc"] == "1"
    assert headers["x-forwarded-for"] == "198.51.100.7"  # no ip of its own: the real one stands
    assert session.scope["client"] == ("203.0.113.9", 5000)
    assert session.now == NOW
    assert session.profile is None
    assert session.overrides == {}


def test_persona_session_adds_utm_tags_to_the_query() -> None:
    persona = Persona(
        "p", request=RequestSignals(utm={"source": "news", "campaign": "spring sale"})
    )
    session = persona_session(
        persona, _scope(), path="/", query_string=b"page=2&utm_source=ads", now=NOW
    )
    assert session.scope["query_string"] == b"page=2&utm_source=news&utm_campaign=spring+sale"


def test_persona_session_uses_the_persona_clock_and_history() -> None:
    book = load_personas(
        "personas:\n  p:\n    at: 2026-03-12 19:30 Europe/London\n"
        "    history: {visits: 4, days_since_first_visit: 10}\n"
        "  today:\n    at: 07:15 Asia/Tokyo\n"
        "  fixed:\n    at: 2026-03-12T08:00:00-05:00\n"
    )
    session = persona_session(book.get("p"), _scope(), path="/", now=NOW)
    assert session.now == datetime(2026, 3, 12, 19, 30, tzinfo=UTC)
    assert session.overrides == {"geo": {"timezone": "Europe/London"}}
    assert session.profile is not None and session.profile.visits == 4
    assert session.profile.first_seen == session.now - timedelta(days=10)
    today = persona_session(book.get("today"), _scope(), path="/", now=NOW).now
    assert today is not None
    assert (today.isoformat(), today.utcoffset()) == (
        "2026-03-12T07:15:00+09:00",
        timedelta(hours=9),
    )
    fixed = persona_session(book.get("fixed"), _scope(), path="/", now=NOW).now
    assert fixed == datetime(2026, 3, 12, 13, 0, tzinfo=UTC)
    assert persona_session(book.get("fixed"), _scope(), path="/", now=NOW).overrides == {}


def test_clean_scope_drops_only_the_preview_cookie() -> None:
    scope = http_scope("/", headers=[(b"cookie", f"{PREVIEW_COOKIE}=t".encode())])
    cleaned = clean_scope(scope | {"router": object()})
    assert b"cookie" not in dict(cleaned["headers"])
    assert "router" not in cleaned
    assert scope["headers"][-1] == (
        b"cookie",
        f"{PREVIEW_COOKIE}=t".encode(),
    )  # the original is untouched


def test_read_personas_checks_time_zones(tmp_path: Path) -> None:
    path = tmp_path / "personas.yaml"
    path.write_text("personas:\n  p:\n    at: 2026-03-12 08:00 Europe/Londres\n", encoding="utf-8")
    with pytest.raises(PolicyErrors) as caught:
        read_personas(path)
    assert str(caught.value).startswith(f"{path}:3:9: unknown time zone 'Europe/Londres'")


def test_local_instant_is_what_the_session_uses() -> None:
    instant = LocalInstant(datetime(2026, 1, 1, 8, 0).time(), zone="UTC")
    assert persona_session(
        Persona("p", at=instant), _scope(), path="/", now=NOW
    ).now == NOW.replace(hour=8)


def test_persona_session_quotes_the_raw_path() -> None:
    session = persona_session(Persona("p"), _scope(), path="/c/small pets", now=NOW)
    assert session.scope["path"] == "/c/small pets"
    assert session.scope["raw_path"] == b"/c/small%20pets"
