"""Route patterns that turn a page view into a tracked item view, with no JavaScript."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slots.errors import ConfigurationError

from .providers import ContextProvider, ProviderContext

__all__ = ["ItemPageProvider", "ItemRoutes"]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class _Route:
    pattern: re.Pattern[str]
    parameter: str


class ItemRoutes:
    """``{"/products/{item_id}": "item_id"}``: a GET of ``/products/leash-1`` views ``leash-1``.

    Parameters match one path segment. Patterns are compiled once, at start-up.
    """

    __slots__ = ("_routes",)

    def __init__(self, routes: Mapping[str, str]) -> None:
        compiled: list[_Route] = []
        for template, parameter in routes.items():
            names = _PARAM.findall(template)
            if parameter not in names:
                raise ConfigurationError(
                    f"item route {template!r} has no {{{parameter}}} parameter "
                    f"(it has {names or 'none'})"
                )
            regex = ""
            position = 0
            for match in _PARAM.finditer(template):
                regex += re.escape(template[position : match.start()])
                regex += f"(?P<{match.group(1)}>[^/]+)"
                position = match.end()
            regex += re.escape(template[position:])
            compiled.append(_Route(re.compile(regex + r"/?\Z"), parameter))
        self._routes = tuple(compiled)

    def __bool__(self) -> bool:
        return bool(self._routes)

    def item_for(self, path: str) -> str | None:
        """The item id a path views, or ``None``."""
        for route in self._routes:
            match = route.pattern.match(path)
            if match is not None:
                return match.group(route.parameter)
        return None


class ItemPageProvider:
    """The ``page`` namespace with ``page.item`` added on item pages."""

    namespace = "page"

    def __init__(self, page: ContextProvider, routes: ItemRoutes) -> None:
        self._page = page
        self._routes = routes

    def resolve(self, context: ProviderContext) -> Mapping[str, Any]:
        values = self._page.resolve(context)
        item = self._routes.item_for(context.request.path)
        return values if item is None else {**values, "item": item}
