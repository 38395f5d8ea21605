"""HTML slot rewriting: an incremental scanner that finds ``data-slot`` elements in HTML bytes.

Developers tag a slot in any template engine::

    <section data-slot="hero" class="x"> default inner HTML </section>

:class:`SlotScanner` takes the body in chunks and gives back, in page order, plain bytes
and :class:`SlotElement` pieces whose inner HTML the caller swaps. It reads bytes and jumps
with C-level searches between the only places that matter: ``data-slot`` markers, and the
comments, declarations and raw-text elements (script, style, textarea, title, ...) before
them, which may hide a marker; inside a slot, tags with the slot's own name and those same
openers, which may hide its end tag. Text after the last marker is not read at all once the
body has ended. Markup in a quoted attribute value (``title="</div>"``) is seen as text by
looking back one tag; known limits, both rare: a value holding two tags or more
(``title="<b>x</b><div data-slot=y>"``), and script "double-escaped" text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import unescape
from re import Match, Pattern
from typing import Literal

from slots.errors import ConfigurationError

from .htmlscan import (
    MARKER,
    OPENER_RE,
    RAW_TEXT_CLOSERS,
    TAG_RE,
    TAIL,
    VOID_ELEMENTS,
    Closer,
    MarkerCursor,
    TagMatch,
    charset_from_content_type,
    classify_declaration,
    cut_tag,
    find_closer,
    is_ascii_compatible,
    may_contain_slots,
    slot_events,
    slot_value_span,
    tag_around,
    tag_holding,
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
# How much unread text after the last marker a feed() may keep: comments and raw text
# there only matter once a later chunk brings a marker, and not at all if none comes.
_DEFER_LIMIT = 1 << 16


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


class _OpenSlot:
    """A slot whose start tag has been read and whose end tag has not arrived yet."""

    __slots__ = ("closer", "depth", "events", "inner", "name", "start", "tag")

    def __init__(self, name: str, tag: bytes, start: int, inner: int) -> None:
        self.name = name
        self.tag = tag
        self.start = start
        self.inner = inner
        self.depth = 1
        # A raw-text slot (``<title data-slot>``) ends at its end tag; nothing inside counts.
        self.closer: Closer | None = RAW_TEXT_CLOSERS.get(tag)
        self.events: Pattern[bytes] = slot_events(tag)


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
                 "_max_slot_bytes", "_out", "_pos", "_slot")

    def __init__(self, *, encoding: str = "utf-8", max_slot_bytes: int = 1_048_576) -> None:
        if not is_ascii_compatible(encoding):
            raise ConfigurationError(
                f"SlotScanner needs an ASCII-compatible encoding, not {encoding!r}: check "
                "is_ascii_compatible() first and pass such bodies through untouched"
            )
        self._encoding = encoding
        self._max_slot_bytes = max_slot_bytes
        self._markers = MarkerCursor()
        self._reset()

    def _reset(self) -> None:
        # A body that arrives in one piece is kept as the caller's bytes (no copy); a second
        # chunk turns both buffers into bytearrays, which grow without copying what they hold.
        self._buf: bytes | bytearray = b""
        self._low: bytes | bytearray = b""  # _buf with A-Z lowered: same offsets, case-free
        self._pos = 0  # scanning resumes here, in the state _closer and _slot describe
        self._emitted = 0  # bytes before this offset have been handed out
        self._closer: Closer | None = None  # inside a comment or raw text until this matches
        self._slot: _OpenSlot | None = None
        self._out: list[bytes | SlotElement] = []  # the pieces of the current feed() or close()
        self._markers.forget()

    def feed(self, data: bytes) -> list[bytes | SlotElement]:
        """Scan the next chunk of the body; return the pieces now known, in page order."""
        self._trim()
        if not self._buf:
            self._buf, self._low = bytes(data), data.lower()
        else:
            if isinstance(self._buf, bytes):
                self._buf, self._low = bytearray(self._buf), bytearray(self._low)
            self._buf += data
            self._low += data.lower()
        self._out = []
        status = self._run(final=False)
        if self._slot is None:
            safe = self._pos if status == "wait" and self._closer is None else len(self._buf)
            self._emit(safe)
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
                status = self._scan_page(final=final)
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

    def _scan_page(self, *, final: bool) -> _Status:
        """Outside any slot: find the next marker, then step over the openers before it.

        With no marker left, what follows is not read at all: at the end of the body it
        cannot matter, and before it the next chunk's markers will need it (within limits).
        """
        low = self._low
        while self._slot is None and self._closer is None:
            pos, cut = self._pos, -1
            marker = self._markers.find(low, pos)
            if marker < 0:
                if final:
                    return "idle"
                # A tag cut at the chunk end must be held back unless it is in a comment
                # or raw text: then what comes before it has to be read now.
                cut = cut_tag(low, pos, start_only=True)
                if cut < 0 and len(low) - pos <= _DEFER_LIMIT:
                    return "idle"
            # Bounded by the marker, a whole construct matched holds no marker: skip it.
            found = OPENER_RE.search(low, pos, len(low) if marker < 0 else marker)
            if found is not None:
                status = self._step(found)
            elif marker >= 0:
                status = self._check_marker(marker)
            else:  # nothing left but maybe a tag cut at the chunk end: it may become a slot
                self._pos = cut if cut >= 0 else max(pos, len(low) - TAIL)
                return "wait" if cut >= 0 else "idle"
            if status != "more":
                return status
        return "more"

    def _check_marker(self, marker: int) -> _Status:
        """A marker with no opener before it: a slot if it is in a start tag, else text."""
        holding = tag_holding(self._low, self._pos, marker)
        if holding is not None:
            return self._take(*holding)
        self._pos = marker + len(MARKER)
        return "more"

    def _take(self, at: int, tag: TagMatch | None) -> _Status:
        """Step over the tag at ``at``; outside a slot, begin a slot if it is one."""
        if tag is None:
            self._pos = at  # cut at the chunk end
            return "wait"
        self._pos = end = tag.end()
        if self._slot is None:
            name = self._slot_name(tag)
            if name is not None:
                self._emit(at)
                self._slot = _OpenSlot(name, tag[2], at, end)
        return "more"

    def _step(self, found: Match[bytes]) -> _Status:
        """Step over what :data:`OPENER_RE` found: all of it when it is whole (it ends with
        ">"), else its opener; or over the tag it sits in, if it is in a quoted value."""
        low, at = self._low, found.start()
        around = tag_around(low, self._pos, at)
        if around is not None:
            return self._take(*around)
        if low[found.end() - 1] != 0x3E:
            # Cut short by the buffer's end, or by the marker the page scan stops at; then
            # the construct may hold it (a comment or script hides it): look past it once.
            found = OPENER_RE.match(low, at) or found
            start_tag = found.end("start")  # a raw-text start tag with a marker may be a slot
            if low[found.end() - 1] != 0x3E or low.find(MARKER, at, max(at, start_tag)) >= 0:
                return self._enter(at)
        self._pos = found.end()
        return "more"

    def _enter(self, at: int) -> _Status:
        """Step over the comment, declaration or raw-text element at ``at`` (an opener)."""
        low = self._low
        if low[at + 1] in b"!?":
            found = classify_declaration(low, at)
            if found is None:
                self._pos = at
                return "wait"
            self._closer, self._pos = found
        else:
            tag = TAG_RE.match(low, at)
            closer = None if tag is None else RAW_TEXT_CLOSERS.get(tag[2])  # not "<style-guide>"
            if tag is None or closer is None:
                return self._take(at, tag)
            is_slot = self._slot is None and low.find(MARKER, at, tag.end()) >= 0
            if is_slot and self._slot_name(tag) is not None:  # <title data-slot=t>
                return self._take(at, tag)
            self._closer, self._pos = closer, tag.end()
        return self._skip_to_closer(self._closer)

    def _scan_slot(self, slot: _OpenSlot) -> _Status:
        """Inside a slot: count same-named tags up to the end tag, stepping over openers."""
        low, events = self._low, slot.events
        while self._slot is slot and self._closer is None:
            pos = self._pos
            found = events.search(low, pos)
            if found is None:
                # Search again where "</tag" may have been cut, or from a cut tag, whose
                # quoted value may hold one: the look-back must see that tag.
                cut = cut_tag(low, pos, start_only=False)
                self._pos = max(pos, len(low) - max(TAIL, len(slot.tag) + 3))
                self._pos = self._pos if cut < 0 else min(cut, self._pos)
                return "idle"
            if found.start(1) < 0:
                status = self._step(found)
            else:  # a tag with the slot's name ("<title-card" is one, not an opener)
                around = tag_around(low, pos, found.start())
                status = self._count(slot, found) if around is None else self._take(*around)
            if status != "more":
                return status
        return "more"

    def _count(self, slot: _OpenSlot, tag: Match[bytes]) -> _Status:
        """Count a start or end tag with the slot's name; the last end tag ends the slot."""
        end = tag.end()
        if self._low[end - 1] != 0x3E:  # ">": the tag is cut at the chunk end
            self._pos = tag.start()
            return "wait"
        self._pos = end
        if not tag[1]:
            slot.depth += 0 if tag[2] else 1
            return "more"
        slot.depth -= 1
        return self._finish(slot, tag.start(), end) if slot.depth == 0 else "more"

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

    def _slot_name(self, tag: TagMatch) -> str | None:
        """The slot name of a tag, or None if it does not open a slot."""
        if tag[1] or tag[3] or tag[2] in VOID_ELEMENTS:
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
        self._markers.forget()  # the scan went back: remembered answers may be wrong

    def _emit(self, upto: int) -> None:
        if upto > self._emitted:
            self._out.append(bytes(self._buf[self._emitted : upto]))
            self._emitted = upto

    def _trim(self) -> None:
        """Drop the bytes already handed out and scanned, so memory stays about one chunk.

        Done as the next chunk comes rather than after each: a body fed in one piece and
        closed is then never copied.
        """
        keep = min(self._emitted, self._pos)
        if keep <= 0:
            return
        self._buf = self._buf[keep:]
        self._low = self._low[keep:]
        self._pos -= keep
        self._emitted -= keep
        self._markers.shift(keep)
        if self._slot is not None:
            self._slot.start -= keep
            self._slot.inner -= keep


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
