"""Encodings the stores share: timestamps, campaigns, traits and forward-decayed scores."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from middleware.stores.base import StoreLimits
from slots.profile import Campaign, TraitValue

__all__ = [
    "DEFAULT_LIMITS",
    "TRENDING_EPOCH",
    "decay_exponent",
    "decode_campaign",
    "decode_trait",
    "encode_campaign",
    "encode_trait",
    "from_micros",
    "log_add",
    "log_weight",
    "push_front",
    "score_at",
    "to_micros",
    "unique",
]

#: Shared default; StoreLimits is frozen, so one instance serves every store.
DEFAULT_LIMITS = StoreLimits()

_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

#: The fixed reference time of forward decay. Scores are kept as base-2 logarithms, so
#: they grow by one per half-life after this moment and never overflow a float.
TRENDING_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def to_micros(moment: datetime) -> int:
    """Whole microseconds since 1970 (UTC); exact, unlike a float timestamp."""
    return (moment - _UNIX_EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    return _UNIX_EPOCH + timedelta(microseconds=micros)


def encode_campaign(campaign: Campaign) -> str:
    return json.dumps([campaign.source, campaign.medium, campaign.name])


def decode_campaign(text: str) -> Campaign:
    source, medium, name = json.loads(text)
    return Campaign(source=source, medium=medium, name=name)


def encode_trait(value: TraitValue) -> str:
    # JSON keeps the type: "3", 3, 3.0 and true all come back as they went in.
    return json.dumps(value)


def decode_trait(text: str) -> TraitValue:
    value = json.loads(text)
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def unique(items: Iterable[str]) -> list[str]:
    """The items without repeats, first occurrence kept, order preserved."""
    return list(dict.fromkeys(items))


def push_front(items: list[str], new: Iterable[str], *, bound: int) -> None:
    """Put ``new`` (in its order) at the front of ``items``, drop repeats, keep ``bound``."""
    fresh = unique(new)
    kept = [item for item in items if item not in fresh]
    items[:] = (fresh + kept)[:bound]


def decay_exponent(now: datetime, half_life: timedelta) -> float:
    """How many half-lives ``now`` is after :data:`TRENDING_EPOCH`."""
    return (now - TRENDING_EPOCH) / half_life


def log_weight(weight: float, *, now: datetime, half_life: timedelta) -> float:
    """log2 of ``weight * 2 ** ((now - epoch) / half_life)``: one forward-decayed event."""
    return math.log2(weight) + decay_exponent(now, half_life)


def log_add(first: float, second: float) -> float:
    """log2(2**first + 2**second) without leaving log space (so nothing overflows)."""
    high, low = max(first, second), min(first, second)
    return high + math.log1p(2.0 ** (low - high)) / math.log(2.0)


def score_at(log_score: float, *, now: datetime, half_life: timedelta) -> float:
    """A stored log score as a popularity normalised to ``now``."""
    return float(2.0 ** (log_score - decay_exponent(now, half_life)))
