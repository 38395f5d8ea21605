"""The Redis store: for several processes and machines (``redis://host:6379/0``).

Each visitor update is one Lua script (EVALSHA), so it is atomic in Redis; all of a
visitor's keys live under ``cheers:v:{visitor_id}:`` (the braces are a cluster hash tag)
and every write refreshes their TTL to ``retention``, so Redis itself forgets idle visitors
and :meth:`RedisStore.purge` has nothing to do. Item statistics of one kind share the hash
tag ``{bought}`` or ``{viewed}`` so one MULTI updates them all; trending is one sorted set.
Connecting times out after ``?timeout=`` seconds (default 0.25), so a Redis that is down
costs little (wrap the store in ``GuardedStore``), and commands are never retried. A reply
may take longer (at least ``REPLY_TIMEOUT``): under load the event loop itself may read a
prompt reply late, and a false timeout would drop the write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import cast

from middleware.stores import _lua as lua
from middleware.stores._codec import (
    DEFAULT_LIMITS,
    encode_campaign,
    encode_trait,
    log_weight,
    score_at,
    to_micros,
    unique,
)
from middleware.stores._redis_connection import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from middleware.stores._redis_connection import POOL_WAIT as POOL_WAIT
from middleware.stores._redis_connection import REPLY_TIMEOUT as REPLY_TIMEOUT
from middleware.stores._redis_connection import open_client
from middleware.stores._redis_connection import redact_url as redact_url
from middleware.stores._redis_reply import merge_payload, profile_from_reply
from middleware.stores.base import ItemKind, StoreLimits
from slots.profile import Campaign, Profile, TraitValue

__all__ = ["DEFAULT_TIMEOUT", "POOL_WAIT", "REPLY_TIMEOUT", "RedisStore", "redact_url"]

_Args = list[str | int | float]  # what a Lua script's ARGV takes


class RedisStore:
    """A :class:`~middleware.stores.base.Store` in Redis (``redis://`` or ``rediss://``)."""

    def __init__(
        self,
        url: str,
        *,
        limits: StoreLimits = DEFAULT_LIMITS,
        retention: timedelta = timedelta(days=395),
        trending_half_life: timedelta = timedelta(days=7),
        prefix: str = "cheers",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits
        self.retention = retention
        self.url = redact_url(url)
        self._half_life = trending_half_life
        self._prefix = prefix
        self._clock = clock  # frequency-cap windows only; every other time is a parameter
        self._ttl = retention // timedelta(milliseconds=1)
        self._client = open_client(url)
        register = self._client.register_script
        self._visit = register(lua.RECORD_VISIT)
        self._view = register(lua.RECORD_VIEW)
        self._purchase = register(lua.RECORD_PURCHASE)
        self._traits = register(lua.SET_TRAITS)
        self._cap = register(lua.INCREMENT_CAP)
        self._load = register(lua.LOAD)
        self._merge = register(lua.MERGE)
        self._repoint = register(lua.REPOINT)
        self._unlink = register(lua.UNLINK)
        self._trend = register(lua.ADD_TRENDING)

    def __repr__(self) -> str:
        return f"RedisStore({self.url!r})"

    # -- keys -----------------------------------------------------------------------------
    def _visitor_keys(self, visitor_id: str) -> list[str]:
        return [f"{self._prefix}:v:{{{visitor_id}}}:{part}" for part in lua.VISITOR_PARTS]

    def _person_key(self, key_hash: str) -> str:
        return f"{self._prefix}:p:{key_hash}"

    def _item_key(self, kind: ItemKind, name: str) -> str:
        return f"{self._prefix}:i:{{{kind}}}:{name}"

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # -- profiles -------------------------------------------------------------------------
    async def load_profile(self, visitor_id: str) -> Profile | None:
        raw = await self._load(keys=self._visitor_keys(visitor_id), args=[self._now_ms(), "0"])
        return profile_from_reply(visitor_id, raw) if raw[0] else None

    async def record_visit(
        self,
        visitor_id: str,
        *,
        now: datetime,
        session_gap: timedelta,
        campaign: Campaign | None = None,
        referrer_host: str | None = None,
    ) -> None:
        args: _Args = [
            self._ttl,
            to_micros(now),
            session_gap // timedelta(microseconds=1),
            "" if campaign is None else encode_campaign(campaign),
            referrer_host or "",
        ]
        await self._visit(keys=self._visitor_keys(visitor_id), args=args)

    async def record_view(
        self, visitor_id: str, *, item_id: str, category: str | None, in_stock: bool, now: datetime
    ) -> None:
        has_category = "0" if category is None else "1"
        args: _Args = [
            self._ttl,
            item_id,
            self.limits.recent_items,
            has_category,
            category or "",
            int(in_stock),
        ]
        await self._view(keys=self._visitor_keys(visitor_id), args=args)

    async def record_purchase(
        self, visitor_id: str, *, item_ids: Sequence[str], now: datetime
    ) -> None:
        oldest_first = list(reversed(unique(item_ids)))
        args: _Args = [self._ttl, self.limits.purchased_items, *oldest_first]
        await self._purchase(keys=self._visitor_keys(visitor_id), args=args)

    async def set_traits(
        self, visitor_id: str, traits: Mapping[str, TraitValue], *, now: datetime
    ) -> None:
        pairs = [part for name, value in traits.items() for part in (name, encode_trait(value))]
        await self._traits(keys=self._visitor_keys(visitor_id), args=[self._ttl, *pairs])

    async def increment_cap(self, visitor_id: str, key: str, *, ttl: timedelta) -> int:
        now = self._now_ms()
        ends = now + ttl // timedelta(milliseconds=1)
        count = await self._cap(
            keys=self._visitor_keys(visitor_id), args=[self._ttl, key, now, ends]
        )
        return int(count)

    async def link_person(self, key_hash: str, visitor_id: str) -> str:
        link = self._person_key(key_hash)
        persons = self._visitor_keys(visitor_id)[-1]
        # Not one script: the link and the visitor's keys may live on different cluster
        # slots. A stray entry in `persons` is harmless: links are checked before use.
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.set(link, visitor_id, nx=True, get=True, px=self._ttl)
            pipe.pexpire(link, self._ttl)
            pipe.sadd(persons, key_hash)
            pipe.pexpire(persons, self._ttl)
            previous, *_ = await pipe.execute()
        return visitor_id if previous is None else str(previous)

    async def merge_profiles(self, source_id: str, target_id: str) -> None:
        if source_id == target_id:
            return
        # Taking the source (read and delete) is atomic, and so is folding it into the
        # target; writes to the source in between start a new, separate profile.
        raw = await self._load(keys=self._visitor_keys(source_id), args=[self._now_ms(), "1"])
        persons: list[str] = raw[9]
        if raw[0]:
            limits = self.limits
            args: _Args = [
                self._ttl,
                merge_payload(raw),
                self._now_ms(),
                limits.recent_items,
                limits.purchased_items,
            ]
            await self._merge(keys=self._visitor_keys(target_id), args=args)
        for key_hash in persons:
            await self._repoint(
                keys=[self._person_key(key_hash)], args=[source_id, target_id, self._ttl]
            )

    async def forget(self, visitor_id: str) -> bool:
        keys = self._visitor_keys(visitor_id)
        persons = await self._client.smembers(keys[-1])
        deleted = await self._client.delete(*keys)
        for key_hash in persons:
            link = self._person_key(str(key_hash))
            deleted += await self._unlink(keys=[link], args=[visitor_id])
        return bool(deleted)

    async def purge(self, *, older_than: datetime) -> int:
        """Nothing to do: every visitor key expires ``retention`` after its last write."""
        return 0

    # -- item statistics shared by all visitors --------------------------------------------
    async def add_cooccurrence(
        self, kind: ItemKind, *, item_id: str, others: Sequence[str], now: datetime
    ) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hincrby(self._item_key(kind, "count"), item_id, 1)
            for other in unique(others):
                if other != item_id:
                    pipe.zincrby(self._item_key(kind, f"pair:{item_id}"), 1, other)
                    pipe.zincrby(self._item_key(kind, f"pair:{other}"), 1, item_id)
            await pipe.execute()

    async def neighbours(
        self, kind: ItemKind, item_ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, float]]:
        wanted = unique(item_ids)
        last = self.limits.neighbours - 1
        async with self._client.pipeline(transaction=False) as pipe:
            for item_id in wanted:
                pipe.zrevrange(self._item_key(kind, f"pair:{item_id}"), 0, last, withscores=True)
            replies: list[list[tuple[str, float]]] = await pipe.execute()
        return {item_id: dict(reply) for item_id, reply in zip(wanted, replies, strict=True)}

    async def item_counts(self, kind: ItemKind, item_ids: Sequence[str]) -> Mapping[str, float]:
        wanted = unique(item_ids)
        if not wanted:
            return {}
        counts = await self._client.hmget(self._item_key(kind, "count"), wanted)
        return {item_id: float(n or 0) for item_id, n in zip(wanted, counts, strict=True)}

    async def add_trending(self, item_id: str, *, weight: float, now: datetime) -> None:
        if weight <= 0:  # a log score cannot hold zero or less; such an event adds nothing
            return
        score = log_weight(weight, now=now, half_life=self._half_life)
        await self._trend(keys=[f"{self._prefix}:trending"], args=[item_id, repr(score)])

    async def trending(self, *, limit: int, now: datetime) -> Sequence[tuple[str, float]]:
        if limit <= 0:
            return []
        reply = await self._client.zrevrange(
            f"{self._prefix}:trending", 0, limit - 1, withscores=True
        )
        top = cast(list[tuple[str, float]], reply)  # what WITHSCORES gives
        return [(str(item), score_at(log, now=now, half_life=self._half_life)) for item, log in top]

    # -- experiments ---------------------------------------------------------------------
    async def record_exposure(
        self, experiment: str, variant: str, *, converted: bool = False
    ) -> None:
        field = ("c:" if converted else "e:") + variant
        await self._client.hincrby(f"{self._prefix}:x:{experiment}", field, 1)

    async def exposures(self, experiment: str) -> Mapping[str, tuple[int, int]]:
        counts = await self._client.hgetall(f"{self._prefix}:x:{experiment}")
        result: dict[str, tuple[int, int]] = {}
        for field, n in counts.items():
            which, _, variant = str(field).partition(":")
            exposed, converted = result.get(variant, (0, 0))
            if which == "c":
                result[variant] = (exposed, converted + int(n))
            else:
                result[variant] = (exposed + int(n), converted)
        return result

    async def close(self) -> None:
        await self._client.aclose()
