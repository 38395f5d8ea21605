"""The ``{% slot "name" %}default{% endslot %}`` tag for Jinja2 templates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context
from markupsafe import Markup, escape

from .errors import SlotTemplateError

__all__ = ["SlotExtension", "SlotFiller", "slot_element"]

_DEFAULT_TAG = "div"


@runtime_checkable
class SlotFiller(Protocol):
    """What a template's context offers to fill slots inline (the middleware's per-request
    ``Personalization`` object implements it)."""

    def fill_slot_now(self, name: str, default: str) -> str | None:
        """The slot's inner HTML if it can be decided now, else ``None``.

        ``None`` makes the tag emit the plain tagged element so that the middleware's
        rewriting pass decides the slot later (for instance when it needs the weather)."""


def slot_element(
    name: str, inner: str, *, tag: str = _DEFAULT_TAG, attributes: Mapping[str, Any] | None = None
) -> Markup:
    """The tagged element ``<tag data-slot="name" ...>inner</tag>`` with escaped attributes.

    ``inner`` is HTML already (the page's own default, or a sandboxed render)."""
    parts = [f'<{tag} data-slot="{escape(name)}"']
    if attributes:
        for key, value in attributes.items():
            if value is None or value is False:
                continue
            html_name = key.rstrip("_").replace("_", "-")
            parts.append(f" {html_name}" if value is True else f' {html_name}="{escape(value)}"')
    parts += [">", inner, f"</{tag}>"]
    return Markup("".join(parts))


class SlotExtension(Extension):
    """Adds ``{% slot NAME [, tag="section"] [, class="hero"] %}default{% endslot %}``.

    With a :class:`SlotFiller` in the render context (``personalization``, or the
    ``request`` whose scope holds it) the slot is filled inline, so no rewriting pass is
    needed. Without one, the tag emits the tagged element with its default, which the
    middleware fills: both paths give the same HTML.
    """

    tags = {"slot"}

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.extend(personalization_context_key="personalization")

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        if parser.stream.current.type == "block_end":
            parser.fail(
                'the slot tag needs a name, e.g. {% slot "hero" %}',
                lineno,
                exc=SlotTemplateError,
            )
        name = parser.parse_expression()
        keywords: list[nodes.Pair] = []
        while parser.stream.skip_if("comma"):
            key_token = parser.stream.expect("name")
            parser.stream.expect("assign")
            keywords.append(
                nodes.Pair(
                    nodes.Const(key_token.value), parser.parse_expression(), lineno=key_token.lineno
                )
            )
        if parser.stream.current.type != "block_end":
            parser.fail(
                f"unexpected {parser.stream.current.value!r} in slot tag; "
                'write {% slot "name", tag="section", class="hero" %}',
                parser.stream.current.lineno,
                exc=SlotTemplateError,
            )
        body = parser.parse_statements(("name:endslot",), drop_needle=True)
        call = self.call_method(
            "_render_slot", [nodes.ContextReference(), name, nodes.Dict(keywords)]
        )
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_slot(
        self, context: Context, name: str, options: dict[str, Any], caller: Callable[[], str]
    ) -> Markup:
        default = caller()
        tag = str(options.pop("tag", _DEFAULT_TAG))
        key = self.environment.personalization_context_key  # type: ignore[attr-defined]
        fill = _find_fill(context, key)
        inner = fill(str(name), default) if fill is not None else None
        return slot_element(
            str(name), default if inner is None else inner, tag=tag, attributes=options
        )


def _find_fill(context: Context, key: str) -> Callable[[str, str], str | None] | None:
    """The ``fill_slot_now`` of the filler in the context, if any.

    Looked up by attribute rather than ``isinstance(..., SlotFiller)``: a runtime protocol
    check costs microseconds, and this runs for every slot of every page."""
    candidate = context.get(key)
    if candidate is None:
        request = context.get("request")
        scope = getattr(request, "scope", None)
        candidate = scope.get(key) if isinstance(scope, Mapping) else None
    fill = getattr(candidate, "fill_slot_now", None)
    return fill if callable(fill) else None
