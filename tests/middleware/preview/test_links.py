"""Keeping previewed pages in preview (middleware/preview/links.py)."""

from __future__ import annotations

from typing import Any

import pytest

from middleware.preview.links import LinkKeeper, rewrite_links, rewrite_url

from ..support import Recorder

VIEW = "/_cheers/view/commuter"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/", f"{VIEW}/"),
        ("/c/dogs?page=2#grid", f"{VIEW}/c/dogs?page=2#grid"),
        ("http://shop.example/c/dogs", f"{VIEW}/c/dogs"),
        ("HTTPS://SHOP.EXAMPLE/cart", f"{VIEW}/cart"),
        ("//shop.example/cart", f"{VIEW}/cart"),
        ("  /padded  ", f"{VIEW}/padded"),
        ("http://elsewhere.example/c/dogs", "http://elsewhere.example/c/dogs"),
        ("//elsewhere.example/", "//elsewhere.example/"),
        ("relative/page", "relative/page"),
        ("../up", "../up"),
        ("#top", "#top"),
        ("?sort=price", "?sort=price"),
        ("", ""),
        ("mailto:shop@example.com", "mailto:shop@example.com"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        (f"{VIEW}/already", f"{VIEW}/already"),
        ("/_cheers/matrix", "/_cheers/matrix"),
        ("/_cheersy", f"{VIEW}/_cheersy"),
        ("http://[broken/", "http://[broken/"),
    ],
)
def test_rewrite_url_keeps_same_site_links_in_the_view(url: str, expected: str) -> None:
    assert rewrite_url(url, view_prefix=VIEW, host="shop.example") == expected


def test_rewrite_url_without_a_host_rewrites_only_paths() -> None:
    assert (
        rewrite_url("http://shop.example/x", view_prefix=VIEW, host=None) == "http://shop.example/x"
    )
    assert rewrite_url("/x", view_prefix=VIEW, host=None) == f"{VIEW}/x"


def test_rewrite_links_rewrites_anchors_forms_and_buttons() -> None:
    page = (
        '<a class="x" href="/a">A</a><A HREF=/b>B</A><area href=\'/c\'>'
        '<form method="post" action="/cart/add"><button formaction="/cart/remove">-</button></form>'
        '<link rel="stylesheet" href="/static/s.css"><img src="/static/i.svg">'
        '<a data-href="/not-a-link" href="/d?x=1&amp;y=2">D</a>'
    )
    assert rewrite_links(page, view_prefix=VIEW, host="shop.example") == (
        f'<a class="x" href="{VIEW}/a">A</a><A HREF="{VIEW}/b">B</A><area href="{VIEW}/c">'
        f'<form method="post" action="{VIEW}/cart/add">'
        f'<button formaction="{VIEW}/cart/remove">-</button></form>'
        '<link rel="stylesheet" href="/static/s.css"><img src="/static/i.svg">'
        f'<a data-href="/not-a-link" href="{VIEW}/d?x=1&amp;y=2">D</a>'
    )


def test_rewrite_links_escapes_what_it_writes() -> None:
    page = '<a href="/search?q=&quot;dogs&quot;">s</a>'
    assert (
        rewrite_links(page, view_prefix=VIEW, host=None)
        == f'<a href="{VIEW}/search?q=&quot;dogs&quot;">s</a>'
    )


def _start(*headers: tuple[bytes, bytes], status: int = 200) -> dict[str, Any]:
    return {"type": "http.response.start", "status": status, "headers": list(headers)}


async def test_link_keeper_rewrites_a_streamed_page_and_fixes_its_length() -> None:
    recorder = Recorder()
    keeper = LinkKeeper(recorder, view_prefix=VIEW, host="shop.example")
    await keeper(_start((b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"21")))
    await keeper({"type": "http.response.body", "body": b'<a href="/', "more_body": True})
    await keeper({"type": "http.response.body", "body": b'x">\xc3\xa9</a>', "more_body": False})
    body = f'<a href="{VIEW}/x">é</a>'.encode()
    assert recorder.body == body
    assert recorder.headers["content-length"] == str(len(body))
    assert recorder.headers["cache-control"] == "no-store"
    assert recorder.headers["x-robots-tag"] == "noindex, nofollow"


async def test_link_keeper_passes_other_bodies_through() -> None:
    recorder = Recorder()
    keeper = LinkKeeper(recorder, view_prefix=VIEW, host=None)
    await keeper(_start((b"content-type", b"text/css"), (b"cache-control", b"public, max-age=60")))
    await keeper(
        {"type": "http.response.body", "body": b'a{background:url("/x")}', "more_body": True}
    )
    assert recorder.body == b'a{background:url("/x")}'  # sent at once, untouched
    assert recorder.headers["cache-control"] == "no-store"


async def test_link_keeper_leaves_compressed_and_head_responses_alone() -> None:
    for headers, is_head in (((b"content-encoding", b"gzip"),), False), ((), True):
        recorder = Recorder()
        keeper = LinkKeeper(recorder, view_prefix=VIEW, host=None, is_head=is_head)
        await keeper(_start((b"content-type", b"text/html"), (b"content-length", b"99"), *headers))
        await keeper({"type": "http.response.body", "body": b'<a href="/x">', "more_body": False})
        assert recorder.body == b'<a href="/x">'
        assert recorder.headers["content-length"] == "99"


async def test_link_keeper_rewrites_redirects() -> None:
    recorder = Recorder()
    keeper = LinkKeeper(recorder, view_prefix=VIEW, host="shop.example")
    await keeper(_start((b"location", b"http://shop.example/cart"), status=303))
    await keeper({"type": "http.response.body", "body": b"", "more_body": False})
    assert recorder.headers["location"] == f"{VIEW}/cart"


async def test_link_keeper_streams_pages_too_big_to_hold() -> None:
    recorder = Recorder()
    keeper = LinkKeeper(recorder, view_prefix=VIEW, host=None, max_bytes=8)
    await keeper(_start((b"content-type", b"text/html"), (b"content-length", b"40")))
    await keeper({"type": "http.response.body", "body": b'<a href="/x">x</a>', "more_body": True})
    await keeper({"type": "http.response.body", "body": b'<a href="/y">y</a>', "more_body": False})
    assert recorder.body == b'<a href="/x">x</a><a href="/y">y</a>'
    assert "content-length" not in recorder.headers
