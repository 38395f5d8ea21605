"""The clock: where the instant of a request comes from (the system, or a fixed instant)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from slots.errors import ConfigurationError

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    __slots__ = ()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at one instant, for tests and personas.

    ``instant`` must be timezone-aware; :meth:`now` gives it in UTC.
    """

    instant: datetime
    _utc: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.instant, datetime):
            raise ConfigurationError(
                f"FixedClock needs a datetime, got {type(self.instant).__name__} {self.instant!r}"
            )
        if self.instant.tzinfo is None or self.instant.utcoffset() is None:
            raise ConfigurationError(
                "FixedClock needs a timezone-aware datetime, got naive "
                f"{self.instant.isoformat()}; give it a tzinfo (e.g. datetime(..., tzinfo=UTC))"
            )
        object.__setattr__(self, "_utc", self.instant.astimezone(UTC))

    def now(self) -> datetime:
        return self._utc
