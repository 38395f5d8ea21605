"""What a request leaves behind: page and item views, tracked events, caps and exposures."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slots.decision import Decision
from slots.profile import Campaign, TraitValue

if TYPE_CHECKING:
    from .personalization import Personalization

__all__ = ["PendingEvents", "record_request"]

logger = logging.getLogger("cheers")

_DAY_CAP_TTL = timedelta(days=2)


@dataclass(slots=True)
class PendingEvents:
    """Events collected while a request runs; written once, when it ends."""

    shown: list[Decision] = field(default_factory=list)
    tracked: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    traits: dict[str, TraitValue] = field(default_factory=dict)

    def show(self, decision: Decision) -> None:
        self.shown.append(decision)

    def track(self, event: str, items: Sequence[str]) -> None:
        self.tracked.append((event, tuple(items)))


def _campaign(visit: Mapping[str, Any]) -> Campaign | None:
    """The campaign a page view came from, from the visit's ``utm_*`` attributes (bounded:
    they are whatever the visitor put in the URL)."""
    source, medium, name = (visit.get(key) for key in ("utm_source", "utm_medium", "utm_campaign"))
    if not (source or medium or name):
        return None
    return Campaign(*(value[:200] if value else None for value in (source, medium, name)))


async def record_request(
    personalization: Personalization, *, status: int | None, is_page: bool
) -> None:
    """Write what this request did to the store, concurrently; failures are logged, never raised.

    ``is_page``: the response was an HTML page, so it counts as a page view (and, on an item
    route, as a view of that item).

    The middleware awaits this after the app has sent its last body message, in the
    request's own task. A server considers the response complete at that message (uvicorn
    then starts the connection's next request), so clients never wait for these writes.
    A separate task would change nothing for them, and a write still pending when its event
    loop stops (a test client's loop ends with each request) would be lost.
    """
    visitor = personalization.visitor
    if visitor is None or not personalization.remembers:
        return
    engine = personalization.engine
    store = engine.store
    now = personalization.now
    writes: list[Awaitable[Any]] = []
    succeeded = status is not None and 200 <= status < 300
    if is_page and succeeded:
        visit = personalization.context.namespace("visit")
        writes.append(
            store.record_visit(
                visitor.id,
                now=now,
                session_gap=engine.settings.session_gap,
                campaign=_campaign(visit),
                referrer_host=visit.get("referrer_host"),
            )
        )
        item_id = personalization.current_item
        if item_id is not None:
            writes.append(engine.record_item_view(personalization, item_id))
    for event, items in personalization.events.tracked:
        writes.append(engine.record_tracked(personalization, event, items))
    if personalization.events.traits:
        writes.append(store.set_traits(visitor.id, dict(personalization.events.traits), now=now))
    for decision in personalization.events.shown:
        if decision.cap_key is not None:
            ttl = (
                _DAY_CAP_TTL
                if _capped_per_day(personalization, decision)
                else engine.settings.retention
            )
            writes.append(store.increment_cap(visitor.id, decision.cap_key, ttl=ttl))
        if decision.experiment is not None and decision.variant is not None:
            writes.append(store.record_exposure(decision.experiment, decision.variant))
    if writes:
        await _write_all(writes)


async def _write_all(writes: list[Awaitable[Any]]) -> None:
    """Await every write, concurrently; failures are logged, never raised.

    All but the first become tasks *before* the first runs here, so a batching store (SQLite)
    still receives them all in one loop iteration, and a store that answers at once (memory)
    costs one task fewer than ``gather``, which wraps every write in a task and a future.
    Cancelled while the first write runs, it still waits for the others before it stops.
    """
    tasks = [asyncio.ensure_future(write) for write in writes[1:]]
    try:
        await writes[0]
    except Exception as error:
        _log_failure(error)
    finally:
        for task in tasks:
            try:
                await task
            except Exception as error:
                _log_failure(error)


def _log_failure(error: Exception) -> None:
    logger.warning("recording the request's events failed: %r", error)


def _capped_per_day(personalization: Personalization, decision: Decision) -> bool:
    """Whether the decision's rule caps impressions per day (its counter lives two days)."""
    slot = personalization.policy.slots.get(decision.slot)
    for rule in slot.rules if slot is not None else ():
        if rule.name == decision.rule:
            return rule.cap is not None and rule.cap.per == "day"
    return False
