"""Condition checking: every mistake in a targeting condition, found once, at load time.

The policy loader turns each :class:`ConditionProblem` into a ``file:line:column`` error;
:mod:`slots.conditions` compiles the same language, and never raises at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from . import operators as ops

__all__ = ["ConditionProblem", "check_condition"]

_ALL_OPERATORS: Final = sorted(ops.VALUE_OPERATORS | ops.LOGICAL_OPERATORS)


@dataclass(frozen=True, slots=True)
class ConditionProblem:
    """A mistake in a condition: where it is (keys and list indexes) and what is wrong."""

    path: tuple[str | int, ...]
    message: str


def check_condition(
    condition: Any,
    *,
    is_known_attribute: Callable[[str], bool] | None = None,
    attribute_names: Sequence[str] = (),
) -> list[ConditionProblem]:
    """Every problem in a condition, in order, each with the path to the offending key or
    value inside it; with ``is_known_attribute``, also the attribute paths it rejects,
    with a hint from ``attribute_names``."""
    checker = _Checker(is_known_attribute, list(attribute_names))
    checker.condition(condition, (), relative=False)
    return checker.problems


_Path = tuple[str | int, ...]


class _Checker:
    """Walks one condition, collecting problems; lives for one :func:`check_condition` call."""

    __slots__ = ("is_known", "names", "problems")

    def __init__(self, is_known: Callable[[str], bool] | None, names: list[str]) -> None:
        self.is_known = is_known
        self.names = names
        self.problems: list[ConditionProblem] = []

    def report(self, path: _Path, message: str) -> None:
        self.problems.append(ConditionProblem(path, message))

    def condition(self, condition: Any, path: _Path, *, relative: bool) -> None:
        """``relative``: paths lead into list elements ($elemMatch), not attributes."""
        if not isinstance(condition, Mapping):
            self.report(path, f"a condition must be a mapping, got {ops.show(condition)}")
            return
        for key, value in condition.items():
            here = (*path, key if isinstance(key, str | int) else str(key))
            if key in ops.COMBINERS:
                self.combined(key, value, here, relative=relative)
            elif key == "$not":
                if isinstance(value, Mapping):
                    self.condition(value, here, relative=relative)
                else:
                    self.report(here, "$not needs a condition")
            elif not isinstance(key, str):
                self.report(here, f"an attribute path must be a string, got {ops.show(key)}")
            elif key.startswith("$"):
                self.report(here, _misplaced(key))
            else:
                if not relative:
                    self.attribute(key, here)
                self.value(value, here)

    def combined(self, key: str, value: Any, path: _Path, *, relative: bool) -> None:
        if isinstance(value, str) or not isinstance(value, Sequence):
            self.report(path, f"{key} needs a list of conditions")
            return
        for index, item in enumerate(value):
            self.condition(item, (*path, index), relative=relative)

    def attribute(self, name: str, path: _Path) -> None:
        if self.is_known is not None and not self.is_known(name):
            self.report(path, f"unknown attribute {name!r}{ops.suggest(name, self.names)}")

    def value(self, value: Any, path: _Path) -> None:
        if ops.kind_of(value) == "unknown":  # e.g. an unquoted YAML date
            self.report(path, f"can't compare with {ops.show(value)}; write it as a quoted string")
        if not isinstance(value, Mapping) or not _meant_as_operators(value):
            return  # a plain value, compared for equality
        for key, operand in value.items():
            here = (*path, key if isinstance(key, str | int) else str(key))
            if not isinstance(key, str) or not key.startswith("$"):
                hint = ops.suggest(str(key), _ALL_OPERATORS)
                self.report(here, f"unknown operator {ops.show(key)}{hint}")
            elif key not in ops.VALUE_OPERATORS:
                self.report(here, _misplaced(key, in_value=True))
            elif (message := ops.operand_problem(key, operand)) is not None:
                self.report(here, message)
            else:
                self.operand(key, operand, here)

    def operand(self, name: str, operand: Any, path: _Path) -> None:
        """Look inside operands that hold further conditions or list items."""
        if name == "$not" or (name == "$size" and isinstance(operand, Mapping)):
            self.value(operand, path)
        elif name in ("$all", "$alli"):
            for index, item in enumerate(operand):
                self.value(item, (*path, index))
        elif name in ("$in", "$nin", "$ini", "$nini"):
            for index, item in enumerate(operand):
                if ops.kind_of(item) in ("array", "object", "unknown"):
                    message = f"{name} items must be strings, numbers, booleans or null"
                    self.report((*path, index), f"{message}, got {ops.show(item)}")
        elif name == "$elemMatch":
            if ops.is_operator_object(operand):
                self.value(operand, path)
            else:
                self.condition(operand, path, relative=True)


def _meant_as_operators(value: Mapping[Any, Any]) -> bool:
    """Whether a mapping holds operators, some perhaps missing their ``$``: ``{gte: 11}`` is
    taken as a typo, but ``{size: M}`` as an object to compare (``M`` is no ``$size``)."""
    if any(isinstance(key, str) and key.startswith("$") for key in value):
        return True
    return all(
        f"${key}" in ops.VALUE_OPERATORS and ops.operand_problem(f"${key}", operand) is None
        for key, operand in value.items()
    )


def _misplaced(name: str, *, in_value: bool = False) -> str:
    if in_value and name in ops.LOGICAL_OPERATORS:
        return f"{name} combines whole conditions; it can't be applied to an attribute's value"
    if not in_value and name in ops.VALUE_OPERATORS:
        return f"{name} compares an attribute's value; put it under an attribute path"
    return f"unknown operator {name!r}{ops.suggest(name, _ALL_OPERATORS)}"
