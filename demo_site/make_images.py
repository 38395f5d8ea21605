"""The demo shop's product artwork: one SVG card per item, drawn from shapes, deterministic by id.

Run ``python -m demo_site.make_images`` after changing ``catalog.json``; the SVGs it writes
to ``demo_site/static/items/`` (and ``static/categories/``) are committed, so the demo needs
no image from anywhere else.
"""

from __future__ import annotations

import argparse
import colorsys
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from .catalog import CATALOG_PATH, Item, load_catalog

__all__ = ["category_svg", "initials", "item_svg", "main", "write_images"]

STATIC = Path(__file__).resolve().parent / "static"

#: Base hue (degrees) of each category's cards; others get a hue from their name.
_HUES = {"dogs": 28, "cats": 268, "birds": 192, "fish": 212, "small-pets": 338, "reptiles": 128}

INK = "#2b2118"
Glyph = Callable[[str, str], str]


def _hex(hue: float, saturation: float, lightness: float) -> str:
    red, green, blue = colorsys.hls_to_rgb((hue % 360) / 360, lightness, saturation)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def initials(name: str) -> str:
    """The first letters of the first two words of a name that start with a letter."""
    letters = [word[0] for word in name.split() if word[:1].isalpha()]
    return "".join(letters[:2]).upper()


def _paw(fill: str, accent: str) -> str:
    toes = "".join(
        f'<ellipse cx="{x}" cy="{y}" rx="24" ry="30" transform="rotate({r} {x} {y})"/>'
        for x, y, r in ((128, 138, -20), (178, 108, -6), (232, 108, 6), (282, 138, 20))
    )
    pad = (
        '<path d="M205 168c44 0 86 52 86 92 0 30-28 40-48 36-16-3-26-10-38-10s-22 7-38 10'
        'c-20 4-48-6-48-36 0-40 42-92 86-92z"/>'
    )
    return f'<g fill="{fill}">{toes}{pad}</g><circle cx="300" cy="90" r="10" fill="{accent}"/>'


def _cat(fill: str, accent: str) -> str:
    return (
        f'<g fill="{fill}"><path d="M120 120l18 -62 52 40z"/><path d="M290 120l-18 -62 -52 40z"/>'
        '<ellipse cx="205" cy="190" rx="100" ry="88"/></g>'
        f'<g fill="{accent}"><ellipse cx="168" cy="180" rx="12" ry="18"/>'
        '<ellipse cx="242" cy="180" rx="12" ry="18"/><path d="M193 214h24l-12 12z"/></g>'
        f'<g stroke="{accent}" stroke-width="5" stroke-linecap="round">'
        '<path d="M150 222l-52 -8M150 236l-50 10M260 222l52 -8M260 236l50 10"/></g>'
    )


def _bird(fill: str, accent: str) -> str:
    return (
        f'<g fill="{fill}"><ellipse cx="190" cy="200" rx="92" ry="70"/>'
        '<circle cx="262" cy="140" r="48"/><path d="M110 196l-62 -40 20 70z"/></g>'
        f'<path d="M306 132l40 14 -40 14z" fill="{accent}"/>'
        f'<circle cx="272" cy="130" r="9" fill="{accent}"/>'
        '<path d="M150 196c30 -34 86 -34 110 0 -30 26 -80 26 -110 0z" '
        f'fill="{accent}" opacity=".35"/>'
    )


def _fish(fill: str, accent: str) -> str:
    return (
        f'<g fill="{fill}"><ellipse cx="220" cy="190" rx="110" ry="70"/>'
        '<path d="M120 190l-70 -54v108z"/><path d="M200 124l40 -40 20 44z"/></g>'
        f'<circle cx="276" cy="176" r="11" fill="{accent}"/>'
        f'<path d="M186 150c-18 26 -18 54 0 80" stroke="{accent}" stroke-width="6" fill="none" '
        'stroke-linecap="round" opacity=".45"/>'
    )


