"""A circuit breaker around any store, so a failing backend never breaks or slows a page.

When the backend raises one of ``errors``, the call returns a neutral value (no profile,
zero, empty, or for ``link_person`` the visitor's own id), a warning naming the store and
the error is logged at most once per ``log_interval`` seconds, and for ``retry_after``
seconds further calls return neutral values without touching the backend, so a Redis that
is down does not cost every request its connect timeout. The first call after that tries
the backend again; when it answers, service resumes and an info line says so.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from redis.exceptions import RedisError

from middleware.stores.base import ItemKind, Store
from slots.errors import StoreError
from slots.profile import Campaign, Profile, TraitValue

__all__ = ["BACKEND_ERRORS", "GuardedStore"]

_T = TypeVar("_T")

logger = logging.getLogger(__name__)

#: What a backend raises when it is down, slow or locked. Anything else is a bug and
#: propagates. (TimeoutError and ConnectionError are subclasses of OSError.)
BACKEND_ERRORS: tuple[type[Exception], ...] = (StoreError, RedisError, sqlite3.Error, OSError)


class GuardedStore:
    """Wraps a :class:`~middleware.stores.base.Store`; never raises a backend error."""

    def __init__(
        self,
        store: Store,
        *,
        log_interval: float = 60,
        retry_after: float = 5,
        monotonic: Callable[[], float] = time.monotonic,
        errors: tuple[type[Exception], ...] = BACKEND_ERRORS,
    ) -> None:
        self.store = store
        self.limits = store.limits
        self._log_interval = log_interval
        self._retry_after = retry_after
        self._monotonic = monotonic
        self._errors = errors
        self._open_until: float | None = None  # while set, calls skip the backend
        self._last_log: float | None = None

    def __repr__(self) -> str:
        return f"GuardedStore({self.store!r})"

    @property
    def is_open(self) -> bool:
        """True while calls skip the backend."""
        return self._open_until is not None and self._monotonic() < self._open_until

    async def _call(self, operation: str, call: Callable[[], Awaitable[_T]], *, neutral: _T) -> _T:
        if self._open_until is not None:
            now = self._monotonic()
            if now < self._open_until:
                return neutral
            # Half-open: this call probes the backend; the others skip it until it answers.
            self._open_until = now + self._retry_after
        try:
            result = await call()
        except self._errors as error:
            self._trip(operation, error)
            return neutral
        if self._open_until is not None:
            self._open_until = None
            logger.info("store %r answers again", self.store)
        return result

    def _trip(self, operation: str, error: Exception) -> None:
        now = self._monotonic()
        self._open_until = now + self._retry_after
        if self._last_log is None or now - self._last_log >= self._log_interval:
            self._last_log = now
            logger.warning(
                "store %r failed in %s: %s: %s; carrying on without it, retrying in %gs",
                self.store,
                operation,
                type(error).__name__,
                error,
                self._retry_after,
            )

    # -- profiles -------------------------------------------------------------------------
    async def load_profile(self, visitor_id: str) -> Profile | None:
        return await self._call(
            "load_profile", lambda: self.store.load_profile(visitor_id), neutral=None
        )

    async def record_visit(
        self,
        visitor_id: str,
        *,
        now: datetime,
        session_gap: timedelta,
        campaign: Campaign | None = None,
        referrer_host: str | None = None,
    ) -> None:
        def call() -> Awaitable[None]:
            return self.store.record_visit(
                visitor_id,
                now=now,
                session_gap=session_gap,
                campaign=campaign,
                referrer_host=referrer_host,
            )

        await self._call("record_visit", call, neutral=None)

    async def record_view(
        self, visitor_id: str, *, item_id: str, category: str | None, in_stock: bool, now: datetime
    ) -> None:
        def call() -> Awaitable[None]:
            return self.store.record_view(
                visitor_id, item_id=item_id, category=category, in_stock=in_stock, now=now
            )

        await self._call("record_view", call, neutral=None)

    async def record_purchase(
        self, visitor_id: str, *, item_ids: Sequence[str], now: datetime
    ) -> None:
        def call() -> Awaitable[None]:
            return self.store.record_purchase(visitor_id, item_ids=item_ids, now=now)

        await self._call("record_purchase", call, neutral=None)

    async def set_traits(
        self, visitor_id: str, traits: Mapping[str, TraitValue], *, now: datetime
    ) -> None:
        await self._call(
            "set_traits", lambda: self.store.set_traits(visitor_id, traits, now=now), neutral=None
        )

    async def increment_cap(self, visitor_id: str, key: str, *, ttl: timedelta) -> int:
        return await self._call(
            "increment_cap", lambda: self.store.increment_cap(visitor_id, key, ttl=ttl), neutral=0
        )

    async def link_person(self, key_hash: str, visitor_id: str) -> str:
        return await self._call(
            "link_person", lambda: self.store.link_person(key_hash, visitor_id), neutral=visitor_id
        )

    async def merge_profiles(self, source_id: str, target_id: str) -> None:
        await self._call(
            "merge_profiles", lambda: self.store.merge_profiles(source_id, target_id), neutral=None
        )

    async def forget(self, visitor_id: str) -> bool:
        return await self._call("forget", lambda: self.store.forget(visitor_id), neutral=False)

    async def purge(self, *, older_than: datetime) -> int:
        return await self._call("purge", lambda: self.store.purge(older_than=older_than), neutral=0)

    # -- item statistics shared by all visitors --------------------------------------------
    async def add_cooccurrence(
        self, kind: ItemKind, *, item_id: str, others: Sequence[str], now: datetime
    ) -> None:
        def call() -> Awaitable[None]:
            return self.store.add_cooccurrence(kind, item_id=item_id, others=others, now=now)

        await self._call("add_cooccurrence", call, neutral=None)

    async def neighbours(
        self, kind: ItemKind, item_ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, float]]:
        return await self._call(
            "neighbours", lambda: self.store.neighbours(kind, item_ids), neutral={}
        )

    async def item_counts(self, kind: ItemKind, item_ids: Sequence[str]) -> Mapping[str, float]:
        return await self._call(
            "item_counts", lambda: self.store.item_counts(kind, item_ids), neutral={}
        )

    async def add_trending(self, item_id: str, *, weight: float, now: datetime) -> None:
        def call() -> Awaitable[None]:
            return self.store.add_trending(item_id, weight=weight, now=now)

        await self._call("add_trending", call, neutral=None)

    async def trending(self, *, limit: int, now: datetime) -> Sequence[tuple[str, float]]:
        return await self._call(
            "trending", lambda: self.store.trending(limit=limit, now=now), neutral=[]
        )

    # -- experiments ---------------------------------------------------------------------
    async def record_exposure(
        self, experiment: str, variant: str, *, converted: bool = False
    ) -> None:
        def call() -> Awaitable[None]:
            return self.store.record_exposure(experiment, variant, converted=converted)

        await self._call("record_exposure", call, neutral=None)

    async def exposures(self, experiment: str) -> Mapping[str, tuple[int, int]]:
        return await self._call("exposures", lambda: self.store.exposures(experiment), neutral={})

    async def close(self) -> None:
        """Close the backend whatever the breaker says; a failure is logged, not raised."""
        try:
            await self.store.close()
        except self._errors as error:
            logger.warning(
                "store %r failed to close: %s: %s", self.store, type(error).__name__, error
            )
