"""Rendering slot content: a sandboxed, autoescaping Jinja2 environment over slot templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["SlotRenderer"]


class SlotRenderer:
    """Renders the templates that policies name (``show: hero/rainy.html``).

    Templates run in Jinja's immutable sandbox with autoescaping on, so neither a policy
    author nor a visitor-supplied attribute (a referrer, a UTM value) can inject markup or
    reach Python internals. Undefined variables are errors (:class:`StrictUndefined`): a
    template that reads an attribute the visitor lacks should test it with ``is defined``
    or ``|default``; otherwise the render fails and the slot keeps its default.

    The loader is the caller's (the middleware builds a ``FileSystemLoader`` over the
    configured template folders), so this module performs no I/O of its own.
    """

    def __init__(self, loader: BaseLoader) -> None:
        self.environment = ImmutableSandboxedEnvironment(
            loader=loader,
            autoescape=True,
            undefined=StrictUndefined,
            auto_reload=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )

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

    def render(self, name: str, variables: Mapping[str, Any]) -> str:
        """Render ``name``; any error propagates so the caller can log it and keep the default."""
        return self.environment.get_template(name).render(variables)
