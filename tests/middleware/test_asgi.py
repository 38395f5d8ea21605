from __future__ import annotations

import asyncio
import gzip
import logging
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from middleware import PersonalizationMiddleware, track
from middleware.identity import VisitorCookie

from .support import (
    DESKTOP,
    GOOGLEBOT,
    IPHONE,
    PAGE,
    Recorder,
    http_scope,
    receive_nothing,
    write_policy,
)


def starlette_app(tmp_path: Path, endpoint=None, **options) -> Starlette:
    async def home(request: Request) -> Response:
        return HTMLResponse(PAGE)

    kwargs = write_policy(tmp_path) | options
    return Starlette(
        routes=[Route("/", endpoint or home, methods=["GET", "HEAD", "POST"])],
        middleware=[Middleware(PersonalizationMiddleware, **kwargs)],
    )


def hero(html: str) -> str:
    start = html.index('<section data-slot="hero" class="hero">') + len(
        '<section data-slot="hero" class="hero">'
    )
    return html[start : html.index("</section>", start)]


def test_middleware_on_starlette_fills_slot_by_device(tmp_path: Path) -> None:
    client = TestClient(starlette_app(tmp_path))
    phone = client.get("/", headers={"user-agent": IPHONE})
    desktop = client.get("/", headers={"user-agent": DESKTOP})
    assert hero(phone.text) == "<h1>Hello, phone</h1>"
    assert hero(desktop.text) == "<h1>Welcome</h1>"
    assert phone.text.replace(hero(phone.text), "") == desktop.text.replace(hero(desktop.text), "")


def test_middleware_on_fastapi(tmp_path: Path) -> None:
    api = FastAPI()

    @api.get("/", response_class=HTMLResponse)
    async def home() -> str:
        return PAGE

    api.add_middleware(PersonalizationMiddleware, **write_policy(tmp_path))
    assert (
        hero(TestClient(api).get("/", headers={"user-agent": IPHONE}).text)
        == "<h1>Hello, phone</h1>"
    )


async def test_middleware_on_bare_asgi_app(tmp_path: Path) -> None:
    async def app(scope, receive, send) -> None:
        body = PAGE.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    middleware = PersonalizationMiddleware(app, **write_policy(tmp_path))
    recorder = Recorder()
    await middleware(http_scope(user_agent=IPHONE), receive_nothing, recorder)
    assert hero(recorder.body.decode()) == "<h1>Hello, phone</h1>"
    assert int(recorder.headers["content-length"]) == len(recorder.body)


def test_middleware_content_length_matches_rewritten_body(tmp_path: Path) -> None:
    response = TestClient(starlette_app(tmp_path)).get("/", headers={"user-agent": IPHONE})
    assert int(response.headers["content-length"]) == len(response.content)
    assert len(response.content) != len(PAGE.encode())


def test_middleware_head_request_works(tmp_path: Path) -> None:
    response = TestClient(starlette_app(tmp_path)).head("/", headers={"user-agent": IPHONE})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["cache-control"].startswith("private")


