"""The starter slot templates (templates/) and the demo policy that shows them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jinja2 import FileSystemLoader
from markupsafe import Markup

from slots.policy import load_policy
from slots.render import SlotRenderer

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
POLICY = ROOT / "demo_site" / "policy.yaml"
NAMES = sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html"))
ITEMS = json.loads((ROOT / "demo_site" / "catalog.json").read_text(encoding="utf-8"))[:4]
NAMESPACES = ("device", "geo", "time", "weather", "visit", "page", "visitor", "profile")


def _render(name: str, **variables: Any) -> str:
    context: dict[str, Any] = {namespace: {} for namespace in NAMESPACES}
    context.update(slot=name.partition("/")[0], default=Markup("<p>default</p>"), items=ITEMS)
    context.setdefault("strategy", "trending")
    context.update(variables)
    return SlotRenderer(FileSystemLoader(str(TEMPLATES))).render(name, context)


def test_starter_set_is_complete() -> None:
    assert {"recommendations/grid.html", "recommendations/list.html"} <= set(NAMES)
    assert sum(name.startswith("hero/") for name in NAMES) >= 5
    assert sum(name.startswith("cta/") for name in NAMES) >= 3
    assert (TEMPLATES / "__init__.py").is_file()


@pytest.mark.parametrize("name", NAMES)
def test_template_renders_with_every_attribute_missing(name: str) -> None:
    html = _render(name)
    assert html.strip().startswith(("<div", "<h2"))
    assert "None" not in html and "Undefined" not in html


def test_rainy_hero_uses_city_and_temperature_only_when_known() -> None:
    bare = _render("hero/rainy.html")
    assert "Wet out there? Walkies, sorted." in bare and "&deg;C" not in bare
    weather = {"condition": "rain", "temp_c": 11.6}
    full = _render("hero/rainy.html", geo={"city": "Leeds"}, weather=weather)
    assert "Wet out there in Leeds?" in full and "about 12&deg;C" in full


def test_attributes_are_escaped() -> None:
    html = _render("hero/rainy.html", geo={"city": "<b onmouseover=x>"})
    assert "&lt;b onmouseover=x&gt;" in html and "<b" not in html


def test_europe_hero_names_the_country_or_says_you() -> None:
    assert "We deliver to Ireland" in _render("hero/europe.html", geo={"country_name": "Ireland"})
    assert "We deliver to you" in _render("hero/europe.html")


@pytest.mark.parametrize(
    ("strategy", "heading"),
    [
        ("also_bought", "Bought together"),
        ("also_viewed", "Viewed together"),
        ("for_you", "Recommended for you"),
        ("category_affinity", "Recommended for you"),
        ("trending", "Trending now"),
        ("eyeing", "Still thinking about these?"),
        ("back_in_stock", "Back in stock"),
        ("something_else", "You might also like"),
    ],
)
def test_grid_heading_follows_the_strategy(strategy: str, heading: str) -> None:
    html = _render("recommendations/grid.html", strategy=strategy)
    assert f'<h2 class="cheers-recs__title">{heading}</h2>' in html


def test_grid_lists_items_with_links_images_and_prices() -> None:
    html = _render("recommendations/grid.html", strategy="also_bought")
    for item in ITEMS:
        assert f'href="{item["url"]}"' in html and f'src="{item["image"]}"' in html
    assert "&pound;24.99" in html and html.count('class="cheers-item"') == len(ITEMS)


def test_grid_tolerates_items_with_only_a_name_and_url() -> None:
    bare_item = {"name": "Mystery box", "url": "/products/box"}
    html = _render("recommendations/grid.html", items=[bare_item])
    assert "Mystery box" in html and "<img" not in html and "&pound;" not in html


def test_list_marks_out_recently_viewed() -> None:
    html = _render("recommendations/list.html", strategy="recently_viewed")
    assert "Recently viewed" in html and html.count("<li>") == len(ITEMS)


@pytest.mark.parametrize("name", ["cta/back_in_stock.html", "cta/eyeing.html"])
def test_reminder_names_one_item_and_links_to_it(name: str) -> None:
    html = _render(name, strategy="eyeing")
    assert "Still thinking about the Waterproof Dog Raincoat?" in html
    assert 'href="/products/waterproof-dog-raincoat"' in html
    assert html.count("href=") == 1 and "back in stock" not in html  # one item of four


def test_back_in_stock_reminder_says_so_only_for_that_strategy() -> None:
    html = _render("cta/back_in_stock.html", strategy="back_in_stock")
    assert "Still thinking about the Waterproof Dog Raincoat?" in html
    assert "it's back in stock" in html


def test_demo_policy_loads_and_every_template_it_shows_exists() -> None:
    renderer = SlotRenderer(FileSystemLoader(str(TEMPLATES)))
    policy = load_policy(
        POLICY.read_text(encoding="utf-8"),
        filename=str(POLICY),
        template_exists=renderer.exists,
        check_template=renderer.check,
    )
    assert set(policy.slots) == {"hero", "reminder", "cta", "recommendations", "recently_viewed"}
    hero_rules = [rule.name for rule in policy.slots["hero"].rules]
    assert hero_rules.index("on-the-go") < hero_rules.index("good-morning")
