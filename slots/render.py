"""Rendering slot content: a sandboxed, autoescaping Jinja2 environment over slot templates."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateError, TemplateNotFound, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["SlotRenderer", "freeze"]

_UNCACHEABLE = frozenset({"__uncacheable__"})


def freeze(value: Any) -> Hashable:
    """A hashable stand-in for a variable's value: mappings and lists become tuples."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(key), freeze(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(freeze(item) for item in value)
    hash(value)  # raises TypeError for anything else unhashable
    # Typed, so 1, 1.0 and True (equal in Python) never share a rendered fragment.
    return (type(value), value)


class SlotRenderer:
    """Renders the templates that policies name (``show: hero/rainy.html``).

    Templates run in Jinja's immutable sandbox with autoescaping on, so neither a policy
    author nor a visitor-supplied attribute (a referrer, a UTM value) can inject markup or
    reach Python internals. Undefined variables are errors (:class:`StrictUndefined`): a
    template that reads an attribute the visitor lacks should test it with ``is defined``
    or ``|default``; otherwise the render fails and the slot keeps its default.

    Rendered fragments are memoised, keyed by the template and the values of exactly the
    variables it reads (found by parsing it once), so a hero that reads ``geo`` is rendered
    once per city rather than once per request. Templates that include, import or extend
    others are never memoised (their variables cannot be known from their own source).

    The loader is the caller's (the middleware builds a ``FileSystemLoader`` over the
    configured template folders), so this module performs no I/O of its own.
    """

    def __init__(self, loader: BaseLoader, *, cache_size: int = 4096) -> None:
        self.environment = ImmutableSandboxedEnvironment(
            loader=loader,
            autoescape=True,
            undefined=StrictUndefined,
            auto_reload=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._cache_size = cache_size
        self._fragments: dict[Hashable, str] = {}
        self._reads: dict[str, frozenset[str]] = {}

    def exists(self, name: str) -> bool:
        """Whether the loader can find the template ``name``."""
        try:
            self.environment.get_template(name)
        except TemplateNotFound:
            return False
        except TemplateError:
            return True
        return True

    def check(self, name: str) -> str | None:
        """Compile ``name``; return a message describing why it fails, or ``None``."""
        try:
            self.environment.get_template(name)
        except TemplateNotFound:
            return f"template {name!r} not found"
        except TemplateError as error:
            line = getattr(error, "lineno", None)
            where = f" (line {line})" if line else ""
            return f"template {name!r} does not compile{where}: {error.message or error}"
        return None

    def variables_read(self, name: str) -> frozenset[str]:
        """The top-level variables template ``name`` reads (``{"geo", "default"}``)."""
        reads = self._reads.get(name)
        if reads is None:
            loader = self.environment.loader
            assert loader is not None
            source = loader.get_source(self.environment, name)[0]
            tree = self.environment.parse(source)
            if any(True for _ in meta.find_referenced_templates(tree)):
                reads = _UNCACHEABLE
            else:
                reads = frozenset(meta.find_undeclared_variables(tree))
            self._reads[name] = reads
        return reads

    def render(self, name: str, variables: Mapping[str, Any]) -> str:
        """Render ``name``; any error propagates so the caller can log it and keep the default."""
        reads = self.variables_read(name)
        if reads is _UNCACHEABLE:
            return self.environment.get_template(name).render(variables)
        try:
            key = (
                name,
                *((variable, freeze(variables.get(variable))) for variable in sorted(reads)),
            )
        except TypeError:  # a value with no hashable form: render every time
            return self.environment.get_template(name).render(variables)
        html = self._fragments.get(key)
        if html is None:
            html = self.environment.get_template(name).render(variables)
            if len(self._fragments) >= self._cache_size:
                self._fragments.clear()
            self._fragments[key] = html
        return html
