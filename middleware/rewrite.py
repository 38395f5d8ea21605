"""HTML slot rewriting: an incremental scanner that finds ``data-slot`` elements in HTML bytes.

Developers tag a slot in any template engine::

    <section data-slot="hero" class="x"> default inner HTML </section>

:class:`SlotScanner` takes the body in chunks and gives back, in page order, plain bytes
and :class:`SlotElement` pieces whose inner HTML the caller swaps. It reads bytes and jumps
with C-level searches between the only places that matter: ``data-slot`` markers, comments
and declarations, raw-text elements (script, style, textarea, title, ...) and, inside a
slot, tags with the slot's own name. Markup in a quoted attribute value (``title="</div>"``)
is seen as text by looking back one tag; known limits, both rare: a value holding two tags
or more (``title="<b>x</b><div data-slot=y>"``), and script "double-escaped" text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import unescape
from typing import Literal

from slots.errors import ConfigurationError

from .htmlscan import (
    MARKER,
    OPENER_RE,
    RAW_TEXT_CLOSERS,
    TAIL,
    VOID_ELEMENTS,
    Closer,
    Cursor,
    Tag,
    charset_from_content_type,
    classify_declaration,
    find_closer,
    is_ascii_compatible,
    match_tag,
    may_contain_slots,
    slot_value_span,
    starts_tag,
    tag_around,
)

__all__ = [
    "SlotElement",
    "SlotScanner",
    "charset_from_content_type",
    "is_ascii_compatible",
    "may_contain_slots",
    "replace_slots",
]

# "more": progress was made; "wait": stopped at self._pos on something incomplete;
# "idle": nothing left to find in the buffer.
_Status = Literal["more", "wait", "idle"]


@dataclass(frozen=True, slots=True)
class SlotElement:
    """A complete slot element: ``start_tag + inner + end_tag`` are its bytes as in the page.

    ``name`` is the ``data-slot`` value, decoded with the page's charset and HTML-unescaped
    (kept verbatim otherwise: ``" hero"`` is not ``"hero"``).
    """

    name: str
    start_tag: bytes
    inner: bytes
    end_tag: bytes


@dataclass(slots=True)
class _OpenSlot:
    """A slot whose start tag has been read and whose end tag has not arrived yet."""

    name: str
    tag: bytes
    start: int
    inner: int
    closer: Closer | None  # a raw-text slot (``<title data-slot>``) ends at its end tag
    depth: int = 1
    opens: Cursor = field(init=False)
    closes: Cursor = field(init=False)
    tail: int = field(init=False)  # bytes to search again after a chunk: "</tag" may be cut

    def __post_init__(self) -> None:
        self.opens = Cursor(b"<" + self.tag)
        self.closes = Cursor(b"</" + self.tag)
        self.tail = max(TAIL, len(self.tag) + 2)


class SlotScanner:
    """An incremental, sans-IO scanner of one HTML body for ``data-slot`` elements.

    ``feed`` returns pieces as soon as they are known: bytes that cannot start a slot at
    once (only a possibly-incomplete tag at the chunk end is held back), a slot once its
    end tag has arrived. ``close`` ends the body. Joining every piece (a
    :class:`SlotElement` as ``start_tag + inner + end_tag``) gives back the input exactly.

    Nesting of same-named elements is counted; void and self-closing (``<x/>``) elements
    carrying ``data-slot`` have no inner HTML and pass through; a slot inside a slot is part
    of the outer one's default. A slot that is never closed, or whose inner HTML grows past
    ``max_slot_bytes``, passes through unchanged and the bytes after its start tag are
    scanned again, so later slots still work.
    """

    __slots__ = ("_buf", "_closer", "_emitted", "_encoding", "_low", "_markers",
                 "_max_slot_bytes", "_openers", "_out", "_pos", "_slot")

    def __init__(self, *, encoding: str = "utf-8", max_slot_bytes: int = 1_048_576) -> None:
        if not is_ascii_compatible(encoding):
            raise ConfigurationError(
                f"SlotScanner needs an ASCII-compatible encoding, not {encoding!r}: check "
                "is_ascii_compatible() first and pass such bodies through untouched"
            )
        self._encoding = encoding
        self._max_slot_bytes = max_slot_bytes
        self._markers = Cursor(MARKER)
        self._openers = Cursor(OPENER_RE)
        self._reset()

    def _reset(self) -> None:
        self._markers.forget()
        self._openers.forget()
        self._buf = bytearray()
        self._low = bytearray()  # the buffer with A-Z lowered: same offsets, case-free search
        self._pos = 0  # scanning resumes here, in the state _closer and _slot describe
        self._emitted = 0  # bytes before this offset have been handed out
        self._closer: Closer | None = None  # inside a comment or raw text until this matches
        self._slot: _OpenSlot | None = None
        self._out: list[bytes | SlotElement] = []  # the pieces of the current feed() or close()

    def feed(self, data: bytes) -> list[bytes | SlotElement]:
        """Scan the next chunk of the body; return the pieces now known, in page order."""
        self._buf += data
        self._low += data.lower()
        self._out = []
        status = self._run(final=False)
        if self._slot is None:
            safe = self._pos if status == "wait" and self._closer is None else len(self._buf)
            self._emit(safe)
        self._trim()
        return self._out

    def close(self) -> list[bytes | SlotElement]:
        """End the body: whatever is still held comes back (an unclosed slot as plain bytes)."""
        self._out = []
        self._run(final=True)
        self._emit(len(self._buf))
        out = self._out
        self._reset()
        return out

    def _run(self, *, final: bool) -> _Status:
        while True:
            slot = self._slot
            if self._closer is not None:
                status = self._skip_to_closer(self._closer)
            elif slot is None:
                status = self._scan_page()
            elif slot.closer is not None:  # a raw-text slot: its end tag is all that counts
                found = self._search_closer(slot.closer)
                status = "wait" if found is None else self._finish(slot, *found)
            else:
                status = self._scan_slot(slot)
            slot = self._slot
            if status == "more":
                continue
            if slot is None or not (final or len(self._buf) - slot.inner > self._max_slot_bytes):
                return status
            self._give_up(slot)

    def _scan_page(self) -> _Status:
        """Outside any slot: go from marker to opener until a slot or a raw-text run begins."""
        low = self._low
        marker = opener = -2  # not looked for yet; -1: none up to the end of the buffer
        while self._slot is None and self._closer is None:
            pos = self._pos
            if -1 != marker < pos:
                marker = self._markers.find(low, pos, len(low))
            if -1 != opener < pos:
                opener = self._openers.find(low, pos, len(low))
            if opener >= 0 and (marker < 0 or opener < marker):
                around = tag_around(low, pos, opener)
                status = self._enter(opener) if around is None else self._take(*around)
            elif marker >= 0:
                status = self._check_marker(marker)
            else:
                return self._hold_cut_tag()
            if status != "more":
                return status
        return "more"

    def _hold_cut_tag(self) -> _Status:
        """Nothing left but maybe a tag cut at the chunk end: hold it back, it may be a slot."""
        low, pos = self._low, self._pos
        last, cut = low.rfind(b"<", pos), -1
        around = tag_around(low, pos, last) if last >= 0 else None
        if around is not None:
            cut = around[0] if around[1] is None else -1  # a "<" in a quoted value
        # Only a start tag can open a slot ("<" alone may become one; "</x" never will).
        elif last >= 0 and (last + 1 == len(low) or low[last + 1 : last + 2].isalpha()):
            cut = last if match_tag(low, last) is None else -1
        if cut >= 0:
            self._pos = cut
            return "wait"
        self._pos = max(pos, len(low) - TAIL)
        return "idle"

    def _check_marker(self, marker: int) -> _Status:
        low = self._low
        at = low.rfind(b"<", self._pos, marker)
        if at >= 0 and starts_tag(low, at):
            around = tag_around(low, self._pos, at) or (at, match_tag(low, at))
            if around[1] is None or around[1].end > marker:
                return self._take(*around)
        self._pos = marker + len(MARKER)  # "data-slot" in text
        return "more"

    def _take(self, at: int, tag: Tag | None) -> _Status:
        """Step over the tag at ``at``; outside a slot, begin a slot if it is one."""
        if tag is None:
            self._pos = at  # cut at the chunk end
            return "wait"
        self._pos = tag.end
        name = self._slot_name(tag) if self._slot is None else None
        if name is not None:
            self._emit(at)
            self._slot = _OpenSlot(name=name, tag=tag.name, start=at, inner=tag.end,
                                   closer=RAW_TEXT_CLOSERS.get(tag.name))
        return "more"

    def _enter(self, at: int) -> _Status:
        """Step over the comment, declaration or raw-text start tag at ``at`` (an opener)."""
        low = self._low
        if low[at + 1] in b"!?":
            found = classify_declaration(low, at)
            if found is None:
                self._pos = at
                return "wait"
            self._closer, self._pos = found
            return self._skip_to_closer(found[0])
        tag = match_tag(low, at)
        slot = self._slot
        status = self._take(at, tag)
        closer = None if tag is None else RAW_TEXT_CLOSERS.get(tag.name)  # not "<style-guide>"
        if status != "more" or closer is None or self._slot is not slot:
            return status
        self._closer = closer
        return self._skip_to_closer(closer)

    def _scan_slot(self, slot: _OpenSlot) -> _Status:
        """Inside a slot: count same-named tags up to the end tag, stepping over openers."""
        low = self._low
        while self._slot is slot and self._closer is None:
            pos = self._pos
            # Only what comes before the next "</tag" matters: bound the other searches by it.
            close = slot.closes.find(low, pos, len(low))
            bound = len(low) if close < 0 else close
            opening = slot.opens.find(low, pos, bound)
            opener = self._openers.find(low, pos, bound)
            at = opening if opening >= 0 else bound
            is_opener = 0 <= opener < at  # "<title-card" is both for a title-card slot: count it
            if is_opener:
                at = opener
            elif at == len(low):
                self._pos = max(pos, len(low) - slot.tail)
                return "idle"
            around = tag_around(low, pos, at)
            if around is not None:
                status = self._take(*around)
            elif is_opener:
                status = self._enter(at)
            else:
                status = self._count(slot, at)
            if status != "more":
                return status
        return "more"

    def _count(self, slot: _OpenSlot, at: int) -> _Status:
        tag = match_tag(self._low, at)
        if tag is None:
            self._pos = at
            return "wait"
        self._pos = tag.end
        if tag.name != slot.tag:  # "<div" also finds "<divider>"
            return "more"
        if not tag.is_end_tag:
            slot.depth += 0 if tag.self_closing else 1
            return "more"
        slot.depth -= 1
        return self._finish(slot, at, tag.end) if slot.depth == 0 else "more"

    def _skip_to_closer(self, closer: Closer) -> _Status:
        found = self._search_closer(closer)
        if found is None:
            return "wait"
        self._closer = None
        self._pos = found[1]
        return "more"

    def _search_closer(self, closer: Closer) -> tuple[int, int] | None:
        """The span of ``closer`` from the scan position on, or None (then the scan
        position is where to look again once more bytes have come)."""
        start, end = find_closer(self._low, closer, self._pos)
        if end < 0:
            self._pos = max(self._pos, start)
            return None
        return (start, end)

    def _slot_name(self, tag: Tag) -> str | None:
        """The slot name of a start tag, or None if it does not open a slot."""
        if tag.is_end_tag or tag.self_closing or tag.name in VOID_ELEMENTS:
            return None
        span = slot_value_span(self._low, tag)
        if span is None or span[0] == span[1]:
            return None
        return unescape(bytes(self._buf[span[0] : span[1]]).decode(self._encoding, "replace"))

    def _finish(self, slot: _OpenSlot, end_start: int, end: int) -> _Status:
        if end_start - slot.inner > self._max_slot_bytes:
            self._give_up(slot)
            return "more"
        buf = self._buf
        self._out.append(SlotElement(
            name=slot.name,
            start_tag=bytes(buf[slot.start : slot.inner]),
            inner=bytes(buf[slot.inner : end_start]),
            end_tag=bytes(buf[end_start:end]),
        ))
        self._slot = None
        self._emitted = self._pos = end
        return "more"

    def _give_up(self, slot: _OpenSlot) -> None:
        # The element stays as it is; what follows its start tag is scanned again as page.
        self._slot = None
        self._closer = None
        self._pos = slot.inner

    def _emit(self, upto: int) -> None:
        if upto > self._emitted:
            self._out.append(bytes(self._buf[self._emitted : upto]))
            self._emitted = upto

    def _trim(self) -> None:
        """Drop the bytes already handed out and scanned, so memory stays about one chunk."""
        keep = min(self._emitted, self._pos)
        if keep <= 0:
            return
        del self._buf[:keep]
        del self._low[:keep]
        self._pos -= keep
        self._emitted -= keep
        # Remembered offsets would now point elsewhere (growing the buffer keeps them valid).
        self._markers.forget()
        self._openers.forget()
        if self._slot is not None:
            self._slot.start -= keep
            self._slot.inner -= keep
            self._slot.opens.forget()
            self._slot.closes.forget()


def replace_slots(html: bytes, contents: Mapping[str, bytes], *, encoding: str = "utf-8") -> bytes:
    """Fill the slots of a whole body at once: each slot named in ``contents`` gets that inner
    HTML, every other slot keeps its default. No size limit applies (the body is in memory)."""
    scanner = SlotScanner(encoding=encoding, max_slot_bytes=len(html))
    out: list[bytes] = []
    for piece in scanner.feed(html) + scanner.close():
        if isinstance(piece, SlotElement):
            out += (piece.start_tag, contents.get(piece.name, piece.inner), piece.end_tag)
        else:
            out.append(piece)
    return b"".join(out)
