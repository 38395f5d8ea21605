"""HTML syntax at the byte level: the tag grammar, what ends comments and raw text, and the
charsets in which that ASCII grammar holds. The slot scanner is built on these parts.

The functions read a *lowered* copy of the page (``bytes.lower()`` changes only A-Z, so
offsets match the original). The tag expression follows the WHATWG tokenizer's tag states
(attribute names, the three kinds of values, ``/`` before ``>``), so a ``>`` inside a
quoted value never ends a tag and a failed match means "not complete yet", not "malformed".
"""

from __future__ import annotations

import codecs
import re
import sys
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "MARKER",
    "OPENER_RE",
    "RAW_TEXT_CLOSERS",
    "TAIL",
    "VOID_ELEMENTS",
    "Closer",
    "Cursor",
    "Tag",
    "charset_from_content_type",
    "classify_declaration",
    "find_closer",
    "is_ascii_compatible",
    "match_tag",
    "may_contain_slots",
    "slot_value_span",
    "starts_tag",
    "tag_around",
    "tag_end",
]

MARKER = b"data-slot"
# Enough bytes to hold the longest needle cut at a chunk end ("</noframes" plus one).
TAIL = 16

# Elements that never have content (the HTML "void elements", plus legacy ones parsed alike).
VOID_ELEMENTS = frozenset(
    b"area base basefont bgsound br col embed frame hr image img input keygen link meta "
    b"param source track wbr".split()
)
_RAW_TEXT_NAMES = (
    b"script style textarea title xmp iframe noembed noframes noscript plaintext".split()
)

_WS = rb"[\t\n\f\r ]"
_ATTR_NAME = rb"[^\t\n\f\r />][^\t\n\f\r />=]*+"
# A value is double- or single-quoted, unquoted (never starting with a quote), or empty
# right before ">"; an unclosed quote matches none of these, so the tag stays incomplete.
_VALUE = rb"(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r >\"'][^\t\n\f\r >]*+|(?=>))"
_ATTR = _ATTR_NAME + _WS + rb"*+(?:=" + _WS + rb"*+" + _VALUE + rb"|(?!=))"
_ITEM = _WS + rb"++|/(?!>)|"
_TAG_RE = re.compile(rb"</?([a-z][^\t\n\f\r />]*+)(?:" + _ITEM + _ATTR + rb")*+(/?)>")
_SLOT_ATTR_RE = re.compile(
    rb"(?:" + _ITEM + rb"(?!data-slot[\t\n\f\r />=])" + _ATTR + rb")*+[\t\n\f\r /]*+data-slot"
    + _WS + rb"*+(?:=" + _WS + rb"*+(" + _VALUE + rb"))?"
)
# Everything after which "<" stops meaning a tag: comments, CDATA, doctype and other
# declarations, processing instructions, and raw-text elements. The name may go on
# ("<style-guide>"): callers read the whole tag, a lookahead here would cost 20 %. Spelled
# out from _RAW_TEXT_NAMES with shared prefixes factored, which the regex engine runs faster.
OPENER_RE = re.compile(
    rb"<(?:[!?]|s(?:cript|tyle)|t(?:extarea|itle)|xmp|iframe|no(?:embed|frames|script)|plaintext)"
)

# Labels browsers decode as windows-1252 (WHATWG Encoding Standard), by Python codec name.
_WINDOWS_1252 = {"ascii": "cp1252", "iso8859-1": "cp1252"}
# Stateful encodings: their multi-byte characters are made of ASCII bytes.
_STATEFUL_PREFIXES = ("iso2022", "hz", "utf-7")
_ASCII_PROBE = bytes([0x09, 0x0A, 0x0C, 0x0D, *range(0x20, 0x7F)])


class Tag(NamedTuple):
    """A complete start or end tag: ``end`` is the offset just past its ``>``.

    A NamedTuple rather than a dataclass: one is built for every tag the scanner reads.
    """

    name: bytes
    name_end: int
    end: int
    is_end_tag: bool
    self_closing: bool


