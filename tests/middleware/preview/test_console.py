"""The preview console (middleware/preview/console.py), through the middleware that mounts it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from middleware.clock import FixedClock
from middleware.preview import PREVIEW_COOKIE, PreviewGrant, PreviewTokens
from middleware.testing import find_middleware
from slots.errors import ConfigurationError, PolicyErrors

from .shop import NOW, SECRET, make_app, stored_rows

PROTECTED = [
    "/_cheers/",
    "/_cheers/compare",
    "/_cheers/matrix",
    "/_cheers/view/commuter/",
    "/_cheers/view/commuter/next",
]


def _token(
    persona: str | None = None,
    *,
    secret: str = SECRET,
    expires: timedelta = timedelta(hours=1),
    path: str = "/",
) -> str:
    return PreviewTokens(secret).sign(PreviewGrant(persona, int((NOW + expires).timestamp()), path))


def _same(first, second) -> bool:
    keep = ("content-type", "content-length", "cache-control", "set-cookie")
    return (first.status_code, first.content, [first.headers.get(k) for k in keep]) == (
        second.status_code,
        second.content,
        [second.headers.get(k) for k in keep],
    )


def _hero(html: str) -> str:
    match = re.search(r'<section data-slot="hero">(?:<!--.*?-->)?(.*?)</section>', html)
    assert match is not None, html
    return match.group(1)


@pytest.mark.parametrize("path", PROTECTED)
def test_console_without_token_answers_like_an_unknown_path(client: TestClient, path: str) -> None:
    unknown = client.get("/_cheers/no-such-page")
    assert unknown.status_code == 404
    assert _same(client.get(path), unknown)


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        _token(secret="another-secret-of-enough-length"),  # forged: signed with another key
        _token(expires=timedelta(seconds=-1)),  # expired a second ago
        _token()[:-2] + "xx",  # tampered signature
    ],
    ids=["garbage", "forged", "expired", "tampered"],
)
@pytest.mark.parametrize("path", PROTECTED)
def test_console_bad_token_answers_like_an_unknown_path(
    client: TestClient, token: str, path: str
) -> None:
    unknown = client.get("/_cheers/no-such-page")
    client.cookies.set(PREVIEW_COOKIE, token)
    assert _same(client.get(path), unknown)
    assert _same(client.get("/_cheers/open", params={"token": token}), unknown)


def test_console_unknown_path_is_404_even_when_logged_in(
    console: TestClient, client: TestClient
) -> None:
    logged_in = console.get("/_cheers/no-such-page")
    console.cookies.clear()
    assert logged_in.status_code == 404
    assert _same(logged_in, client.get("/_cheers/no-such-page"))


def test_console_login_form_sets_a_strict_http_only_cookie(client: TestClient) -> None:
    form = client.get("/_cheers/login")
    assert form.status_code == 200
    assert '<input id="secret" type="password" name="secret"' in form.text
    assert "<script" not in form.text
    response = client.post("/_cheers/login", data={"secret": SECRET}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/_cheers/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{PREVIEW_COOKIE}=")
    for attribute in ("HttpOnly", "Path=/_cheers", "SameSite=strict", f"Max-Age={12 * 3600}"):
        assert attribute in cookie
    assert client.get("/_cheers/").status_code == 200


def test_console_login_refuses_a_wrong_secret(client: TestClient) -> None:
    response = client.post("/_cheers/login", data={"secret": SECRET + "x"}, follow_redirects=False)
    assert response.status_code == 403
    assert "That is not the preview secret." in response.text
    assert "set-cookie" not in response.headers
    assert client.get("/_cheers/").status_code == 404


def test_console_pages_are_not_stored_or_framed(console: TestClient) -> None:
    for path in ("/_cheers/", "/_cheers/matrix", "/_cheers/compare", "/_cheers/login"):
        response = console.get(path)
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert re.search(r"<script|\son[a-z]+\s*=", response.text, re.IGNORECASE) is None


def test_console_index_lists_personas_and_pages_escaped(console: TestClient) -> None:
    page = console.get("/_cheers/").text
    for name in ("commuter", "night-owl", "newcomer"):
        assert f'<th id="{name}">{name}</th>' in page
    assert '<a href="/_cheers/view/commuter/next">/next</a>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_console_view_shows_the_page_as_the_persona(console: TestClient) -> None:
    commuter = console.get("/_cheers/view/commuter/")
    newcomer = console.get("/_cheers/view/newcomer/")
    owl = console.get("/_cheers/view/night-owl/")
    assert _hero(commuter.text) == "<h1>Rain in town</h1>"
    assert _hero(newcomer.text) == "<h1>Welcome</h1>"
    assert _hero(owl.text) == "<h1>Good evening</h1>"
    assert "<!-- cheers: hero: rule rainy-day matched -->" in commuter.text
    assert "cta: rule welcome-back matched" in commuter.headers["x-cheers-trace"]
    assert commuter.headers["cache-control"] == "no-store"


def test_console_view_keeps_links_in_preview(console: TestClient) -> None:
    page = console.get("/_cheers/view/commuter/").text
    assert '<a href="/_cheers/view/commuter/next">next</a>' in page
    assert '<a href="/_cheers/view/commuter/next?a=1&amp;b=2">absolute</a>' in page
    assert '<form action="/_cheers/view/commuter/cart" method="post">' in page
    assert '<a href="https://elsewhere.example/x">' in page
    assert '<link rel="stylesheet" href="/static/site.css">' in page
    followed = console.get("/_cheers/view/commuter/next")
    assert 'data-agent="Mozilla/5.0 (iPhone;' in followed.text
    assert '<a href="/_cheers/view/commuter/">home</a>' in followed.text


def test_console_view_keeps_redirects_in_preview(console: TestClient) -> None:
    response = console.post("/_cheers/view/commuter/cart", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/_cheers/view/commuter/next"


def test_console_view_of_unknown_persona_is_404(console: TestClient) -> None:
    assert console.get("/_cheers/view/nobody/").status_code == 404


def test_console_view_without_slash_redirects(console: TestClient) -> None:
    response = console.get("/_cheers/view/commuter", follow_redirects=False)
    assert response.headers["location"] == "/_cheers/view/commuter/"


def test_console_preview_writes_nothing(
    tmp_path: Path, app: Starlette, console: TestClient
) -> None:
    database = tmp_path / "cheers.db"
    before = stored_rows(database)
    for persona in ("commuter", "night-owl", "newcomer"):
        response = console.get(f"/_cheers/view/{persona}/")
        assert "cheers_id" not in response.headers.get("set-cookie", "")
        console.get(f"/_cheers/view/{persona}/next")
    console.get("/_cheers/matrix")
    assert stored_rows(database) == before
    assert "cheers_id" not in console.cookies
    # The same page outside preview is remembered: the count above could have moved.
    visit = console.get("/")
    assert "cheers_id=" in visit.headers["set-cookie"]
    assert stored_rows(database) > before


def test_console_matrix_shows_every_persona_and_slot_with_traces(console: TestClient) -> None:
    page = console.get("/_cheers/matrix").text
    assert "<th>hero</th><th>cta</th>" in page
    rows = re.findall(r"<tr>\s*<th><a href=\"/_cheers/view/([a-z-]+)/\"", page)
    assert rows == ["commuter", "night-owl", "newcomer"]
    assert '<li class="matched">rule rainy-day matched</li>' in page
    assert "rule rainy-day skipped: weather.condition is &#39;clear&#39;" in page
    assert '<li class="matched">rule evening matched</li>' in page
    assert "hero/evening.html" in page


def test_console_matrix_decides_for_the_page_asked(console: TestClient) -> None:
    page = console.get("/_cheers/matrix", params={"path": "/next"}).text
    assert "<h1>/next <span" in page
    assert (
        console.get("/_cheers/matrix", params={"path": "//evil.example"}).text.count("<h1>/ <span")
        == 1
    )


def test_console_compare_frames_the_chosen_personas(console: TestClient) -> None:
    page = console.get(
        "/_cheers/compare", params={"path": "/next", "persona": ["commuter", "newcomer"]}
    ).text
    frames = re.findall(r'<iframe src="([^"]+)"', page)
    assert frames == ["/_cheers/view/commuter/next", "/_cheers/view/newcomer/next"]
    everyone = re.findall(r'<iframe src="([^"]+)"', console.get("/_cheers/compare").text)
    assert len(everyone) == 3


def test_console_link_opens_one_persona_only(client: TestClient) -> None:
    response = client.get(
        "/_cheers/open", params={"token": _token("commuter", path="/next")}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/_cheers/view/commuter/next"
    assert "SameSite=strict" in response.headers["set-cookie"]
    assert client.get("/_cheers/view/commuter/next").status_code == 200
    assert client.get("/_cheers/view/newcomer/").status_code == 404
    assert client.get("/_cheers/matrix").status_code == 404


def test_console_link_for_the_console_opens_the_page_it_names(client: TestClient) -> None:
    response = client.get(
        "/_cheers/open", params={"token": _token(path="/matrix?path=/next")}, follow_redirects=False
    )
    assert response.headers["location"] == "/_cheers/matrix?path=/next"
    assert client.get("/_cheers/matrix").status_code == 200


def test_console_link_never_replaces_a_login(console: TestClient) -> None:
    response = console.get(
        "/_cheers/open", params={"token": _token("commuter")}, follow_redirects=False
    )
    assert "set-cookie" not in response.headers
    assert console.get("/_cheers/matrix").status_code == 200


def test_console_link_stops_working_when_the_secret_changes(tmp_path: Path) -> None:
    token = _token("commuter")
    with TestClient(make_app(tmp_path / "a")) as before:
        assert before.get("/_cheers/open", params={"token": token}).status_code == 200
    with TestClient(make_app(tmp_path / "b", preview_secret="a-brand-new-secret-value")) as after:
        assert after.get("/_cheers/open", params={"token": token}).status_code == 404
        after.cookies.set(PREVIEW_COOKIE, token)
        assert after.get("/_cheers/view/commuter/").status_code == 404


def test_console_secret_rotation_keeps_old_links(tmp_path: Path) -> None:
    token = _token("commuter")
    app = make_app(tmp_path, preview_secret=["a-brand-new-secret-value", SECRET])
    with TestClient(app) as client:
        assert client.get("/_cheers/open", params={"token": token}).status_code == 200
        refused = client.post("/_cheers/login", data={"secret": SECRET}, follow_redirects=False)
        assert refused.status_code == 403  # the login form takes only the current secret


def test_console_login_expires(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path / "a")) as today:
        today.post("/_cheers/login", data={"secret": SECRET})
        cookie = today.cookies[PREVIEW_COOKIE]
    later = FixedClock(NOW + timedelta(hours=12, seconds=1))
    with TestClient(make_app(tmp_path / "b", clock=later)) as tomorrow:
        tomorrow.cookies.set(PREVIEW_COOKIE, cookie)
        assert tomorrow.get("/_cheers/").status_code == 404


def test_console_logout_clears_the_cookie(console: TestClient) -> None:
    response = console.post("/_cheers/logout", follow_redirects=False)
    assert response.headers["location"] == "/_cheers/login"
    assert f'{PREVIEW_COOKIE}=""' in response.headers["set-cookie"]
    assert console.get("/_cheers/").status_code == 404


def test_console_is_off_without_a_secret(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, preview_secret=None)) as client:
        assert find_middleware(client.app).preview is None
        assert client.post("/_cheers/login", data={"secret": SECRET}).status_code == 404


def test_console_session_for_never_previews_site_urls(console: TestClient, app: Starlette) -> None:
    hook = find_middleware(app).preview
    assert hook is not None
    assert hook.session_for({"type": "http", "path": "/", "headers": []}) is None
    home = console.get("/")
    assert _hero(home.text) == "<h1>Welcome</h1>"
    assert "x-cheers-trace" not in home.headers


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"preview_secret": "short"}, "at least 16 characters"),
        ({"personas": None}, "needs personas=PATH"),
        ({"preview_path": "/_cheers/"}, "must start with /"),
        ({"preview_pages": ["next"]}, "preview_pages must be paths"),
        ({"preview_lifetime": timedelta(days=91)}, "at most 90 days"),
    ],
)
def test_console_configuration_mistakes_stop_start_up(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        find_middleware(make_app(tmp_path, **options))


def test_console_bad_personas_file_stops_start_up(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    (tmp_path / "personas.yaml").write_text("personas:\n  x:\n    devcie: {}\n", encoding="utf-8")
    with pytest.raises(PolicyErrors, match=r"personas.yaml:3:5: unknown key 'devcie'"):
        find_middleware(app)
