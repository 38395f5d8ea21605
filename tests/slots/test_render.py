from __future__ import annotations

import pytest
from jinja2 import DictLoader
from jinja2.exceptions import SecurityError, UndefinedError
from markupsafe import Markup

from slots.render import SlotRenderer

TEMPLATES = {
    "hero/hello.html": "<h1>Hello {{ geo.city }}</h1>",
    "hero/default.html": "{{ default }} and more",
    "hero/optional.html": (
        "{% if geo.city is defined %}in {{ geo.city }}{% else %}anywhere{% endif %}"
    ),
    "hero/broken.html": "{% if %}",
    "hero/escape.html": "{{ ''.__class__.__mro__ }}",
}


def renderer() -> SlotRenderer:
    return SlotRenderer(DictLoader(TEMPLATES))


def test_slot_renderer_autoescapes_attribute_values() -> None:
    html = renderer().render("hero/hello.html", {"geo": {"city": "<script>x</script>"}})
    assert html == "<h1>Hello &lt;script&gt;x&lt;/script&gt;</h1>"


def test_slot_renderer_passes_default_markup_through() -> None:
    assert (
        renderer().render("hero/default.html", {"default": Markup("<b>d</b>")})
        == "<b>d</b> and more"
    )


def test_slot_renderer_missing_variable_is_an_error() -> None:
    with pytest.raises(UndefinedError):
        renderer().render("hero/hello.html", {"geo": {}})


def test_slot_renderer_is_defined_tests_work() -> None:
    assert renderer().render("hero/optional.html", {"geo": {}}) == "anywhere"


def test_slot_renderer_is_sandboxed() -> None:
    with pytest.raises(SecurityError):
        renderer().render("hero/escape.html", {})


def test_slot_renderer_check_reports_problems() -> None:
    check = renderer().check
    assert check("hero/hello.html") is None
    assert check("hero/missing.html") == "template 'hero/missing.html' not found"
    message = check("hero/broken.html")
    assert message is not None and message.startswith(
        "template 'hero/broken.html' does not compile (line 1)"
    )


def test_slot_renderer_exists() -> None:
    assert renderer().exists("hero/broken.html")
    assert not renderer().exists("nope.html")


class CountingMapping(dict[str, object]):
    """A namespace that counts how often the template reads from it."""

    reads = 0

    def __getitem__(self, key: str) -> object:
        CountingMapping.reads += 1
        return super().__getitem__(key)


def test_slot_renderer_memoises_by_the_variables_a_template_reads() -> None:
    slot_renderer = renderer()
    CountingMapping.reads = 0
    london = {"geo": CountingMapping(city="London"), "device": {"type": "mobile"}}
    first = slot_renderer.render("hero/hello.html", london)
    reads_after_first = CountingMapping.reads
    # Another device, same city: the template does not read `device`, so the memo answers.
    again = slot_renderer.render("hero/hello.html", {**london, "device": {"type": "desktop"}})
    assert first == again == "<h1>Hello London</h1>"
    assert CountingMapping.reads == reads_after_first  # not rendered a second time
    paris = slot_renderer.render("hero/hello.html", {"geo": {"city": "Paris"}})
    assert paris == "<h1>Hello Paris</h1>"


def test_slot_renderer_variables_read() -> None:
    assert renderer().variables_read("hero/optional.html") == {"geo"}
    assert renderer().variables_read("hero/default.html") == {"default"}


def test_slot_renderer_never_memoises_templates_that_include_others() -> None:
    slot_renderer = SlotRenderer(
        DictLoader({"outer.html": "{% include 'inner.html' %}", "inner.html": "{{ geo.city }}"})
    )
    assert slot_renderer.render("outer.html", {"geo": {"city": "A"}}) == "A"
    assert slot_renderer.render("outer.html", {"geo": {"city": "B"}}) == "B"