@dataclass(frozen=True, slots=True)
class Closer:
    """What ends a comment or raw-text run; ``is_tag`` means the match begins an end tag."""

    pattern: re.Pattern[bytes] | None  # None: plaintext, which nothing ends
    is_tag: bool = False


_COMMENT_CLOSER = Closer(re.compile(rb"--!?>"))
_CDATA_CLOSER = Closer(re.compile(rb"\]\]>"))
_BOGUS_CLOSER = Closer(re.compile(rb">"))
RAW_TEXT_CLOSERS = {
    name: Closer(re.compile(rb"</" + name + rb"(?=[\t\n\f\r />])"), is_tag=True)
    for name in _RAW_TEXT_NAMES
    if name != b"plaintext"
} | {b"plaintext": Closer(None)}


class Cursor:
    """Where a needle (bytes or a pattern) next occurs in ``[pos, end)``.

    The answer is remembered, so asking again from a later position costs nothing until
    the scan passes it. Appending to the buffer keeps answers valid (a search that found
    nothing resumes near its old end); call :meth:`forget` when bytes leave its front.
    """

    __slots__ = ("_at", "_from", "_overlap", "_upto", "needle")

    def __init__(self, needle: bytes | re.Pattern[bytes]) -> None:
        self.needle = needle
        # A match may begin this far before the end of a searched range and still be new.
        self._overlap = len(needle) if isinstance(needle, bytes) else TAIL
        self._from = sys.maxsize  # the last search began here ...
        self._at = -1  # ... and found the needle here,
        self._upto = 0  # or found nothing before this offset

    def forget(self) -> None:
        self._from = sys.maxsize

    def find(self, low: bytes | bytearray, pos: int, end: int) -> int:
        """The first offset in ``[pos, end)`` where the needle starts, or -1."""
        start = pos
        if self._from <= pos:
            if self._at >= pos:
                return self._at if self._at < end else -1
            if self._at < 0:
                if self._upto >= end:
                    return -1
                start = max(pos, self._upto - self._overlap)
        if isinstance(self.needle, bytes):
            at = low.find(self.needle, start, end)
        else:
            found = self.needle.search(low, start, end)
            at = -1 if found is None else found.start()
        self._from, self._at, self._upto = pos, at, end
        return at


def starts_tag(low: bytes | bytearray, pos: int) -> bool:
    """Whether the ``<`` at ``pos`` opens a start or end tag (a letter follows, maybe a ``/``)."""
    after = low[pos + 1 : pos + 3]
    if after[:1] == b"/":
        after = after[1:]
    return after[:1].isalpha()  # bytes.isalpha() is ASCII-only, as the tokenizer wants


def match_tag(low: bytes | bytearray, pos: int) -> Tag | None:
    """The tag whose ``<`` is at ``pos`` (see :func:`starts_tag`), or None if it is incomplete."""
    found = _TAG_RE.match(low, pos)
    if found is None:
        return None
    return Tag(found[1], found.end(1), found.end(), low[pos + 1] == 0x2F, found[2] == b"/")


def may_contain_slots(data: bytes) -> bool:
    """Whether ``data`` holds a ``data-slot`` marker in any letter case: a cheap pre-check.

    False means no slot; True still needs the scanner to tell attributes from text. For a
    streamed body a marker may straddle two chunks, so check what has been buffered so far.
    """
    return MARKER in data or MARKER in data.lower()


def tag_end(low: bytes | bytearray, pos: int) -> int:
    """Where the tag whose ``<`` is at ``pos`` ends, or -1 if it is incomplete or no tag."""
    found = _TAG_RE.match(low, pos)
    return -1 if found is None else found.end()


def tag_around(low: bytes | bytearray, lo: int, at: int) -> tuple[int, Tag | None] | None:
    """The tag that starts at the last ``<`` in ``[lo, at)`` if it reaches past ``at`` (so
    ``at`` lies in one of its quoted values): its offset and the tag, or None for the tag
    when it is cut at the end of the buffer. None when ``at`` is not inside that tag."""
    before = low.rfind(b"<", lo, at)
    if before < 0:
        return None
    found = _TAG_RE.match(low, before)
    if found is None:
        return (before, None) if starts_tag(low, before) else None
    return None if found.end() <= at else (before, match_tag(low, before))