def test_middleware_not_modified_passes_through(tmp_path: Path) -> None:
    async def not_modified(request: Request) -> Response:
        return Response(status_code=304, headers={"etag": '"v1"'}, media_type="text/html")

    response = TestClient(starlette_app(tmp_path, not_modified)).get(
        "/", headers={"user-agent": IPHONE}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == '"v1"'


@pytest.mark.parametrize(
    "response",
    [
        JSONResponse({"html": PAGE}),
        Response(
            gzip.compress(PAGE.encode()),
            media_type="text/html",
            headers={"content-encoding": "gzip"},
        ),
        Response(PAGE.encode(), media_type="text/plain"),
    ],
    ids=["json", "encoded", "text"],
)
async def test_middleware_passes_non_html_byte_for_byte(tmp_path: Path, response: Response) -> None:
    middleware = PersonalizationMiddleware(response, **write_policy(tmp_path))
    recorder = Recorder()
    await middleware(http_scope(user_agent=IPHONE), receive_nothing, recorder)
    assert recorder.body == response.body
    assert recorder.start["headers"] == response.raw_headers


async def test_middleware_passes_websocket_and_lifespan_scopes(tmp_path: Path) -> None:
    seen = []

    async def app(scope, receive, send) -> None:
        seen.append(scope["type"])
        await send({"type": f"{scope['type']}.marker"})

    middleware = PersonalizationMiddleware(app, **write_policy(tmp_path))
    for kind in ("websocket", "lifespan"):
        recorder = Recorder()
        await middleware({"type": kind, "path": "/"}, receive_nothing, recorder)
        assert recorder.messages == [{"type": f"{kind}.marker"}]
    assert seen == ["websocket", "lifespan"]


async def test_middleware_streams_bytes_before_a_slot_early(tmp_path: Path) -> None:
    release = asyncio.Event()
    sent_before_release: list[bytes] = []

    async def app(scope, receive, send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html")],
            }
        )
        await send(
            {
                "type": "http.response.body",
                "body": b"<html><body><p>early bytes</p>",
                "more_body": True,
            }
        )
        await release.wait()
        await send(
            {
                "type": "http.response.body",
                "body": b'<div data-slot="hero">x</div></body></html>',
                "more_body": False,
            }
        )

    async def on_message(message) -> None:
        if message["type"] == "http.response.body" and not release.is_set():
            sent_before_release.append(message["body"])
            release.set()

    recorder = Recorder(on_message)
    middleware = PersonalizationMiddleware(app, **write_policy(tmp_path))
    await middleware(http_scope(user_agent=IPHONE), receive_nothing, recorder)
    assert sent_before_release == [b"<html><body><p>early bytes</p>"]
    assert recorder.body.endswith(
        b'<div data-slot="hero"><h1>Hello, phone</h1></div></body></html>'
    )
    assert "content-length" not in recorder.headers
    assert recorder.headers["cache-control"] == "private"


def test_middleware_streaming_response_through_starlette(tmp_path: Path) -> None:
    async def stream(request: Request) -> Response:
        async def chunks():
            for piece in (PAGE[:30], PAGE[30:70], PAGE[70:]):
                yield piece

        return StreamingResponse(chunks(), media_type="text/html")

    response = TestClient(starlette_app(tmp_path, stream)).get("/", headers={"user-agent": IPHONE})
    assert hero(response.text) == "<h1>Hello, phone</h1>"


def test_middleware_respects_latin1_charset(tmp_path: Path) -> None:
    page = '<p>Caf\xe9</p><section data-slot="hero" class="hero">Cr\xe8me</section>'

    async def latin(request: Request) -> Response:
        return Response(page.encode("latin-1"), media_type="text/html; charset=iso-8859-1")

    templates = {"hero/phone.html": "Gr\xfc\xdfe, {{ default }}", "cta/broken.html": ""}
    kwargs = write_policy(tmp_path, templates=templates)
    app = Starlette(
        routes=[Route("/", latin)], middleware=[Middleware(PersonalizationMiddleware, **kwargs)]
    )
    response = TestClient(app).get("/", headers={"user-agent": IPHONE})
    expected = (
        '<p>Caf\xe9</p><section data-slot="hero" class="hero">Gr\xfc\xdfe, Cr\xe8me</section>'
    )
    assert response.content == expected.encode("latin-1")


def test_middleware_personalized_page_is_private_and_varies_on_cookie(tmp_path: Path) -> None:
    async def cached(request: Request) -> Response:
        return HTMLResponse(
            PAGE, headers={"cache-control": "public, max-age=300", "vary": "Accept-Encoding"}
        )

    response = TestClient(starlette_app(tmp_path, cached)).get("/", headers={"user-agent": IPHONE})
    assert response.headers["cache-control"] == "private, max-age=300"
    assert response.headers["vary"] == "Accept-Encoding, Cookie"


def test_middleware_page_without_policy_slots_keeps_app_headers(tmp_path: Path) -> None:
    page = '<p>Shop</p><div data-slot="newsletter">Sign up</div>'  # not a slot the policy has

    async def cached(request: Request) -> Response:
        return HTMLResponse(page, headers={"cache-control": "public, max-age=300", "etag": '"v1"'})

    # DNT: nothing stored, so no cookie; no slot of the policy is on the page.
    client = TestClient(starlette_app(tmp_path, cached))
    response = client.get("/", headers={"user-agent": IPHONE, "dnt": "1"})
    assert response.text == page
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["etag"] == '"v1"'
    assert "vary" not in response.headers
    assert "set-cookie" not in response.headers