def _rabbit(fill: str, accent: str) -> str:
    return (
        f'<g fill="{fill}">'
        '<ellipse cx="166" cy="92" rx="22" ry="62" transform="rotate(-10 166 92)"/>'
        '<ellipse cx="244" cy="92" rx="22" ry="62" transform="rotate(10 244 92)"/>'
        '<circle cx="205" cy="206" r="86"/></g>'
        f'<g fill="{accent}"><circle cx="172" cy="196" r="10"/><circle cx="238" cy="196" r="10"/>'
        '<ellipse cx="205" cy="226" rx="12" ry="8"/></g>'
        f'<path d="M205 234v16" stroke="{accent}" stroke-width="5" stroke-linecap="round"/>'
    )


def _turtle(fill: str, accent: str) -> str:
    return (
        f'<g fill="{fill}"><circle cx="318" cy="196" r="32"/>'
        '<ellipse cx="130" cy="250" rx="24" ry="18"/><ellipse cx="270" cy="250" rx="24" ry="18"/>'
        '<path d="M90 236c0 -80 50 -122 110 -122s110 42 110 122z"/></g>'
        f'<g fill="none" stroke="{accent}" stroke-width="6" opacity=".45">'
        '<path d="M200 136l34 20v40l-34 20 -34 -20v-40z"/>'
        '<path d="M166 196l-44 24M234 196l44 24M200 136v-20"/></g>'
        f'<circle cx="328" cy="188" r="6" fill="{accent}"/>'
    )


_GLYPHS: dict[str, Glyph] = {
    "dogs": _paw, "cats": _cat, "birds": _bird,
    "fish": _fish, "small-pets": _rabbit, "reptiles": _turtle,
}


#: Small emblems for an item's first tag that has one, drawn around (0, 0) within 18 units.
_EMBLEMS: dict[str, str] = {
    "bowl": '<path d="M-17 -4h34l-5 13a5 5 0 0 1-5 3h-14a5 5 0 0 1-5-3z"/>'
    '<circle cx="-6" cy="-8" r="4"/><circle cx="3" cy="-9" r="4"/><circle cx="10" cy="-6" r="3"/>',
    "ball": '<circle r="16"/><path d="M-16 0c8-6 24-6 32 0M-8 -14c8 8 8 20 0 28" fill="none" '
    'stroke="#fff" stroke-width="2.5"/>',
    "heart": '<path d="M0 15s-16-9-16-20a8 8 0 0 1 16-4 8 8 0 0 1 16 4C16 6 0 15 0 15z"/>',
    "drop": '<path d="M0 -17c8 11 12 18 12 23a12 12 0 0 1-24 0c0-5 4-12 12-23z"/>',
    "plus": '<rect x="-5" y="-16" width="10" height="32" rx="3"/><rect x="-16" y="-5" width="32" '
    'height="10" rx="3"/>',
    "house": '<path d="M-16 -2l16-14 16 14v16h-11v-9h-10v9h-11z"/>',
    "sun": '<circle r="8"/><path d="M0 -17v6M0 11v6M-17 0h6M11 0h6M-12 -12l4 4M8 8l4 4M12 -12l-4 4'
    'M-8 8l-4 4" stroke-width="3.5" stroke-linecap="round"/>',
    "leaf": '<path d="M-14 14C-16 -6 -2 -16 16 -16 16 4 4 16 -14 14z"/><path d="M-14 14L6 -6" '
    'stroke="#fff" stroke-width="2.5"/>',
    "star": '<path d="M0 -17l5 11 12 1-9 8 3 12-11-6-11 6 3-12-9-8 12-1z"/>',
}
_TAG_EMBLEMS: dict[str, str] = {
    "food": "bowl", "bowls": "bowl", "feeders": "bowl", "toys": "ball", "exercise": "ball",
    "beds": "heart", "comfort": "heart", "rain-gear": "drop", "grooming": "drop",
    "water-care": "drop", "health": "plus", "habitat": "house", "furniture": "house",
    "litter": "house", "equipment": "sun", "lighting": "sun", "plants": "leaf", "decor": "leaf",
    "outdoor": "leaf", "bedding": "leaf", "treats": "star", "training": "star", "walks": "star",
}


