"""Keeping a previewed page in preview: its same-site links are rewritten to the persona's view.

A page previewed as ``rainy-commuter`` is served at ``/_cheers/view/rainy-commuter/<path>``.
Links and form actions to ``/<path>`` (or to ``http://this-host/<path>``) become links to
``/_cheers/view/rainy-commuter/<path>``, so following them stays in preview as that persona;
relative links already resolve under the view. Links to other sites, fragments, ``mailto:``
and the like are left alone, and so are stylesheets, images and other sub-resources, which
load from the site itself as usual.
"""

from __future__ import annotations

import codecs
import html
import re
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Send

__all__ = ["LinkKeeper", "rewrite_links", "rewrite_url"]

# The href of <a> and <area>, the action of <form> and the formaction of buttons and inputs,
# quoted or not. Comments, scripts and attribute values that merely contain these words are
# not links; a page with such text in a raw-text element is rare enough to accept.
_LINK_ATTRIBUTE: Final = re.compile(
    r"""(<(?:a|area|form|button|input)\b[^>]*?\s(?:href|action|formaction)\s*=\s*)"""
    r"""("[^"]*"|'[^']*'|[^\s"'=<>`]+)""",
    re.IGNORECASE,
)


def rewrite_url(url: str, *, view_prefix: str, host: str | None) -> str:
    """``url`` pointing into the persona's view (``view_prefix`` is ``/_cheers/view/NAME``),
    when it is a link to a page of this site (``host``); otherwise ``url`` unchanged."""
    stripped = url.strip()
    if not stripped or stripped.startswith(("#", "?")):
        return url
    try:
        parts = urlsplit(stripped)
    except ValueError:  # an unbalanced "[" in a host: not a link we can follow either
        return url
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return url
    if parts.netloc and (host is None or parts.netloc.lower() != host.lower()):
        return url
    if not parts.path.startswith("/") or _is_under(parts.path, view_prefix):
        return url  # relative links resolve under the view already
    console = view_prefix.rsplit("/view/", 1)[0]
    if _is_under(parts.path, console):
        return url  # the console's own pages
    return urlunsplit(("", "", view_prefix + parts.path, parts.query, parts.fragment))


def _is_under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def rewrite_links(page: str, *, view_prefix: str, host: str | None) -> str:
    """The HTML ``page`` with every same-site link and form action kept in the view."""

    def replace(match: re.Match[str]) -> str:
        raw = match.group(2)
        quote = raw[0] if raw[0] in "\"'" else ""
        value = html.unescape(raw[1:-1] if quote else raw)
        rewritten = rewrite_url(value, view_prefix=view_prefix, host=host)
        if rewritten == value:
            return match.group(0)
        return f'{match.group(1)}"{html.escape(rewritten, quote=True)}"'

    return _LINK_ATTRIBUTE.sub(replace, page)


class LinkKeeper:
    """Wraps ``send`` for a previewed page: rewrites its links (one buffered HTML body, up to
    ``max_bytes``) and a redirect's ``Location``, and marks it ``no-store`` and ``noindex``.

    Anything that is not uncompressed HTML passes through with only its headers changed.
    """

    def __init__(
        self,
        send: Send,
        *,
        view_prefix: str,
        host: str | None,
        is_head: bool = False,
        max_bytes: int = 16 << 20,
    ) -> None:
        self._send = send
        self._is_head = is_head
        self._view_prefix = view_prefix
        self._host = host
        self._max_bytes = max_bytes
        self._start: Message | None = None
        self._chunks: list[bytes] = []
        self._size = 0
        self._charset = "utf-8"

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._on_start(message)
        elif message["type"] == "http.response.body" and self._start is not None:
            await self._on_body(message)
        else:
            if self._start is not None:  # e.g. http.response.pathsend: the start goes first
                start, self._start = self._start, None
                await self._send(start)
            await self._send(message)

    async def _on_start(self, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        headers["cache-control"] = "no-store"
        headers["x-robots-tag"] = "noindex, nofollow"
        location = headers.get("location")
        if location is not None:
            kept = rewrite_url(location, view_prefix=self._view_prefix, host=self._host)
            headers["location"] = kept
        content_type = headers.get("content-type", "")
        is_html = content_type.startswith("text/html") and "content-encoding" not in headers
        if is_html and not self._is_head:
            self._charset = _charset(content_type)
            self._start = message
            return
        await self._send(message)

    async def _on_body(self, message: Message) -> None:
        assert self._start is not None
        self._chunks.append(message.get("body", b""))
        self._size += len(self._chunks[-1])
        more_body = message.get("more_body", False)
        if more_body and self._size <= self._max_bytes:
            return
        body = b"".join(self._chunks)
        start, self._start, self._chunks = self._start, None, []
        headers = MutableHeaders(scope=start)
        if more_body:  # too big to hold: the rest streams through, links as they are
            del headers["content-length"]
        else:
            page = body.decode(self._charset, "surrogateescape")
            page = rewrite_links(page, view_prefix=self._view_prefix, host=self._host)
            body = page.encode(self._charset, "surrogateescape")
            headers["content-length"] = str(len(body))
        await self._send(start)
        await self._send({"type": "http.response.body", "body": body, "more_body": more_body})


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            try:
                return codecs.lookup(value.strip().strip("\"'")).name
            except LookupError:
                break
    return "utf-8"