def test_middleware_default_decision_is_still_private(tmp_path: Path) -> None:
    async def cached(request: Request) -> Response:
        return HTMLResponse(
            PAGE,
            headers={"cache-control": "public, max-age=300", "etag": '"v1"', "last-modified": "x"},
        )

    # A desktop matches no rule, so the page is unchanged; but a phone's would not be, so a
    # shared cache must not keep this one and hand it to the phone.
    client = TestClient(starlette_app(tmp_path, cached))
    response = client.get("/", headers={"user-agent": DESKTOP, "dnt": "1"})
    assert response.text == PAGE
    assert response.headers["cache-control"] == "private, max-age=300"
    assert response.headers["vary"] == "Cookie"
    assert "etag" not in response.headers and "last-modified" not in response.headers


def test_middleware_partial_content_is_not_rewritten(tmp_path: Path) -> None:
    async def partial(request: Request) -> Response:
        return Response(
            PAGE.encode()[:80],
            status_code=206,
            media_type="text/html",
            headers={"content-range": f"bytes 0-79/{len(PAGE)}"},
        )

    response = TestClient(starlette_app(tmp_path, partial)).get("/", headers={"user-agent": IPHONE})
    assert response.status_code == 206
    assert response.content == PAGE.encode()[:80]


def test_middleware_trace_comments_cannot_be_escaped_by_a_visitor(tmp_path: Path) -> None:
    policy = (
        "slots:\n  hero:\n    rules:\n"
        "      - {name: news, when: {visit.utm_source: news}, show: hero/phone.html}\n"
    )
    kwargs = write_policy(tmp_path, policy) | {"debug": True}
    app = Starlette(
        routes=[Route("/", lambda request: HTMLResponse(PAGE))],
        middleware=[Middleware(PersonalizationMiddleware, **kwargs)],
    )
    hostile = "--><img src=x onerror=alert(1)>"
    response = TestClient(app).get("/", params={"utm_source": hostile})
    assert "utm_source is '- -&gt;&lt;img" in response.text  # the trace quotes it, escaped
    assert "<img" not in response.text
    assert response.text.count("-->") == response.text.count("<!--")


def test_middleware_render_failure_keeps_default_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="cheers"):
        response = TestClient(starlette_app(tmp_path)).get("/", headers={"user-agent": IPHONE})
    assert response.status_code == 200
    assert '<div data-slot="cta">Buy now</div>' in response.text
    assert hero(response.text) == "<h1>Hello, phone</h1>"
    messages = [record.getMessage() for record in caplog.records]
    assert any("'cta'" in m and "'broken-for-phones'" in m for m in messages), messages


def test_middleware_sets_cookie_for_new_visitor_only(tmp_path: Path) -> None:
    client = TestClient(starlette_app(tmp_path))
    first = client.get("/", headers={"user-agent": DESKTOP})
    assert first.headers["set-cookie"].startswith("cheers_id=")
    assert first.headers["cache-control"].startswith("private")
    second = client.get("/", headers={"user-agent": DESKTOP})
    assert "set-cookie" not in second.headers


def test_middleware_keeps_app_cookies(tmp_path: Path) -> None:
    async def with_cookie(request: Request) -> Response:
        response = HTMLResponse(PAGE)
        response.set_cookie("cart", "3")
        return response

    response = TestClient(starlette_app(tmp_path, with_cookie)).get("/")
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("cart=3") for c in cookies)
    assert any(c.startswith("cheers_id=") for c in cookies)


def test_middleware_cookie_secure_only_for_https_or_trusted_proxy(tmp_path: Path) -> None:
    plain = TestClient(starlette_app(tmp_path)).get("/", headers={"x-forwarded-proto": "https"})
    assert "Secure" not in plain.headers["set-cookie"]  # the header came from an untrusted peer
    secure = TestClient(starlette_app(tmp_path), base_url="https://testserver").get("/")
    assert "Secure" in secure.headers["set-cookie"]


