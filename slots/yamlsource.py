"""A YAML document that remembers where every key and value came from, for diagnostics."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Location, PolicyError, PolicyErrors

__all__ = [
    "Diagnostics",
    "DuplicateKey",
    "KeyPath",
    "YamlDocument",
    "describe",
    "did_you_mean",
    "load_yaml",
]

#: Where a value sits in a document: mapping keys and sequence indexes from the root.
KeyPath = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A key written twice in one mapping (PyYAML would silently keep the last value).

    ``path`` leads to the first occurrence; ``mark`` is the 0-based (line, column) of the second.
    """

    path: KeyPath
    first_line: int
    mark: tuple[int, int]


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Plain data (dicts, lists, scalars) plus the 0-based mark of every key and value.

    Mapping keys are always the key's source text, so ``on:`` or ``1:`` stay strings.
    """

    filename: str
    data: Any
    lines: tuple[str, ...]
    key_marks: Mapping[KeyPath, tuple[int, int]] = field(repr=False)
    value_marks: Mapping[KeyPath, tuple[int, int]] = field(repr=False)
    duplicates: tuple[DuplicateKey, ...] = ()

    def location(self, path: KeyPath, *, at_key: bool = False) -> Location:
        """The 1-based location of the value at ``path`` (or of its key); when the document
        has no such path (a rewritten condition), its nearest parent's."""
        mark = self.key_marks.get(path) if at_key else None
        while mark is None:
            mark = self.value_marks.get(path)
            if mark is None:
                if not path:
                    mark = (0, 0)
                path = path[:-1]
        return self.location_at(mark)

    def location_at(self, mark: tuple[int, int]) -> Location:
        """The 1-based location of a 0-based (line, column) mark, with its source line."""
        line, column = mark
        source = self.lines[line] if line < len(self.lines) else ""
        return Location(self.filename, line + 1, column + 1, source)

    def line_of(self, path: KeyPath) -> int:
        """The 1-based line where the value at ``path`` starts."""
        return self.location(path).line


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_yaml(text: str, *, filename: str) -> YamlDocument:
    """Parse one YAML document, keeping marks; syntax errors raise :class:`PolicyErrors`.

    libyaml parses when PyYAML has it (about ten times faster); a document it rejects is
    parsed again in pure Python, so the messages do not depend on how PyYAML was built.
    """
    lines = tuple(text.splitlines())
    fast: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        builder = _build(fast, text)
    except yaml.YAMLError:
        try:
            builder = _build(yaml.SafeLoader, text)
        except yaml.MarkedYAMLError as error:
            raise PolicyErrors([_syntax_error(error, filename, lines)]) from None
        except yaml.YAMLError as error:
            problem = PolicyError(f"invalid YAML: {error}", Location(filename, 1, 1))
            raise PolicyErrors([problem]) from None
    return YamlDocument(
        filename=filename,
        data=builder.data,
        lines=lines,
        key_marks=builder.key_marks,
        value_marks=builder.value_marks,
        duplicates=tuple(builder.duplicates),
    )


def _build(loader_class: type[yaml.SafeLoader], text: str) -> _Builder:
    loader = loader_class(text)
    try:
        builder = _Builder(loader)
        node = loader.get_single_node()
        if node is not None:
            builder.data = builder.convert(node, ())
        return builder
    finally:
        loader.dispose()


def _syntax_error(
    error: yaml.MarkedYAMLError, filename: str, lines: tuple[str, ...]
) -> PolicyError:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line, mark.column) if mark is not None else (0, 0)
    message = f"invalid YAML: {error.problem or error.context}"
    if error.problem and error.context:
        where = f" started at line {error.context_mark.line + 1}" if error.context_mark else ""
        message += f" ({error.context}{where})"
    source = lines[line] if line < len(lines) else ""
    return PolicyError(message, Location(filename, line + 1, column + 1, source))


