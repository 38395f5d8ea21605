"""Applying a request's personalization to its response: headers, the cookie, slot bytes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Send

from .headers import mark_personalized
from .personalization import Personalization
from .rewrite import (
    SlotElement,
    SlotScanner,
    charset_from_content_type,
    is_ascii_compatible,
    may_contain_slots,
)

__all__ = ["SlotResponder", "trace_header"]

logger = logging.getLogger("cheers")

# No body to fill (204, 205, 304), or only part of one (206: a rewrite would break its range).
_NOT_REWRITTEN = frozenset({204, 205, 206, 304})


def trace_header(personalization: Personalization) -> str:
    """The decisions of a request as one ``X-Cheers-Trace`` header value (ASCII, bounded)."""
    text = " | ".join(d.explain() for d in personalization.decisions.values()) or "no slot decided"
    return text.encode("ascii", "backslashreplace").decode("ascii")[:4000]


class SlotResponder:
    """Wraps ``send`` for one request, the way Starlette's GZip responder does.

    The start message is held until the first body chunk shows whether the body arrives in
    one piece (rewrite it, fix Content-Length) or streamed (drop Content-Length, pass bytes
    before each slot through at once, fill each slot as it completes). Anything that is not
    an uncompressed HTML body passes through untouched.
    """

    def __init__(
        self, send: Send, personalization: Personalization, *, is_head: bool, rewrite: bool = True
    ) -> None:
        self._rewrite = rewrite
        # QA sees why: traces as a header and a comment in each slot (preview and debug only).
        self._explains = personalization.preview or personalization.engine.settings.debug
        self._send = send
        self._personalization = personalization
        self._is_head = is_head
        self._start: Message | None = None
        self._scanner: SlotScanner | None = None
        self._encoding = "utf-8"
        self._passthrough = True
        self.status: int | None = None
        self.is_page = False
        self.personalized = False

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            await self._on_start(message)
        elif kind == "http.response.body" and not self._passthrough:
            await self._on_body(message)
        else:
            await self._flush_start()
            await self._send(message)

    async def _on_start(self, message: Message) -> None:
        self.status = message["status"]
        headers = MutableHeaders(scope=message)
        content_type = headers.get("content-type", "")
        self.is_page = content_type.startswith("text/html")
        encoding = charset_from_content_type(content_type) or "utf-8"
        encoded = "content-encoding" in headers
        rewritable = (
            self._rewrite
            and self.is_page
            and not encoded
            and self.status not in _NOT_REWRITTEN
            and not self._is_head
            and is_ascii_compatible(encoding)
        )
        full_page = self.is_page and not encoded and self.status not in _NOT_REWRITTEN
        if full_page or self._personalization.cookie_changed:
            self._add_cookie(headers)
        if not rewritable:
            if self.is_page and self._is_head and self._personalization.policy.slots:
                mark_personalized(headers)  # the GET of this page may be personalized
            await self._send(message)
            return
        self._passthrough = False
        self._start = message
        self._encoding = encoding
        self._scanner = SlotScanner(
            encoding=encoding, max_slot_bytes=self._personalization.engine.settings.max_buffer
        )

    def _add_cookie(self, headers: MutableHeaders) -> None:
        personalization = self._personalization
        visitor = personalization.visitor
        if visitor is None or not (visitor.needs_cookie or personalization.cookie_changed):
            return
        if not personalization.remembers:
            return
        engine = personalization.engine
        secure = engine.is_secure(personalization.context.request)
        headers.append("set-cookie", engine.cookie.set_cookie_header(visitor.id, secure=secure))
        mark_personalized(headers)  # a response that sets a visitor's cookie is theirs alone

    async def _flush_start(self) -> None:
        if self._start is not None:
            start, self._start = self._start, None
            await self._send(start)

    async def _on_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more_body: bool = message.get("more_body", False)
        if self._start is not None and not more_body:
            await self._send_whole(body)
            return
        if self._start is not None:
            headers = MutableHeaders(scope=self._start)
            del headers["content-length"]
            if self._personalization.policy.slots:
                mark_personalized(headers)  # decided after the headers are gone: be safe
            await self._flush_start()
        assert self._scanner is not None
        pieces = self._scanner.feed(body) if body else []
        if not more_body:
            pieces += self._scanner.close()
        chunk = await self._assemble(pieces)
        if chunk or not more_body:
            await self._send({"type": "http.response.body", "body": chunk, "more_body": more_body})

    async def _send_whole(self, body: bytes) -> None:
        assert self._start is not None and self._scanner is not None
        if may_contain_slots(body):
            pieces = self._scanner.feed(body) + self._scanner.close()
            names = [piece.name for piece in pieces if isinstance(piece, SlotElement)]
            try:
                await self._personalization.prepare(names)
            except Exception:  # a store or provider bug: the slots decide from what is there
                logger.exception("preparing the context for slots %s failed", names)
            body = await self._assemble(pieces)
        headers = MutableHeaders(scope=self._start)
        # Any slot Cheers decided makes the page this visitor's, even when the decision was
        # the default: another visitor may be decided otherwise, so no shared cache may keep it.
        if self.personalized or self._personalization.decisions:
            mark_personalized(headers)
        if self._explains:
            headers["x-cheers-trace"] = trace_header(self._personalization)
        if "content-length" in headers:
            headers["content-length"] = str(len(body))
        await self._flush_start()
        await self._send({"type": "http.response.body", "body": body, "more_body": False})

    async def _assemble(self, pieces: Sequence[bytes | SlotElement]) -> bytes:
        out: list[bytes] = []
        for piece in pieces:
            if isinstance(piece, bytes):
                out.append(piece)
            else:
                out.append(await self._fill(piece))
        return b"".join(out)

    async def _fill(self, element: SlotElement) -> bytes:
        encoding = self._encoding
        default = element.inner.decode(encoding, "replace")
        try:
            html = await self._personalization.fill_slot(element.name, default)
        except Exception:  # nothing about one slot may break the page
            logger.exception("slot %r could not be filled; its default stays", element.name)
            html = None
        if html is not None:
            self.personalized = True
        inner = element.inner if html is None else html.encode(encoding, "xmlcharrefreplace")
        if self._explains:
            inner = self._trace_comment(element.name) + inner
        return element.start_tag + inner + element.end_tag

    def _trace_comment(self, slot: str) -> bytes:
        decision = self._personalization.decisions.get(slot)
        text = (
            decision.explain()
            if decision is not None
            else f"{slot}: not in the policy; default kept"
        )
        # Traces quote what visitors send (referrers, query values): escaped, no ">" is left
        # to end the comment early, and no "<" to start markup.
        safe = escape(text, quote=False).replace("--", "- -")
        return b"<!-- cheers: " + safe.encode("ascii", "backslashreplace") + b" -->"
