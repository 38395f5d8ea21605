"""Comparisons: the tests value operators build from an operand, compiled once per condition.

Each builder returns a test of one attribute value, or None when the operand is malformed
(the operator then never matches). A value of the wrong kind fails a test; nothing raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from operator import is_, is_not
from typing import Any, Final

from .values import ORDERED_KINDS, SCALAR_KINDS, kind_of, padded_version, same

__all__ = [
    "Test", "absent", "always", "equals", "exists", "group", "membership", "negate", "never",
    "ordering", "regex", "strict_equal", "version",
]

Test = Callable[[Any], bool]

exists: Final[Test] = partial(is_not, None)
absent: Final[Test] = partial(is_, None)


def never(value: Any) -> bool:
    return False


def always(value: Any) -> bool:
    return True


def negate(test: Test | None) -> Test | None:
    """The opposite test; None (a malformed operand) stays None."""
    if test is None:
        return None
    return lambda value: not test(value)


def equals(expected: Any, *, fold: bool) -> Test:
    """A plain value's equality; ``fold`` compares strings case-insensitively."""
    if isinstance(expected, str):
        if fold:
            lowered = expected.lower()
            return lambda value: isinstance(value, str) and value.lower() == lowered
        return lambda value: isinstance(value, str) and value == expected
    if expected is None:
        return absent
    return lambda value: same(value, expected)


def strict_equal(expected: Any) -> Test:
    """``$eq``: GrowthBook's is JavaScript's ``===``, so lists and objects are never equal."""
    kind = kind_of(expected)
    if kind not in SCALAR_KINDS:
        return never
    return lambda value: kind_of(value) == kind and bool(value == expected)


def ordering(relation: Callable[[Any, Any], bool], bound: Any) -> Test | None:
    """Numbers with numbers and strings with strings, as in GrowthBook: nothing else is
    ordered, so a missing attribute never satisfies an ordering (nor ``"8"`` a number)."""
    kind = kind_of(bound)
    if kind not in ORDERED_KINDS:
        return None
    return lambda value: kind_of(value) == kind and bool(relation(value, bound))


def version(relation: Callable[[Any, Any], bool], bound: Any) -> Test | None:
    """``$veq``, ``$vgt``...: versions compared by their padded form, strings with strings."""
    kind, wanted = kind_of(bound), padded_version(bound)
    if wanted is None:
        return None

    def test(value: Any) -> bool:
        actual = padded_version(value) if kind_of(value) == kind else None
        return actual is not None and bool(relation(actual, wanted))

    return test


def _member_key(value: Any, fold: bool) -> tuple[str, Any] | None:
    kind = kind_of(value)
    if kind not in SCALAR_KINDS:
        return None
    return (kind, value.lower() if fold and kind == "string" else value)


def membership(options: Any, *, fold: bool) -> Test | None:
    """``$in``: the value is one of the options, or is a list sharing one with them."""
    if isinstance(options, str) or not isinstance(options, Sequence):
        return None
    keys = frozenset(key for key in (_member_key(o, fold) for o in options) if key is not None)

    def test(value: Any) -> bool:
        if type(value) is str:  # the common case, without the general key
            return ("string", value.lower() if fold else value) in keys
        if isinstance(value, list | tuple):
            return any(_member_key(item, fold) in keys for item in value)
        return _member_key(value, fold) in keys

    return test


def group(name: Any, groups: Mapping[str, Sequence[Any]], *, inside: bool) -> Test | None:
    """``$inGroup`` (``inside``) or ``$notInGroup`` of one of the saved ``groups``."""
    if not isinstance(name, str):
        return None
    members = groups.get(name)
    if members is None:  # an unknown group has no members
        return never if inside else always
    test = membership(members, fold=False)
    return test if inside else negate(test)


def regex(pattern: Any, flags: int) -> Test | None:
    """``$regex``: a search (not a full match) of string values, compiled once here."""
    if not isinstance(pattern, str):
        return None
    try:
        search = re.compile(pattern, flags).search
    except re.error:
        return None
    return lambda value: isinstance(value, str) and search(value) is not None
