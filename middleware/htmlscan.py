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
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "MARKER",
    "OPENER_RE",
    "RAW_TEXT_CLOSERS",
    "TAG_RE",
    "TAIL",
    "VOID_ELEMENTS",
    "Closer",
    "MarkerCursor",
    "TagMatch",
    "charset_from_content_type",
    "classify_declaration",
    "cut_tag",
    "find_closer",
    "find_marker",
    "is_ascii_compatible",
    "may_contain_slots",
    "slot_events",
    "slot_value_span",
    "starts_tag",
    "tag_around",
    "tag_holding",
]

MARKER = b"data-slot"
# Enough bytes to hold the longest needle cut at a chunk end ("</noframes" plus one).
TAIL = 16
# CPython's bytes.find switches to its two-way search for ranges of 30,000 bytes or more,
# which costs ~40 % more per byte on HTML than the default search: stay under the switch.
_FIND_WINDOW = 29_000

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
# A complete start or end tag. Groups: 1 is "/" for an end tag, 2 the name, 3 "/" for a
# self-closing tag. The scanner works on the match itself, with no tuple built per tag.
_ATTRS = rb"(?:" + _ITEM + _ATTR + rb")*+"
TAG_RE = re.compile(rb"<(/?)([a-z][^\t\n\f\r />]*+)" + _ATTRS + rb"(/?)>")
_SLOT_ATTR_RE = re.compile(
    rb"(?:" + _ITEM + rb"(?!data-slot[\t\n\f\r />=])" + _ATTR + rb")*+[\t\n\f\r /]*+data-slot"
    + _WS + rb"*+(?:=" + _WS + rb"*+(" + _VALUE + rb"))?"
)
# Everything after which "<" stops meaning a tag: comments, CDATA, doctype and other
# declarations, processing instructions, and raw-text elements. When the whole construct
# is in view the match takes all of it (one C-level step instead of four in Python, and
# the match ends with ">"); otherwise only the opener, and the caller goes on from there.
# Bodies are possessive loops over runs without the closer's first byte: linear, and
# each byte is read once. Names are spelled out from _RAW_TEXT_NAMES with shared prefixes
# factored, which the regex engine runs faster; "<style-guide>" matches as a bare opener.
# Group "start" ends with the start tag of a whole raw-text element.
_TAG_BODY = _ATTRS + rb"/?>"
_OPENERS = (
    rb"!(?:--(?:>|->|(?:[^-]++|-(?!-!?>))*+--!?>)|\[cdata\[(?:[^\]]++|\](?!\]>))*+\]\]>"
    rb"|(?!--|\[cdata\[)[^>]*+>)?"
    rb"|\?(?:[^>]*+>)?"
    rb"|(?P<raw>s(?:cript|tyle)|t(?:extarea|itle)|xmp|iframe|no(?:embed|frames|script))"
    rb"(?:(?=[\t\n\f\r />])(?P<start>" + _TAG_BODY + rb")"
    + rb"(?:[^<]++|<(?!/(?P=raw)[\t\n\f\r />]))*+</(?P=raw)(?=[\t\n\f\r />])" + _TAG_BODY
    + rb")?|plaintext"
)
# The lookahead turns most "<" away in one step before the alternatives are tried (13 %
# faster over the product grid of benchmarks/rewrite.py).
OPENER_RE = re.compile(rb"<(?=[!?stxinp])(?:" + _OPENERS + rb")")
# The marker in any letter case, read from the page as it is. Anchored on "-", the one
# byte no case changes, so the regex engine jumps between dashes instead of trying every
# byte (a case-insensitive "data-slot" pattern is nine times slower); the lookbehind checks
# the rest only at "-slot".
_ANY_CASE_MARKER_RE = re.compile(rb"-(?i:slot)(?<=(?i:data-slot))")

TagMatch = re.Match[bytes]  # of TAG_RE

# Labels browsers decode as windows-1252 (WHATWG Encoding Standard), by Python codec name.
_WINDOWS_1252 = {"ascii": "cp1252", "iso8859-1": "cp1252"}
# Stateful encodings: their multi-byte characters are made of ASCII bytes.
_STATEFUL_PREFIXES = ("iso2022", "hz", "utf-7")
_ASCII_PROBE = bytes([0x09, 0x0A, 0x0C, 0x0D, *range(0x20, 0x7F)])


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


def find_marker(low: bytes | bytearray, start: int, end: int) -> int:
    """The first ``data-slot`` wholly inside ``low[start:end]``, or -1; ``low`` is lowered."""
    while end - start > _FIND_WINDOW:
        stop = start + _FIND_WINDOW
        at = low.find(MARKER, start, stop)
        if at >= 0:
            return at
        start = stop - len(MARKER) + 1  # a marker may straddle the window's edge
    return low.find(MARKER, start, end)


