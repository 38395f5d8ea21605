"""The demo's generated artwork (demo_site/make_images.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

from demo_site.catalog import CATALOG_PATH, load_catalog
from demo_site.make_images import category_svg, initials, item_svg, main

STATIC = CATALOG_PATH.parent / "static"


def test_initials_skip_numbers_and_symbols() -> None:
    assert initials("Grain-Free Salmon Kibble 6 kg") == "GS"
    assert initials("Mirror & Bell Toy") == "MB"
    assert initials("fish") == "F"


def test_item_svg_is_well_formed_and_labelled() -> None:
    item = load_catalog().get("feather-wand-teaser")
    assert item is not None
    root = ElementTree.fromstring(item_svg(item))
    assert root.get("aria-label") == "Feather Wand Teaser"
    texts = [node.text for node in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["FW"]


def test_item_svg_escapes_the_name() -> None:
    svg = category_svg("cats", 'Cats & "Kittens"')
    root = ElementTree.fromstring(svg)
    assert root.get("aria-label") == 'Cats & "Kittens"'


def test_cards_are_coloured_by_id_and_stable_between_runs() -> None:
    item = load_catalog().in_category("dogs")[0]
    twin = replace(item, item_id=item.item_id + "-2")
    assert item_svg(item) == item_svg(replace(item))
    assert item_svg(item) != item_svg(twin)


def test_committed_images_are_up_to_date(tmp_path: Path) -> None:
    assert main(["--static", str(tmp_path)]) == 0
    generated = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*.svg"))
    assert len(generated) == len(load_catalog().items) + 6
    for relative in generated:
        committed = STATIC / relative
        fresh = (tmp_path / relative).read_text(encoding="utf-8")
        assert committed.read_text(encoding="utf-8") == fresh, (
            f"{committed} is stale: run python -m demo_site.make_images"
        )
