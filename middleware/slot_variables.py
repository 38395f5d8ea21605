"""The variables a slot template sees, each built only when the template reads it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from markupsafe import Markup

from slots.decision import Decision

from .context import RequestContext

__all__ = ["TEMPLATE_NAMESPACES", "LazyNamespace", "SlotVariables"]

#: The attribute namespaces a slot template can read (``{{ geo.city }}``).
TEMPLATE_NAMESPACES: Final = (
    "device",
    "geo",
    "time",
    "weather",
    "visit",
    "page",
    "visitor",
    "profile",
)
_FIXED: Final = (*TEMPLATE_NAMESPACES, "slot", "default", "rule", "variant")
_NO_EXTRA: Final[Mapping[str, Any]] = {}


class SlotVariables(Mapping[str, Any]):
    """Each namespace, ``slot``, ``default`` (the page's own content, as Markup), ``rule``,
    ``variant``, and the ``extra`` values (``items`` and ``strategy`` for recommendations),
    which win over the others.

    A memoised fragment reads only the variables its template uses, so on most requests
    none of the others is built, nor the page's default copied into a Markup.
    """

    __slots__ = ("_context", "_decision", "_default", "_extra")

    def __init__(
        self,
        context: RequestContext,
        *,
        decision: Decision,
        default: str,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self._context = context
        self._decision = decision
        self._default = default
        self._extra = extra or _NO_EXTRA

    def __getitem__(self, key: str) -> Any:
        if key in self._extra:
            return self._extra[key]
        if key in TEMPLATE_NAMESPACES:
            return LazyNamespace(self._context, key)
        decision = self._decision
        if key == "slot":
            return decision.slot
        if key == "default":
            return Markup(self._default)
        if key == "rule":
            return decision.rule
        if key == "variant":
            return decision.variant
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield from _FIXED
        yield from (key for key in self._extra if key not in _FIXED)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class LazyNamespace(Mapping[str, Any]):
    """A namespace handed to a slot template, computed only if the template reads it."""

    __slots__ = ("_context", "_name")

    def __init__(self, context: RequestContext, name: str) -> None:
        self._context = context
        self._name = name

    def _values(self) -> Mapping[str, Any]:
        return self._context.namespace(self._name)

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())
