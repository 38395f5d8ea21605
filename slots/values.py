"""Values as the condition language sees them: JSON kinds, typed equality, versions, renderings.

Values are typed as in JSON (``true`` is not ``1``); anything else is of kind ``"unknown"``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Final, Literal

__all__ = [
    "ORDERED_KINDS", "SCALAR_KINDS", "TYPE_NAMES", "Kind", "is_operator_object", "kind_of",
    "padded_version", "same", "show", "suggest",
]

Kind = Literal["null", "boolean", "number", "string", "array", "object", "unknown"]

#: The names ``$type`` accepts (GrowthBook's, which are JSON's).
TYPE_NAMES: Final[tuple[str, ...]] = ("array", "boolean", "null", "number", "object", "string")
#: The kinds a value compared for equality or membership may have.
SCALAR_KINDS: Final[frozenset[str]] = frozenset({"null", "boolean", "number", "string"})
#: The kinds that have an order: numbers with numbers, strings with strings.
ORDERED_KINDS: Final[frozenset[str]] = frozenset({"number", "string"})

_KINDS: Final[Mapping[type, Kind]] = {
    type(None): "null", bool: "boolean", int: "number", float: "number", str: "string",
    list: "array", tuple: "array", dict: "object",
}
_KIND_BASES: Final[tuple[tuple[type | tuple[type, ...], Kind], ...]] = (
    (bool, "boolean"), ((int, float), "number"), (str, "string"), ((list, tuple), "array"),
    (Mapping, "object"),
)
_VERSION_STRIP: Final = re.compile(r"^v|\+.*$")
_VERSION_SPLIT: Final = re.compile(r"[-.]")


def kind_of(value: Any) -> Kind:
    """The JSON type of a value, as ``$type`` names it (``"unknown"`` for anything else)."""
    kind = _KINDS.get(type(value))  # exact types first: this runs for every value tested
    if kind is not None:
        return kind
    return next((kind for base, kind in _KIND_BASES if isinstance(value, base)), "unknown")


def same(left: Any, right: Any) -> bool:
    """Typed deep equality: lists in order, mappings by keys, ``True`` never equals ``1``."""
    kind = kind_of(left)
    if kind != kind_of(right):
        return False
    if kind == "array":
        return len(left) == len(right) and all(map(same, left, right))
    if kind == "object":
        return left.keys() == right.keys() and all(same(left[key], right[key]) for key in left)
    return bool(left == right)


def show(value: Any, *, limit: int = 80) -> str:
    """A short rendering of a value for messages: ``'rain'``, ``true``, ``null``, ``[1, 2]``."""
    text = _show(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_show(key)}: {_show(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return repr(value)


def suggest(word: str, candidates: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` naming the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, candidates, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def is_operator_object(value: Any) -> bool:
    """Whether a mapping holds operators (every key starts with ``$``) rather than a value."""
    if not isinstance(value, Mapping) or not value:
        return False
    return all(isinstance(key, str) and key.startswith("$") for key in value)


def padded_version(value: Any) -> str | None:
    """GrowthBook's sortable form of a version string or number; None for anything else."""
    kind = kind_of(value)
    if kind == "number" and math.isfinite(value):
        value = str(int(value)) if float(value).is_integer() else str(value)  # as JavaScript
    elif kind != "string":
        return None
    return _pad_version(value or "0")


@lru_cache(maxsize=512)
def _pad_version(text: str) -> str:
    parts = _VERSION_SPLIT.split(_VERSION_STRIP.sub("", text))
    if len(parts) == 3:  # no pre-release: "~" sorts after any pre-release tag
        parts.append("~")
    # Numbers padded to one width compare as numbers in a plain string comparison.
    return "-".join(p.rjust(5) if p.isascii() and p.isdigit() else p for p in parts)