def find_closer(low: bytes | bytearray, closer: Closer, pos: int) -> tuple[int, int]:
    """Where ``closer`` first matches at or after ``pos``: ``(start, end)``, or ``(resume, -1)``
    when it has not (fully) arrived yet and the search should resume at ``resume``."""
    if closer.pattern is None:  # plaintext: the rest of the body is text
        return (len(low), -1)
    found = closer.pattern.search(low, pos)
    if found is None:
        return (len(low) - TAIL, -1)
    if not closer.is_tag:
        return found.span()
    end = tag_end(low, found.start())
    return (found.start(), end)


def slot_value_span(low: bytes | bytearray, tag: Tag) -> tuple[int, int] | None:
    """Where the first ``data-slot`` value of a complete start tag lies, quotes excluded.

    None when the tag has no ``data-slot`` attribute; an empty span when it has no value.
    """
    found = _SLOT_ATTR_RE.match(low, tag.name_end, tag.end)
    if found is None:
        return None
    start, end = found.span(1)
    if start < 0:
        return (found.end(), found.end())
    if low[start] in b"\"'":
        return (start + 1, end - 1)
    return (start, end)


def classify_declaration(low: bytes | bytearray, pos: int) -> tuple[Closer, int] | None:
    """For ``<!`` or ``<?`` at ``pos``: the closer and where to search for it, or None if
    the bytes so far cannot tell a comment from CDATA from a doctype yet."""
    head = bytes(low[pos : pos + 9])
    if head.startswith(b"<!--"):
        return _comment_closer(low, pos)
    if head == b"<![cdata[":
        return (_CDATA_CLOSER, pos + 9)
    if head[1:2] == b"!" and (b"<!--".startswith(head) or b"<![cdata[".startswith(head)):
        return None
    return (_BOGUS_CLOSER, pos + 2)


def _comment_closer(low: bytes | bytearray, pos: int) -> tuple[Closer, int] | None:
    # "<!-->" and "<!--->" are complete (empty) comments; anything else runs to "-->" or "--!>".
    after = bytes(low[pos + 4 : pos + 6])
    if after[:1] == b">":
        return (_BOGUS_CLOSER, pos + 4)
    if after == b"->":
        return (_BOGUS_CLOSER, pos + 5)
    if len(after) < 2:
        return None
    return (_COMMENT_CLOSER, pos + 4)


def charset_from_content_type(content_type: str) -> str | None:
    """The Python codec named by the ``charset`` of a Content-Type, or None when there is none.

    ``"text/html; charset=ISO-8859-1"`` gives ``"cp1252"``: browsers decode ISO-8859-1,
    Latin-1 and US-ASCII labels as windows-1252 (WHATWG Encoding Standard). A label Python
    does not know comes back lower-cased as it is; :func:`is_ascii_compatible` is False for it.
    """
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() != "charset":
            continue
        label = value.strip().strip("\"'").strip().lower()
        if not label:
            return None
        try:
            name = codecs.lookup(label).name
        except (LookupError, ValueError):  # ValueError: a NUL in the label
            return label
        return _WINDOWS_1252.get(name, name)
    return None


def is_ascii_compatible(encoding: str) -> bool:
    """Whether bytes of HTML syntax (ASCII letters, ``<>="'/!-``, whitespace) always mean those
    characters in ``encoding``; False for UTF-16/32, EBCDIC, stateful codecs and unknown names."""
    try:
        name = codecs.lookup(encoding).name
        if name.startswith(_STATEFUL_PREFIXES):
            return False
        return _ASCII_PROBE.decode(name) == _ASCII_PROBE.decode("ascii")
    except (LookupError, ValueError):  # UnicodeDecodeError is a ValueError
        return False
