from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment

from slots.errors import SlotTemplateError
from slots.jinja import SlotExtension, slot_element


class Filler:
    def __init__(self, contents: dict[str, str | None]) -> None:
        self.contents = contents
        self.asked: list[tuple[str, str]] = []

    def fill_slot_now(self, name: str, default: str) -> str | None:
        self.asked.append((name, default))
        return self.contents.get(name)


def environment(**templates: str) -> Environment:
    return Environment(loader=DictLoader(templates), extensions=[SlotExtension], autoescape=True)


def test_slot_tag_without_personalization_emits_tagged_element() -> None:
    env = environment(page='<main>{% slot "hero" %}Hello <b>{{ name }}</b>{% endslot %}</main>')
    html = env.get_template("page").render(name="<Ann>")
    assert html == '<main><div data-slot="hero">Hello <b>&lt;Ann&gt;</b></div></main>'


def test_slot_tag_fills_inline_from_personalization() -> None:
    env = environment(page='{% slot "hero", tag="section", class="big" %}default{% endslot %}')
    filler = Filler({"hero": "<h1>Rainy day</h1>"})
    html = env.get_template("page").render(personalization=filler)
    assert html == '<section data-slot="hero" class="big"><h1>Rainy day</h1></section>'
    assert filler.asked == [("hero", "default")]


def test_slot_tag_finds_personalization_in_request_scope() -> None:
    class Request:
        scope = {"personalization": Filler({"cta": "Buy"})}

    env = environment(page='{% slot "cta" %}Shop{% endslot %}')
    assert env.get_template("page").render(request=Request()) == '<div data-slot="cta">Buy</div>'


def test_slot_tag_keeps_default_when_filler_defers() -> None:
    env = environment(page='{% slot "hero" %}default{% endslot %}')
    html = env.get_template("page").render(personalization=Filler({"hero": None}))
    assert html == '<div data-slot="hero">default</div>'


def test_slot_tag_and_marker_forms_give_the_same_html() -> None:
    env = environment(page='{% slot "hero", tag="section" %}<p>x</p>{% endslot %}')
    assert env.get_template("page").render() == str(slot_element("hero", "<p>x</p>", tag="section"))


def test_slot_tag_escapes_attribute_values() -> None:
    env = environment(page="{% slot name, class=cls %}x{% endslot %}")
    html = env.get_template("page").render(name='a"b', cls='"><script>')
    assert html == '<div data-slot="a&#34;b" class="&#34;&gt;&lt;script&gt;">x</div>'


def test_slot_tag_without_name_fails_with_line_number() -> None:
    env = environment(page="line one\n{% slot %}x{% endslot %}")
    with pytest.raises(SlotTemplateError) as caught:
        env.get_template("page")
    assert caught.value.lineno == 2
    assert caught.value.message is not None
    assert "needs a name" in caught.value.message


def test_slot_tag_with_junk_after_name_fails() -> None:
    env = environment(page='{% slot "a" as b %}x{% endslot %}')
    with pytest.raises(SlotTemplateError, match="unexpected 'as' in slot tag"):
        env.get_template("page")
