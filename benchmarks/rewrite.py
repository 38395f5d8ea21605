"""What scanning a page for slots costs: µs per full scan of a ~32 KB product listing.

    python benchmarks/rewrite.py [--runs 2000]

The page has 3 slots (hero, recommendations, call to action), a head with a title, a style
sheet, a JSON-LD script and a comment (two of which mention ``data-slot``), and 48 product
cards. Variants: the same page with only the hero slot (the scanner does not read the text
after the last marker for comments and raw text), and with no slot at all. Each figure is
the median over ``--runs`` scans of thread CPU time (so other processes on the machine
disturb it little), in microseconds. Reference rows, measured in the same run: the bare
``bytes.find`` loop over the marker that PERFORMANCE.md's ~20 µs "bytes.find scanner" stands
for (no comments, scripts or nesting handled), and the C-level passes a scanner that does
handle them cannot avoid: lowering the page, finding markers, and reading the 31 KB before
the last slot for comments and raw text (the floor of the one-chunk scan, with no Python).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from middleware.htmlscan import OPENER_RE, find_marker  # noqa: E402
from middleware.rewrite import (  # noqa: E402
    SlotElement,
    SlotScanner,
    may_contain_slots,
    replace_slots,
)

HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dog beds &amp; blankets | Acme Pets</title>
<link rel="stylesheet" href="/static/site.css?v=3f2a9c">
<link rel="canonical" href="https://shop.example/c/dog-beds">
<style>
  .grid { display: grid; grid-template-columns: repeat(4, 1fr); gap: 1rem }
  .card > .price { font-weight: 600 } .badge { color: #b00 }
</style>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "ItemList",
 "name": "Dog beds", "note": "<div data-slot=\\"not-a-slot\\">"}</script>
</head>
<body class="listing">
<!-- header partial; <div data-slot="commented"> is not a slot either -->
<header class="site-header"><nav aria-label="Main"><ul class="menu">
"""
HERO = """</ul></nav></header>
<main id="content">
<section data-slot="hero" class="hero hero--wide" aria-labelledby="hero-title">
  <h1 id="hero-title">Beds your dog will actually sleep in</h1>
  <p class="lead">Free delivery over £40 &middot; 30-day returns</p>
  <a class="button button--primary" href="/c/dog-beds?sort=popular">Shop the range</a>
</section>
<div class="filters"><form method="get" action="/c/dog-beds"><label>Sort <select name="sort">
<option value="popular" selected>Most popular</option><option value="price">Price</option>
</select></label><input type="submit" value="Apply"></form></div>
<ul class="grid products">
"""
CARD = """<li class="card product" data-sku="SKU-{sku}" data-category="beds">
  <a href="/p/{sku}/orthopaedic-bed-{n}" class="card__link">
    <img src="/img/p/{sku}-400.webp" srcset="/img/p/{sku}-400.webp 1x, /img/p/{sku}-800.webp 2x"
         alt="Orthopaedic bed, size {size}" width="400" height="400" loading="lazy">
    <h2 class="card__title">Orthopaedic memory-foam bed no. {n}</h2>
  </a>
  <p class="price"><span class="price__now">£{now}.99</span> <s class="price__was">£{was}.99</s></p>
  <form method="post" action="/basket"><input type="hidden" name="sku" value="SKU-{sku}">
    <button type="submit" class="button">Add to basket</button></form>
</li>
"""
TAIL = """</ul>
<aside data-slot="recommendations" class="recs">
  <h2>Popular right now</h2>
  <div class="recs__row"><div class="rec"><a href="/p/1">Rope toy</a></div>
  <div class="rec"><a href="/p/2">Chew bone</a></div></div>
</aside>
<div class="cta-wrap"><div data-slot='cta' class="cta">
  <p>Join the club for 10% off your first order.</p><a class="button" href="/join">Join</a>
</div></div>
</main>
<footer class="site-footer"><p>&copy; Acme Pets Ltd &middot; <a href="/privacy">Privacy</a>
&middot; <a href="/terms">Terms</a></p></footer>
</body>
</html>
"""
SLOT_NAMES = ["hero", "recommendations", "cta"]


