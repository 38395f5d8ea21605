"""The exception tree of Cheers.

Every exception Cheers raises on purpose derives from :class:`PersonalizationError`::

    PersonalizationError
     ├── PolicyError            a policy or personas file is wrong (load time; has a location)
     │    └── PolicyErrors      several PolicyErrors found in one file (``cheers lint`` shows all)
     ├── ConfigurationError     the middleware was configured wrongly (start-up)
     ├── SignatureError         a signed value (cookie, preview token) is invalid or expired
     └── StoreError             a store failed (request time: logged, never shown to a visitor)

    jinja2.TemplateSyntaxError
     └── SlotTemplateError      a ``{% slot %}`` tag is misused (Jinja reports it natively)

Load-time errors abort start-up; request-time errors are logged and the slot keeps its default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError

__all__ = [
    "ConfigurationError",
    "Location",
    "PersonalizationError",
    "PolicyError",
    "PolicyErrors",
    "SignatureError",
    "SlotTemplateError",
    "StoreError",
]


class PersonalizationError(Exception):
    """The root of every error Cheers raises on purpose."""


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a source file: 1-based line and column, with the text of that line."""

    filename: str
    line: int
    column: int
    source_line: str = ""

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.column}"


class PolicyError(PersonalizationError):
    """A policy (or personas) file is invalid; reads like a compiler diagnostic.

    ``str(error)`` is ``policy.yaml:12:9: unknown operator 'gte' (did you mean '$gte'?)``
    followed by the offending source line and a caret under the column.
    """

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message, location)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        text = f"{self.location}: {self.message}"
        if self.location.source_line:
            caret = " " * (self.location.column - 1) + "^"
            text += f"\n    {self.location.source_line}\n    {caret}"
        return text

    def __reduce__(self) -> tuple[type[PolicyError], tuple[str, Location | None]]:
        return self.__class__, (self.message, self.location)


class PolicyErrors(PolicyError):
    """Every problem found in one file, in source order; raised when there is at least one."""

    def __init__(self, errors: Sequence[PolicyError]) -> None:
        first = errors[0]
        super().__init__(first.message, first.location)
        self.errors = tuple(errors)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)

    def __reduce__(self) -> tuple[type[PolicyErrors], tuple[tuple[PolicyError, ...]]]:  # type: ignore[override]
        return self.__class__, (self.errors,)


class ConfigurationError(PersonalizationError):
    """The middleware or a provider was configured wrongly; raised at start-up."""


class SignatureError(PersonalizationError):
    """A signed value could not be trusted; ``payload`` is the unverified value, if any."""

    def __init__(self, message: str, payload: object = None) -> None:
        super().__init__(message)
        self.payload = payload


class StoreError(PersonalizationError):
    """A store operation failed; the request goes on without the store."""


class SlotTemplateError(TemplateSyntaxError, PersonalizationError):
    """A ``{% slot %}`` tag is misused in a template."""