class MarkerCursor:
    """Where the next marker is in a lowered buffer that grows at its end. Answers are
    remembered, so asking again costs nothing until the scan passes the marker, and new
    bytes are searched alone (with a marker's length of overlap: it may have been cut)."""

    __slots__ = ("_at", "_from", "_upto")

    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        self._at = -1  # the first marker at or after _from, or -1: none before _upto
        self._from = 1 << 62  # nothing remembered
        self._upto = 0

    def find(self, low: bytes | bytearray, pos: int) -> int:
        """The first marker at or after ``pos`` wholly in ``low``, or -1."""
        at, start = self._at, pos
        if self._from <= pos:
            if at >= pos:
                return at
            if at < 0:
                if self._upto == len(low):
                    return -1
                start = max(pos, self._upto - len(MARKER) + 1)
        self._at = find_marker(low, start, len(low))
        self._from, self._upto = pos, len(low)
        return self._at

    def shift(self, drop: int) -> None:
        """The buffer lost its first ``drop`` bytes: move what is remembered along."""
        if 0 <= self._at < drop:  # the marker itself went
            self.forget()
            return
        if self._at >= 0:
            self._at -= drop
        self._from = max(0, self._from - drop)
        self._upto = max(0, self._upto - drop)


@lru_cache(maxsize=256)
def slot_events(name: bytes) -> re.Pattern[bytes]:
    """What matters inside a slot named ``name``: its start and end tags, and what
    :data:`OPENER_RE` matches, which could hide them. For a tag of that name group 1 is
    ``/`` or empty and group 2, once the tag is complete, is ``/`` if it closes itself.
    Cached: few names recur."""
    same = rb"(/?)" + re.escape(name) + rb"(?=[\t\n\f\r />])(?:" + _ATTRS + rb"(/?)>)?"
    first = re.escape(name[:1])
    return re.compile(rb"<(?=[/!?stxinp" + first + rb"])(?:" + same + rb"|" + _OPENERS + rb")")


def starts_tag(low: bytes | bytearray, pos: int) -> bool:
    """Whether the ``<`` at ``pos`` opens a start or end tag (a letter follows, maybe a ``/``)."""
    after = low[pos + 1 : pos + 3]
    if after[:1] == b"/":
        after = after[1:]
    return after[:1].isalpha()  # bytes.isalpha() is ASCII-only, as the tokenizer wants


def may_contain_slots(data: bytes) -> bool:
    """Whether ``data`` holds a ``data-slot`` marker in any letter case: a cheap pre-check.

    False means no slot; True still needs the scanner to tell attributes from text. For a
    streamed body a marker may straddle two chunks, so check what has been buffered so far.
    """
    return _ANY_CASE_MARKER_RE.search(data) is not None


def tag_around(low: bytes | bytearray, lo: int, at: int) -> tuple[int, TagMatch | None] | None:
    """The tag that starts at the last ``<`` in ``[lo, at)`` if it reaches past ``at`` (so
    ``at`` lies in one of its quoted values): its offset and the tag, or None for the tag
    when it is cut at the end of the buffer. None when ``at`` is not inside that tag."""
    before = low.rfind(b"<", lo, at)
    if before < 0:
        return None
    found = TAG_RE.match(low, before)
    if found is None:
        return (before, None) if starts_tag(low, before) else None
    return None if found.end() <= at else (before, found)


def tag_holding(low: bytes | bytearray, lo: int, at: int) -> tuple[int, TagMatch | None] | None:
    """The tag that ``at`` lies in, as for :func:`tag_around`, looking back from the last
    ``<`` in ``[lo, at)``. That ``<`` may itself sit in a quoted value (``title="a<b"``),
    and then the tag holding it is the one to check."""
    before = low.rfind(b"<", lo, at)
    if before < 0:
        return None
    around = tag_around(low, lo, before)
    if around is None:
        found = TAG_RE.match(low, before)
        if found is None:
            return (before, None) if starts_tag(low, before) else None
        around = (before, found)
    tag = around[1]
    return around if tag is None or tag.end() > at else None


def cut_tag(low: bytes | bytearray, lo: int, *, start_only: bool) -> int:
    """Where a tag cut short by the end of the buffer begins (a lone ``<`` at the very end
    counts), or -1. A ``<`` in a quoted value stands for the tag that holds it. With
    ``start_only``, a cut end tag does not count: it never opens a slot."""
    last = low.rfind(b"<", lo)
    if last < 0:
        return -1
    around = tag_around(low, lo, last)
    if around is not None:
        return around[0] if around[1] is None else -1
    after = low[last + 1 : last + 2]
    if not (after.isalpha() or not after or (not start_only and starts_tag(low, last))):
        return -1
    return last if TAG_RE.match(low, last) is None else -1


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
    end = TAG_RE.match(low, found.start())
    return (found.start(), -1 if end is None else end.end())


def slot_value_span(low: bytes | bytearray, tag: TagMatch) -> tuple[int, int] | None:
    """Where the first ``data-slot`` value of a complete start tag lies, quotes excluded.

    None when the tag has no ``data-slot`` attribute; an empty span when it has no value.
    """
    found = _SLOT_ATTR_RE.match(low, tag.end(2), tag.end())
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


@lru_cache(maxsize=64)  # asked once per response, of a handful of names
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