def build_page(cards: int = 48) -> bytes:
    """A product-listing page of about 32 KB with three slots."""
    nav = "".join(
        f'<li class="menu-item"><a href="/c/{c}" class="menu-link">{c.title()}</a></li>\n'
        for c in ["dogs", "cats", "birds", "fish", "toys", "beds", "food", "sale"]
    )
    grid = "".join(
        CARD.format(sku=1000 + n, n=n, size=n % 4 + 1, now=29 + n, was=39 + n)
        for n in range(cards)
    )
    return (HEAD + nav + HERO + grid + TAIL).encode()


def scan(chunks: Sequence[bytes]) -> list[bytes | SlotElement]:
    scanner = SlotScanner()
    pieces: list[bytes | SlotElement] = []
    for chunk in chunks:
        pieces += scanner.feed(chunk)
    return pieces + scanner.close()


def marker_loop(page: bytes) -> int:
    """The naive reference: every ``data-slot`` occurrence by ``bytes.find``, nothing else."""
    count, at = 0, page.find(b"data-slot")
    while at >= 0:
        count, at = count + 1, page.find(b"data-slot", at + 9)
    return count


def median_us(work: Callable[[], object], runs: int) -> float:
    for _ in range(min(runs, 50)):  # warm up
        work()
    samples = []
    for _ in range(runs):
        start = time.thread_time_ns()
        work()
        samples.append(time.thread_time_ns() - start)
    return statistics.median(samples) / 1000


def check(page: bytes, chunks: Sequence[bytes], names: Sequence[str]) -> None:
    pieces = scan(chunks)
    found = [p.name for p in pieces if isinstance(p, SlotElement)]
    rejoined = b"".join(p if isinstance(p, bytes) else p.start_tag + p.inner + p.end_tag
                        for p in pieces)
    if found != list(names) or rejoined != page:
        raise SystemExit(f"scanner is wrong on a benchmark page: found {found}")


def context_floor(page: bytes) -> None:
    """The C-level work of a one-chunk scan of the benchmark page, without the Python."""
    low = page.lower()
    last, at = -1, find_marker(low, 0, len(low))
    while at >= 0:
        last, at = at, find_marker(low, at + 9, len(low))
    for _ in OPENER_RE.finditer(low, 0, last):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    page = build_page()
    top = page.replace(b'data-slot="recommendations"', b'data-role="recommendations"')
    top = top.replace(b"data-slot='cta'", b"data-role='cta'")
    plain = page.replace(b"data-slot", b"data-role")
    chunks = [page[i : i + 4096] for i in range(0, len(page), 4096)]
    check(page, [page], SLOT_NAMES)
    check(page, chunks, SLOT_NAMES)
    check(top, [top], SLOT_NAMES[:1])
    check(plain, [plain], [])
    fills = {name: b"<p>personal</p>" for name in SLOT_NAMES}
    rows = [
        ("SlotScanner, one chunk", lambda: scan([page])),
        ("SlotScanner, 4 KB chunks", lambda: scan(chunks)),
        ("replace_slots, one chunk (3 fills)", lambda: replace_slots(page, fills)),
        ("SlotScanner, one chunk, hero slot only", lambda: scan([top])),
        ("SlotScanner, one chunk, no slot", lambda: scan([plain])),
        ("may_contain_slots, page with slots", lambda: may_contain_slots(page)),
        ("may_contain_slots, page without", lambda: may_contain_slots(plain)),
        ("reference: bytes.find marker loop", lambda: marker_loop(page)),
        ("reference: bytes.lower()", lambda: page.lower()),
        ("reference: lower + markers + context pass", lambda: context_floor(page)),
    ]
    print(f"page: {len(page):,} bytes, {page.count(b'<'):,} tags, slots {SLOT_NAMES}")
    print(f"median thread CPU time over {args.runs} runs, µs per call")
    baseline = None
    for label, work in rows:
        figure = median_us(work, args.runs)
        baseline = baseline or figure
        print(f"  {label:42} {figure:8.1f}   ({figure / baseline:4.2f}x the one-chunk scan)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