class _Builder:
    """Turns composed nodes into plain data, recording marks and duplicate keys."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.key_marks: dict[KeyPath, tuple[int, int]] = {}
        self.value_marks: dict[KeyPath, tuple[int, int]] = {}
        self.duplicates: list[DuplicateKey] = []
        self.data: Any = None
        self._active: set[int] = set()

    def convert(self, node: Node, path: KeyPath) -> Any:
        self.value_marks[path] = (node.start_mark.line, node.start_mark.column)
        if isinstance(node, ScalarNode):
            return self.loader.construct_object(node, deep=True)
        if id(node) in self._active:
            raise yaml.MarkedYAMLError(
                problem="an alias refers to itself", problem_mark=node.start_mark
            )
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            raise yaml.MarkedYAMLError(problem="unexpected YAML node", problem_mark=node.start_mark)
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict[str, Any]:
        own = {id(key) for key, _ in node.value if key.tag != _MERGE_TAG}
        self.loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise yaml.MarkedYAMLError(
                    problem="mapping keys must be plain words", problem_mark=key_node.start_mark
                )
            key = str(key_node.value)
            # A key of the mapping's own may override one merged in with `<<`, not another own key.
            if first_lines.get(key, 0) > 0 and id(key_node) in own:
                mark = (key_node.start_mark.line, key_node.start_mark.column)
                self.duplicates.append(DuplicateKey((*path, key), first_lines[key], mark))
                continue
            first_lines[key] = key_node.start_mark.line + 1 if id(key_node) in own else 0
            self.key_marks[(*path, key)] = (key_node.start_mark.line, key_node.start_mark.column)
            result[key] = self.convert(value_node, (*path, key))
        return result


class Diagnostics:
    """Collects the problems found in one document; raises them all, in source order."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        self.errors: list[PolicyError] = []

    def error(self, path: KeyPath, message: str, *, at_key: bool = False) -> None:
        self.errors.append(PolicyError(message, self.document.location(path, at_key=at_key)))

    def error_at(self, location: Location, message: str) -> None:
        self.errors.append(PolicyError(message, location))

    def mapping(self, path: KeyPath, value: Any, what: str) -> dict[str, Any] | None:
        """``value`` when it is a mapping (an empty one for null); otherwise an error and None."""
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        self.error(path, f"{what} must be a mapping, not {describe(value)}")
        return None

    def check_keys(
        self, path: KeyPath, value: Mapping[str, Any], allowed: Iterable[str], what: str
    ) -> None:
        """An error at every key of ``value`` that is not in ``allowed``, with a suggestion."""
        names = tuple(allowed)
        for key in value:
            if key not in names:
                hint = did_you_mean(key, names) or f"; expected one of: {', '.join(names)}"
                self.error((*path, key), f"unknown key {key!r} in {what}{hint}", at_key=True)

    def choice(self, path: KeyPath, value: Any, allowed: Sequence[str], what: str) -> bool:
        """Whether ``value`` is one of ``allowed``; an error with a suggestion if not."""
        if isinstance(value, str) and value in allowed:
            return True
        if isinstance(value, str):
            hint = did_you_mean(value, allowed) or f"; expected one of: {', '.join(allowed)}"
            self.error(path, f"unknown {what} {value!r}{hint}")
        else:
            self.error(path, f"{what} must be one of {', '.join(allowed)}, not {describe(value)}")
        return False

    def whole_number(self, path: KeyPath, value: Any, *, default: int) -> int:
        """``value`` when it is a whole number >= 1; otherwise an error and ``default``."""
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        self.error(path, f"{path[-1]} must be a whole number >= 1, not {describe(value)}")
        return default

    def shares(self, path: KeyPath, raw: Any, count: int) -> tuple[float, ...]:
        """Weights: ``count`` non-negative numbers summing to 1 (within 1e-6); equal if None."""
        if raw is None:
            return tuple(1 / count for _ in range(count))
        if not isinstance(raw, list) or not all(
            isinstance(share, int | float) and not isinstance(share, bool) for share in raw
        ):
            self.error(path, f"weights must be a list of numbers, not {describe(raw)}")
            return ()
        for index, share in enumerate(raw):
            if share < 0:
                self.error((*path, index), f"weight {share} is negative; weights are shares of "
                           "traffic between 0 and 1")
        if len(raw) != count:
            self.error(path, f"{len(raw)} weights for {count} variants; give one weight per "
                       "variant, in the same order")
        if abs(sum(raw) - 1) > 1e-6:
            self.error(path, f"weights sum to {sum(raw):g}; they must sum to 1")
        return tuple(float(share) for share in raw)

    def report_duplicates(self, kinds: Mapping[KeyPath, str]) -> None:
        """An error at every duplicate key, named by its mapping (``kinds``) or as a key."""
        for duplicate in self.document.duplicates:
            what = kinds.get(duplicate.path[:-1], "key")
            key, first = duplicate.path[-1], duplicate.first_line
            message = f"duplicate {what} {key!r} (first on line {first})"
            self.error_at(self.document.location_at(duplicate.mark), message)

    def check_name(self, path: KeyPath, name: str, what: str, *, at_key: bool = True) -> bool:
        """Whether ``name`` (a slot, rule or segment name) is a plain word; an error if not.

        Names become counter and experiment keys (``hero:breakfast``), so no ``:`` or spaces.
        """
        if _NAME.fullmatch(name):
            return True
        message = f"{what} name {name!r} may use only letters, digits, '_', '-' and '.'"
        self.error(path, message, at_key=at_key)
        return False

    def raise_if_any(self) -> None:
        if not self.errors:
            return

        def order(error: PolicyError) -> tuple[int, int]:
            where = error.location
            return (where.line, where.column) if where is not None else (1 << 30, 0)

        raise PolicyErrors(sorted(self.errors, key=order))


def describe(value: Any) -> str:
    """How a value reads in a message: ``a list``, ``the number 3``, ``the text 'x'``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"
