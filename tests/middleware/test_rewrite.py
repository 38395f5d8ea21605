from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

import pytest

from middleware.rewrite import (
    SlotElement,
    SlotScanner,
    charset_from_content_type,
    is_ascii_compatible,
    may_contain_slots,
    replace_slots,
)
from slots.errors import ConfigurationError

Pieces = list[bytes | SlotElement]

PAGE = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Dog beds &amp; more</title>
<style>.card > .price { color: red } /* <div data-slot="css"> */</style>
<script type="application/ld+json">{"html": "<div data-slot=\\"json\\"></div>"}</script>
</head><body>
<!-- <section data-slot="commented">not a slot</section> -->
<SECTION DATA-SLOT="hero" class="hero"
   aria-label="a > b">
  <h1>Beds</h1><section><p>nested, same name</p></section><br><img src="/a.png" alt="">
</SECTION>
<ul class="grid"><li class="card"><a href="/p/1?x=1&amp;y=2">Bed</a><input type="submit"></li></ul>
<aside data-slot='recs'><div class="row"><div>one</div><div/>two</div><!-- </aside> --></aside>
<div class="wrap"><div data-slot=cta>Join <script>document.write("</div>")</script>now</div></div>
<p>Text that says data-slot="x" is not a tag.</p>
</body></html>
"""
PAGE_SLOTS = [
    ("hero", b'\n  <h1>Beds</h1><section><p>nested, same name</p></section><br>'
             b'<img src="/a.png" alt="">\n'),
    ("recs", b'<div class="row"><div>one</div><div/>two</div><!-- </aside> -->'),
    ("cta", b'Join <script>document.write("</div>")</script>now'),
]


def scan(chunks: Sequence[bytes], *, encoding: str = "utf-8", max_slot_bytes: int = 1 << 20
         ) -> Pieces:
    scanner = SlotScanner(encoding=encoding, max_slot_bytes=max_slot_bytes)
    pieces: Pieces = []
    for chunk in chunks:
        pieces += scanner.feed(chunk)
    return pieces + scanner.close()


def joined(pieces: Pieces) -> bytes:
    return b"".join(
        p if isinstance(p, bytes) else p.start_tag + p.inner + p.end_tag for p in pieces
    )


def found(pieces: Pieces) -> list[tuple[str, bytes]]:
    return [(p.name, p.inner) for p in pieces if isinstance(p, SlotElement)]


def chunkings(data: bytes, *, seed: int = 2) -> Iterator[list[bytes]]:
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    rng = random.Random(seed)
    for _ in range(20):
        chunks, i = [], 0
        while i < len(data):
            size = rng.choice([1, 2, 3, 5, 8, 13, 64, 500])
            chunks.append(data[i : i + size])
            i += size
        yield chunks


def test_slot_scanner_splits_a_slot_into_tags_and_inner_html() -> None:
    pieces = scan([b'<p>a</p><section data-slot="hero" class="x"> default </section><p>b</p>'])
    assert pieces == [
        b"<p>a</p>",
        SlotElement(name="hero", start_tag=b'<section data-slot="hero" class="x">',
                    inner=b" default ", end_tag=b"</section>"),
        b"<p>b</p>",
    ]


def test_slot_scanner_finds_every_slot_of_a_tricky_page() -> None:
    assert found(scan([PAGE])) == PAGE_SLOTS


@pytest.mark.parametrize(
    "page",
    [
        PAGE,
        b"<div data-slot=a><div data-slot=b><div>x</div></div><!-- --!> </div>".replace(
            b"--!>", b"-->") + b"</div>tail",
        b"<title data-slot='t'>A &lt;b&gt;</title><textarea>\n<div data-slot=x></textarea>",
        b"<!-->\n<!--->\n<p data-slot=after>ok</p><![CDATA[ <p data-slot=c>]]><?php x ?>",
        "<div data-slot='caf\u00e9'>\u20ac 1</div>".encode(),
        b"<div data-slot=a><script data-slot=b>'</div>'</script></div><p data-slot=c>d</p>",
    ],
)
def test_slot_scanner_gives_back_the_input_and_same_slots_for_any_chunking(page: bytes) -> None:
    whole = scan([page])
    assert joined(whole) == page
    for chunks in chunkings(page):
        pieces = scan(chunks)
        assert joined(pieces) == page
        assert found(pieces) == found(whole)


FRAGMENTS = [
    b"<p class='x'>text</p>", b"<div>", b"</div>", b"<br/>", b"a < b > c", b"&amp;",
    b'<div data-slot="a">', b"<DIV DATA-SLOT=b>", b"<span data-slot='c'>x</span>",
    b'<img data-slot="v" alt="a>b">', b"<!-- <div data-slot=x> </div> -->", b"<!-->",
    b"<script>'</div><div data-slot=y>'</script>", b"<title>t</title>", b"<![CDATA[</div>]]>",
    b'<a title="</div><div data-slot=z>">l</a>', b"<div/>", b"data-slot", b"<", b"</",
    b"<title data-slot=t>T</title>", b"<svg data-slot=s><path/></svg>", b"\xc3\xa9",
]


def test_slot_scanner_is_the_same_for_any_chunking_of_generated_pages() -> None:
    rng = random.Random(7)
    for _ in range(150):
        page = b"".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 30)))
        whole = scan([page])
        assert joined(whole) == page
        for chunks in list(chunkings(page, seed=rng.randint(0, 10**6)))[:4]:
            pieces = scan(chunks)
            assert joined(pieces) == page
            assert found(pieces) == found(whole), page


def test_slot_scanner_returns_bytes_before_a_slot_at_once() -> None:
    scanner = SlotScanner()
    assert scanner.feed(b"<p>a</p><div data-sl") == [b"<p>a</p>"]
    assert scanner.feed(b'ot="x">in') == []
    assert scanner.feed(b"side</div>after") == [
        SlotElement(name="x", start_tag=b'<div data-slot="x">', inner=b"inside", end_tag=b"</div>"),
        b"after",
    ]
    assert scanner.close() == []


@pytest.mark.parametrize(
    ("first", "returned"),
    [
        (b"text <spa", b"text "),  # a start tag cut short may become a slot
        (b"text <", b"text "),
        (b'text <div title="a>b" data-sl', b"text "),  # ">" in a quoted value is no end
        (b'text <div title="x<y', b"text "),  # nor is a "<" the start of another tag
        (b"text </di", b"text </di"),  # an end tag never starts a slot
        (b"<script>if (a <", b"<script>if (a <"),  # raw text never starts a slot
        (b"<!-- <div data-slot=", b"<!-- <div data-slot="),
        (b"<p>a</p>", b"<p>a</p>"),
    ],
)
def test_slot_scanner_holds_back_only_a_tag_cut_at_the_chunk_end(
    first: bytes, returned: bytes
) -> None:
    scanner = SlotScanner()
    assert joined(scanner.feed(first)) == returned
    rest = scanner.close()
    assert joined(rest) == first[len(returned) :]


@pytest.mark.parametrize(
    "page", [b'<p>a</p><div data-slot="x">y</div>', b"<p>a</p><DIV DaTa-SlOt=x>y</DIV>"]
)
def test_slot_scanner_finds_a_marker_split_anywhere_between_two_chunks(page: bytes) -> None:
    for cut in range(len(page) + 1):
        pieces = scan([page[:cut], page[cut:]])
        assert found(pieces) == [("x", b"y")], cut
        assert joined(pieces) == page


@pytest.mark.parametrize(
    "chunks",
    [
        [b"<p>a</p><!-- x ", b'<div data-slot="y">z</div> -->', b"<p data-slot=ok>k</p>"],
        [b"<p>a</p><!-", b'- <div data-slot="y">z</div> --><p data-slot=ok>k</p>'],
        [b"<p>a</p><", b'!-- <div data-slot="y">z</div> --><p data-slot=ok>k</p>'],
        [b"<script>var s = '", b"<div data-slot=y>z</div>';</script>", b"<p data-slot=ok>k</p>"],
        [b"<scr", b"ipt>'<div data-slot=y>z</div>'</scr", b"ipt><p data-slot=ok>k</p>"],
        # Longer than what a feed() may keep unread: read before the next chunk comes.
        [b"<!-- x " + b"text " * 20_000, b'<div data-slot="y">z</div> --><p data-slot=ok>k</p>'],
    ],
)
def test_slot_scanner_sees_a_comment_or_script_opened_in_an_earlier_chunk(
    chunks: list[bytes],
) -> None:
    pieces = scan(chunks)
    assert found(pieces) == [("ok", b"k")]
    assert joined(pieces) == b"".join(chunks)


def test_slot_scanner_returns_text_with_no_marker_at_once() -> None:
    scanner = SlotScanner()
    assert scanner.feed(b"<p>a</p><!-- a comment that goes on") == [
        b"<p>a</p><!-- a comment that goes on"
    ]
    assert scanner.feed(b" --><script>x = '") == [b" --><script>x = '"]
    assert joined(scanner.feed(b"<div data-slot=y>'</script><p data-slot=z>k</p>")) == (
        b"<div data-slot=y>'</script><p data-slot=z>k</p>"
    )
    assert scanner.close() == []


def test_slot_scanner_reads_a_quoted_value_cut_at_a_chunk_end_inside_a_slot() -> None:
    # The slot's end-tag search resumes at the cut tag, so "</div>" in its value is text.
    chunks = [b'<div data-slot=a><a title="' + b"x" * 40, b'</div>">y</a></div>']
    assert found(scan(chunks)) == [("a", chunks[0][17:] + b'</div>">y</a>')]


@pytest.mark.parametrize("offset", [28_980, 28_988, 28_990, 28_992, 28_995, 29_000, 58_000, 70_000])
def test_slot_scanner_finds_markers_far_into_a_large_body(offset: int) -> None:
    page = b"<p>" + b"x" * offset + b'</p><div data-slot="far">y</div>'
    assert found(scan([page])) == [("far", b"y")]
    assert found(scan([page[i : i + 8192] for i in range(0, len(page), 8192)])) == [("far", b"y")]


@pytest.mark.parametrize(
    ("page", "inner"),
    [
        (b"<div data-slot=a><div>x</div></div>", b"<div>x</div>"),
        (b"<div data-slot=a><div><div>x</div></div>y</div><div>z</div>",
         b"<div><div>x</div></div>y"),
        (b"<div data-slot=a><span><p>x</span></div>", b"<span><p>x</span>"),
        (b"<div data-slot=a><div-card>x</div-card><divx></div>", b"<div-card>x</div-card><divx>"),
        (b"<div data-slot=a><img src=x><br><input name=q></div>", b"<img src=x><br><input name=q>"),
        (b"<div data-slot=a><div/>x</div>", b"<div/>x"),
        (b'<svg data-slot=a><path d="M0 0"/><svg/><g><path/></g></svg>',
         b'<path d="M0 0"/><svg/><g><path/></g>'),
        (b"<div data-slot=a>x</DIV >", b"x"),
        (b'<div data-slot=a>x</div class="y>">', b"x"),
    ],
)
def test_slot_scanner_ends_a_slot_at_its_matching_end_tag(page: bytes, inner: bytes) -> None:
    assert found(scan([page])) == [("a", inner)]


@pytest.mark.parametrize(
    "tag",
    [b'<img data-slot="x">', b"<INPUT DATA-SLOT=x>", b"<br data-slot=x/>", b'<div data-slot="x"/>',
     b'<svg data-slot="x"/>'],
)
def test_slot_scanner_passes_void_and_self_closing_slots_through_at_once(tag: bytes) -> None:
    scanner = SlotScanner()
    page = tag + b"<p>after</p>"
    assert scanner.feed(page) == [page]  # nothing held back waiting for an end tag
    assert scanner.close() == []


@pytest.mark.parametrize(
    ("start_tag", "name"),
    [
        (b'<div data-slot="hero">', "hero"),
        (b"<div data-slot='hero'>", "hero"),
        (b"<div data-slot=hero>", "hero"),
        (b'<DIV DATA-SLOT="Hero">', "Hero"),
        (b'<div Data-Slot="hero">', "hero"),
        (b'<div\n\tclass="a"\n  data-slot = "hero"\r\n>', "hero"),
        (b'<div title="a > b" data-slot="hero">', "hero"),
        (b'<div data-slot="hero" title="1 > 0">', "hero"),
        (b'<div title="data-slot=no" data-slot="hero">', "hero"),
        (b'<div title="<b>" data-slot="hero">', "hero"),
        (b'<div title="a < b" data-slot="hero">', "hero"),
        (b'<div title="<!-- -->" data-slot="hero">', "hero"),
        (b'<div title="<script>" data-slot="hero">', "hero"),
        (b'<div data-slot-id="no" data-slot="hero">', "hero"),
        (b'<div data-slot="hero" data-slot="second">', "hero"),
        (b'<div class=x/data-slot=no data-slot=hero>', "hero"),
        (b'<div data-slot="caf&eacute; &amp; bar&#33;">', "caf\u00e9 & bar!"),
    ],
)
def test_slot_scanner_reads_the_data_slot_attribute(start_tag: bytes, name: str) -> None:
    pieces = scan([start_tag + b"x</div>"])
    assert pieces == [SlotElement(name=name, start_tag=start_tag, inner=b"x", end_tag=b"</div>")]


@pytest.mark.parametrize(
    "page",
    [
        b'<div data-slot-id="x">a</div>',
        b'<div data-slots="x">a</div>',
        b'<div xdata-slot="x">a</div>',
        b'<div data_slot="x">a</div>',
        b'<div title=\'data-slot="x"\'>a</div>',
        b"<a title='<div data-slot=\"x\">'>a</a></div>",
        b'<p>write data-slot="x" on a tag</p>',
        b'<div data-slot="">a</div>',
        b"<div data-slot>a</div>",
        b'<p>a</p data-slot="x">b</p>',
        b'<!-- <div data-slot="x">a</div> -->',
        b'<!-- a > b <div data-slot="x">a</div> -->',
        b'<!--x--!><!-- <div data-slot="x">a</div> -->',
        b'<![CDATA[<div data-slot="x">a</div>]]>',
        b'<![CDATA[ a > b <div data-slot="x">a</div>]]>',
        b'<!DOCTYPE html data-slot="x">',
        b'<?xml data-slot="x"?>',
        b"<script>var s = '<div data-slot=\"x\">a</div>';</script>",
        b"<SCRIPT>var s = '<div data-slot=\"x\">a</div>';</SCRIPT >",
        b'<script type="a>b">"<div data-slot=x>a</div>"</script>',
        b'<style>p::after { content: "<div data-slot=x>a</div>" }</style>',
        b'<textarea><div data-slot="x">a</div></textarea>',
        b'<title><div data-slot="x">a</div></title>',
        b'<noscript><div data-slot="x">a</div></noscript>',
        b'<iframe><div data-slot="x">a</div></iframe>',
        b'<xmp><div data-slot="x">a</div></xmp>',
        b'<noembed><div data-slot="x">a</div></noembed>',
        b'<noframes><div data-slot="x">a</div></noframes>',
        b'<plaintext><div data-slot="x">a</div>',
        b"<script data-slot>'<div data-slot=\"x\">a</div>'</script>",
        b"<!-- a --><script>'<div data-slot=x>a</div>'</script><!-- <p data-slot=y>b</p> -->",
    ],
)
def test_slot_scanner_ignores_what_is_not_a_data_slot_attribute(page: bytes) -> None:
    pieces = scan([page])
    assert found(pieces) == []
    assert joined(pieces) == page


@pytest.mark.parametrize(
    ("page", "inner"),
    [
        (b"<div data-slot=a>x<!-- </div> -->y</div>", b"x<!-- </div> -->y"),
        (b"<div data-slot=a>x<!-- > </div> -->y</div>", b"x<!-- > </div> -->y"),
        (b'<div data-slot=a><script>"</div>"</script></div>', b'<script>"</div>"</script>'),
        (b"<div data-slot=a><style>/*</div>*/</style></div>", b"<style>/*</div>*/</style>"),
        (b"<div data-slot=a><textarea></div></textarea></div>", b"<textarea></div></textarea>"),
        (b"<div data-slot=a><![CDATA[</div>]]></div>", b"<![CDATA[</div>]]>"),
        (b"<div data-slot=a><![CDATA[ > </div>]]></div>", b"<![CDATA[ > </div>]]>"),
        (b'<div data-slot=a><a title="</div>">x</a></div>', b'<a title="</div>">x</a>'),
        (b'<div data-slot=a><a title="<div>">x</a></div>', b'<a title="<div>">x</a>'),
        (b'<div data-slot=a><a title="<!--">x</a></div>', b'<a title="<!--">x</a>'),
        (b"<div data-slot=a><script data-slot=b>'</div>'</script></div>",
         b"<script data-slot=b>'</div>'</script>"),
    ],
)
def test_slot_scanner_does_not_end_a_slot_inside_comments_or_raw_text(
    page: bytes, inner: bytes
) -> None:
    assert found(scan([page])) == [("a", inner)]


def test_slot_scanner_fills_raw_text_and_custom_elements_as_slots() -> None:
    page = (b"<title data-slot=t>Shop <b></title><style-guide data-slot=g>x</style-guide>"
            b"<title-card data-slot=c><title-card>x</title-card></title-card>")
    assert found(scan([page])) == [
        ("t", b"Shop <b>"), ("g", b"x"), ("c", b"<title-card>x</title-card>")
    ]


@pytest.mark.parametrize(
    "comment", [b"<!-->", b"<!--->", b"<!---->", b"<!-- x --!>", b"<!-- a-b -->"]
)
def test_slot_scanner_ends_comments_where_browsers_do(comment: bytes) -> None:
    assert found(scan([comment + b"<p data-slot=a>x</p><!-- -->"])) == [("a", b"x")]


def test_slot_scanner_sees_no_comment_in_an_attribute_value() -> None:
    page = b'<a title="<!-- or <script>">x</a><p data-slot="b">y</p>'
    assert found(scan([page])) == [("b", b"y")]


def test_slot_scanner_keeps_a_slot_inside_a_slot_in_the_outer_default() -> None:
    page = b'<div data-slot="outer"><p data-slot="inner">x</p></div><p data-slot="next">y</p>'
    assert found(scan([page])) == [("outer", b'<p data-slot="inner">x</p>'), ("next", b"y")]


def test_slot_scanner_passes_an_unclosed_slot_through_at_close() -> None:
    page = b"<main><div data-slot=a>x<p>rest of the page"
    scanner = SlotScanner()
    assert scanner.feed(page) == [b"<main>"]
    assert scanner.close() == [page[len(b"<main>") :]]


def test_slot_scanner_still_finds_slots_after_an_unclosed_one() -> None:
    page = b"<div data-slot=a>x<section data-slot=b>y</section><p>z"
    pieces = scan([page])
    assert found(pieces) == [("b", b"y")]
    assert joined(pieces) == page


def test_slot_scanner_gives_up_on_a_slot_larger_than_max_slot_bytes() -> None:
    scanner = SlotScanner(max_slot_bytes=10)
    start = b"<div data-slot=a>"
    assert joined(scanner.feed(start + b"x" * 8)) == b""  # within the limit: held
    assert joined(scanner.feed(b"y" * 8)) == start + b"x" * 8 + b"y" * 8  # past it: let go
    assert scanner.feed(b"</div><p data-slot=b>ok</p>") == [
        b"</div>", SlotElement(name="b", start_tag=b"<p data-slot=b>", inner=b"ok", end_tag=b"</p>")
    ]
    assert scanner.close() == []


def test_slot_scanner_gives_up_on_a_large_slot_that_arrives_whole() -> None:
    page = b"<div data-slot=a>" + b"x" * 11 + b"</div><p data-slot=b>ok</p>"
    pieces = scan([page], max_slot_bytes=10)
    assert found(pieces) == [("b", b"ok")]
    assert joined(pieces) == page


@pytest.mark.parametrize(
    ("encoding", "raw", "name"),
    [
        ("utf-8", "caf\u00e9 \u2603".encode(), "caf\u00e9 \u2603"),
        ("latin-1", "caf\u00e9".encode("latin-1"), "caf\u00e9"),
        ("cp1252", b"\x80uro", "\u20acuro"),
        ("shift_jis", "\u30c9\u30c3\u30b0".encode("shift_jis"), "\u30c9\u30c3\u30b0"),
    ],
)
def test_slot_scanner_decodes_the_name_with_the_page_charset(
    encoding: str, raw: bytes, name: str
) -> None:
    body = "\u00e9\u00e8 \u2014 ".encode(encoding, "replace")
    page = b"<p>" + body + b'</p><div data-slot="' + raw + b'">' + body + b"</div>"
    pieces = scan([page], encoding=encoding)
    assert found(pieces) == [(name, body)]
    assert joined(pieces) == page


def test_slot_scanner_refuses_an_encoding_that_is_not_ascii_compatible() -> None:
    with pytest.raises(ConfigurationError, match="utf-16"):
        SlotScanner(encoding="utf-16")


@pytest.mark.parametrize(
    ("content_type", "codec"),
    [
        ("text/html; charset=utf-8", "utf-8"),
        ('text/html;charset="UTF-8"', "utf-8"),
        ("text/html; Charset=ISO-8859-1", "cp1252"),
        ("text/html; charset=latin1", "cp1252"),
        ("text/html; charset=us-ascii", "cp1252"),
        ("text/html; charset=windows-1252", "cp1252"),
        ("text/html; charset=Shift_JIS", "shift_jis"),
        ("text/html; charset=UTF-16LE", "utf-16-le"),
        ("text/html; charset=x-no-such-thing", "x-no-such-thing"),
        ("text/html", None),
        ("text/html; charset=", None),
        ("text/html; boundary=x", None),
    ],
)
def test_charset_from_content_type_names_a_python_codec(
    content_type: str, codec: str | None
) -> None:
    assert charset_from_content_type(content_type) == codec


@pytest.mark.parametrize(
    ("encoding", "compatible"),
    [
        ("utf-8", True), ("cp1252", True), ("latin-1", True), ("shift_jis", True), ("euc-jp", True),
        ("utf-16", False), ("utf-16-le", False), ("utf-32", False), ("cp037", False),
        ("iso2022_jp", False), ("utf-7", False), ("hz", False), ("x-no-such-thing", False),
        ("rot13", False), ("utf-8\x00", False),
    ],
)
def test_is_ascii_compatible_tells_which_charsets_keep_html_syntax_ascii(
    encoding: str, compatible: bool
) -> None:
    assert is_ascii_compatible(encoding) is compatible


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b'<div data-slot="a">', True), (b"<DIV DATA-SLOT=a>", True), (b"<div Data-Slot=a>", True),
     (b"<div dAtA-sLoT=a>", True), (b"<div data-slo", False), (b"<div data-sku=1>", False),
     (b"not-a-slot", False), (b"data-\nslot", False)],
)
def test_may_contain_slots_looks_for_the_marker_in_any_case(data: bytes, expected: bool) -> None:
    assert may_contain_slots(data) is expected


def test_replace_slots_fills_named_slots_and_keeps_other_defaults() -> None:
    page = b'<h1 data-slot="hero">Hi</h1><p data-slot="cta">Buy</p><img data-slot="hero">'
    assert replace_slots(page, {"hero": b"<b>Rain gear</b>", "unused": b"x"}) == (
        b'<h1 data-slot="hero"><b>Rain gear</b></h1><p data-slot="cta">Buy</p>'
        b'<img data-slot="hero">'
    )
    assert replace_slots(PAGE, {}) == PAGE


def test_replace_slots_reads_names_in_the_given_encoding() -> None:
    page = '<p data-slot="caf\u00e9">x</p>'.encode("latin-1")
    filled = replace_slots(page, {"caf\u00e9": b"y"}, encoding="latin-1")
    assert filled == page.replace(b">x<", b">y<")