def _emblem(tags: Sequence[str], *, fill: str, accent: str) -> str:
    shape = next((_TAG_EMBLEMS[tag] for tag in tags if tag in _TAG_EMBLEMS), None)
    if shape is None:
        return ""
    return (
        f'<circle cx="338" cy="62" r="34" fill="{accent}"/>'
        f'<g transform="translate(338 62)" fill="{fill}" stroke="{fill}" stroke-width="0">'
        f"{_EMBLEMS[shape]}</g>"
    )


def _palette(category: str, key: str) -> tuple[str, str, str, str]:
    """Background top, background bottom, glyph fill and accent colours for one card."""
    digest = _digest(key)
    base = _HUES.get(category, int.from_bytes(_digest(category)[:2], "big") % 360)
    hue = base + (digest[0] % 25) - 12
    return (
        _hex(hue, 0.78, 0.90 - (digest[1] % 5) / 100),
        _hex(hue + 14, 0.70, 0.78 - (digest[2] % 6) / 100),
        _hex(hue, 0.55, 0.42),
        _hex(hue, 0.45, 0.96),
    )


def _bubbles(digest: bytes, colour: str) -> str:
    circles = []
    for index in range(3):
        x, y = 40 + digest[3 + index] % 320, 40 + digest[6 + index] % 320
        radius = 18 + digest[9 + index] % 46
        circles.append(f'<circle cx="{x}" cy="{y}" r="{radius}" fill="{colour}" opacity=".35"/>')
    return "".join(circles)


def _card(*, key: str, category: str, label: str, title: str, tags: Sequence[str] = ()) -> str:
    top, bottom, fill, accent = _palette(category, key)
    glyph = _GLYPHS.get(category, _paw)(fill, accent)
    digest = _digest(key)
    tilt = digest[12] % 17 - 8
    gradient = f"g-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" role="img" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}">'
        f'<defs><linearGradient id="{gradient}" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
        "</linearGradient></defs>"
        f'<rect width="400" height="400" rx="36" fill="url(#{gradient})"/>'
        f"{_bubbles(digest, accent)}"
        f'<g transform="translate(0 20) rotate({tilt} 200 180)">{glyph}</g>'
        f"{_emblem(tags, fill=fill, accent=accent)}"
        f'<rect x="28" y="316" width="{28 + 26 * len(label)}" height="56" rx="28" fill="{accent}"/>'
        f'<text x="{42 + 13 * len(label)}" y="354" text-anchor="middle" fill="{INK}" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="28" '
        f'font-weight="700" letter-spacing="2">{escape(label)}</text></svg>\n'
    )


def item_svg(item: Item) -> str:
    """The card for one item: its category's glyph, an emblem for its first known tag and its
    initials, coloured and tilted by its id."""
    return _card(
        key=item.item_id,
        category=item.category,
        label=initials(item.name),
        title=item.name,
        tags=item.tags,
    )


def category_svg(slug: str, title: str) -> str:
    """The tile for one category on the home page."""
    return _card(key=f"category:{slug}", category=slug, label=initials(title), title=title)


def write_images(*, catalog_path: Path = CATALOG_PATH, static: Path = STATIC) -> int:
    """Write every item and category image; return how many files were written."""
    catalog = load_catalog(catalog_path)
    (static / "items").mkdir(parents=True, exist_ok=True)
    (static / "categories").mkdir(parents=True, exist_ok=True)
    for item in catalog.items:
        (static / "items" / f"{item.item_id}.svg").write_text(item_svg(item), encoding="utf-8")
    for category in catalog.categories():
        svg = category_svg(category.slug, category.title)
        (static / "categories" / f"{category.slug}.svg").write_text(svg, encoding="utf-8")
    return len(catalog.items) + len(catalog.categories())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--catalog", type=Path, default=CATALOG_PATH)
    parser.add_argument("--static", type=Path, default=STATIC, help="folder to write into")
    args = parser.parse_args(argv)
    count = write_images(catalog_path=args.catalog, static=args.static)
    print(f"wrote {count} images under {args.static}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