async def test_middleware_cookie_secure_behind_trusted_proxy(tmp_path: Path) -> None:
    async def app(scope, receive, send) -> None:
        await HTMLResponse(PAGE)(scope, receive, send)

    middleware = PersonalizationMiddleware(
        app, trusted_proxies=["203.0.113.0/24"], **write_policy(tmp_path)
    )
    recorder = Recorder()
    scope = http_scope(
        headers=[(b"x-forwarded-proto", b"https"), (b"x-forwarded-for", b"198.51.100.7")]
    )
    await middleware(scope, receive_nothing, recorder)
    assert "Secure" in recorder.headers["set-cookie"]


@pytest.mark.parametrize("signal", [{"dnt": "1"}, {"sec-gpc": "1"}])
def test_middleware_without_consent_sets_no_cookie_but_personalizes(tmp_path: Path, signal) -> None:
    response = TestClient(starlette_app(tmp_path)).get(
        "/", headers={"user-agent": IPHONE, **signal}
    )
    assert "set-cookie" not in response.headers
    assert hero(response.text) == "<h1>Hello, phone</h1>"


def test_middleware_bots_get_default_content_and_no_cookie(tmp_path: Path) -> None:
    response = TestClient(starlette_app(tmp_path)).get("/", headers={"user-agent": GOOGLEBOT})
    assert response.text == PAGE
    assert "set-cookie" not in response.headers


def test_middleware_excluded_paths_pass_through(tmp_path: Path) -> None:
    async def asset(request: Request) -> Response:
        return HTMLResponse(PAGE)

    kwargs = write_policy(tmp_path)
    app = Starlette(
        routes=[Route("/static/x.html", asset)],
        middleware=[Middleware(PersonalizationMiddleware, **kwargs)],
    )
    response = TestClient(app).get("/static/x.html", headers={"user-agent": IPHONE})
    assert response.text == PAGE
    assert "set-cookie" not in response.headers


def test_middleware_refuses_to_start_without_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slots.errors import ConfigurationError

    monkeypatch.delenv("CHEERS_SECRET_KEY", raising=False)
    kwargs = write_policy(tmp_path)
    del kwargs["secret_key"]
    with pytest.raises(ConfigurationError, match="CHEERS_SECRET_KEY"):
        PersonalizationMiddleware(Starlette(), **kwargs)


def test_middleware_debug_mode_generates_a_key_with_warning(
    tmp_path: Path, monkeypatch, caplog
) -> None:
    monkeypatch.delenv("CHEERS_SECRET_KEY", raising=False)
    kwargs = write_policy(tmp_path)
    del kwargs["secret_key"]
    with caplog.at_level(logging.WARNING, logger="cheers"):
        PersonalizationMiddleware(Starlette(), debug=True, **kwargs)
    assert any("throwaway key" in r.getMessage() for r in caplog.records)


def test_middleware_reads_secret_from_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CHEERS_SECRET_KEY", "new-key, old-key")
    kwargs = write_policy(tmp_path)
    del kwargs["secret_key"]
    app = Starlette(
        routes=[Route("/", lambda r: HTMLResponse(PAGE))],
        middleware=[Middleware(PersonalizationMiddleware, **kwargs)],
    )
    token = VisitorCookie(["old-key"]).sign("a" * 32)
    response = TestClient(app, cookies={"cheers_id": token}).get("/")
    assert "set-cookie" not in response.headers  # the old key is still accepted


def test_middleware_tracked_event_written_even_when_app_raises(tmp_path: Path) -> None:
    async def checkout(request: Request) -> Response:
        await track(request, "purchase", items=["leash"])
        raise RuntimeError("payment provider exploded")

    kwargs = write_policy(tmp_path)
    middleware_holder = {}

    def build(app):
        middleware_holder["m"] = PersonalizationMiddleware(app, **kwargs)
        return middleware_holder["m"]

    inner = Starlette(routes=[Route("/", checkout, methods=["POST"])])
    app = build(inner)
    client = TestClient(
        app,
        raise_server_exceptions=False,
        cookies={"cheers_id": VisitorCookie(["test-secret"]).sign("b" * 32)},
    )
    response = client.post("/")
    assert response.status_code == 500
    store = middleware_holder["m"].engine.store
    profile = asyncio.run(store.load_profile("b" * 32))
    assert profile is not None and profile.purchased == ("leash",)
