"""The SQL of the SQLite store: its statements, and the work that runs several.

Functions take the connection to use; which thread runs them is ``sqlite.py``'s business,
and opening one (WAL, the schema) is ``_connection.py``'s (re-exported here).
Times are whole microseconds since 1970 (UTC), but ``caps.expires`` is in seconds of the
store's clock. Lists order their items by ``seq``, highest newest. Every child row of a
profile goes with it (ON DELETE CASCADE).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence

from middleware.stores._codec import decode_campaign, decode_trait, from_micros, unique
from middleware.stores._connection import SCHEMA as SCHEMA
from middleware.stores._connection import is_busy as is_busy
from middleware.stores._connection import open_reader as open_reader
from middleware.stores._connection import open_writer as open_writer
from middleware.stores.base import StoreLimits
from slots.profile import Profile

__all__ = [
    "ADD_TRENDING",
    "COUNT",
    "COUNT_ITEM",
    "COUNT_PAIR",
    "ENSURE_PROFILE",
    "EXPOSURES",
    "FORGET_PERSONS",
    "FORGET_PROFILE",
    "INCREMENT_CAP",
    "ITEM_COUNTS",
    "LINK_PERSON",
    "PURGE_PERSONS",
    "PURGE_PROFILES",
    "RECORD_EXPOSURE",
    "RECORD_VISIT",
    "SCHEMA",
    "SET_TRAIT",
    "TRENDING",
    "is_busy",
    "json_list",
    "merge",
    "open_reader",
    "open_writer",
    "push",
    "read_neighbours",
    "read_profile",
]


# -- profiles ---------------------------------------------------------------------------
# The whole profile in one row of one statement: one snapshot with no transaction, and
# SQLite builds each part as JSON (a list newest first, or an object) at C speed. An
# ORDER BY subquery under an aggregate is never flattened, so the lists keep its order.
_LOAD_PROFILE = """
SELECT first_seen, last_seen, visits, page_views, campaign, first_referrer,
    (SELECT json_group_array(item_id) FROM (SELECT item_id FROM lists
        WHERE visitor_id = :v AND list = 'viewed' ORDER BY seq DESC)),
    (SELECT json_group_array(item_id) FROM (SELECT item_id FROM lists
        WHERE visitor_id = :v AND list = 'purchased' ORDER BY seq DESC)),
    (SELECT json_group_array(item_id) FROM (SELECT item_id FROM lists
        WHERE visitor_id = :v AND list = 'oos' ORDER BY seq DESC)),
    (SELECT json_group_object(name, n) FROM counts WHERE visitor_id = :v AND counter = 'views'),
    (SELECT json_group_object(name, n) FROM counts
        WHERE visitor_id = :v AND counter = 'categories'),
    (SELECT json_group_object(name, value) FROM traits WHERE visitor_id = :v),
    (SELECT json_group_object(key, n) FROM caps WHERE visitor_id = :v AND expires > :now)
FROM profiles WHERE visitor_id = :v
"""

# Every SET expression reads the row as it was before the statement, so the visit test and
# the new last_seen do not see each other.
RECORD_VISIT = """
INSERT INTO profiles (visitor_id, first_seen, last_seen, touched, visits, page_views,
                      campaign, first_referrer)
VALUES (:v, :now, :now, :now, 1, 1, :campaign, :referrer)
ON CONFLICT (visitor_id) DO UPDATE SET
    page_views = page_views + 1,
    visits = visits + (last_seen IS NULL OR :now - last_seen > :gap),
    first_seen = coalesce(first_seen, :now),
    last_seen = max(coalesce(last_seen, :now), :now),
    touched = max(coalesce(touched, :now), :now),
    campaign = coalesce(:campaign, campaign),
    first_referrer = coalesce(first_referrer, :referrer)
"""
# ``max(a, NULL)`` is NULL in SQLite, hence coalesce around it.
ENSURE_PROFILE = """
INSERT INTO profiles (visitor_id, touched) VALUES (:v, :now)
ON CONFLICT (visitor_id) DO UPDATE SET
    touched = coalesce(max(touched, excluded.touched), touched, excluded.touched)
"""
_PUSH = """
INSERT INTO lists (visitor_id, list, item_id, seq)
VALUES (:v, :list, :item,
        (SELECT coalesce(max(seq), 0) + 1 FROM lists WHERE visitor_id = :v AND list = :list))
ON CONFLICT (visitor_id, list, item_id) DO UPDATE SET seq = excluded.seq
"""
_TRIM = """
DELETE FROM lists WHERE visitor_id = :v AND list = :list AND seq <= (
    SELECT seq FROM lists WHERE visitor_id = :v AND list = :list
    ORDER BY seq DESC LIMIT 1 OFFSET :bound)
"""
COUNT = """
INSERT INTO counts (visitor_id, counter, name, n) VALUES (:v, :c, :name, :by)
ON CONFLICT (visitor_id, counter, name) DO UPDATE SET n = n + excluded.n
"""
SET_TRAIT = """
INSERT INTO traits (visitor_id, name, value) VALUES (:v, :name, :value)
ON CONFLICT (visitor_id, name) DO UPDATE SET value = excluded.value
"""
INCREMENT_CAP = """
INSERT INTO caps (visitor_id, key, n, expires) VALUES (:v, :key, 1, :now + :ttl)
ON CONFLICT (visitor_id, key) DO UPDATE SET
    n = CASE WHEN expires > :now THEN n + 1 ELSE 1 END,
    expires = CASE WHEN expires > :now THEN expires ELSE excluded.expires END
RETURNING n
"""
# The no-op update makes RETURNING give the visitor already linked.
LINK_PERSON = """
INSERT INTO persons (key_hash, visitor_id) VALUES (?, ?)
ON CONFLICT (key_hash) DO UPDATE SET visitor_id = visitor_id
RETURNING visitor_id
"""
FORGET_PERSONS = "DELETE FROM persons WHERE visitor_id = ?"
FORGET_PROFILE = "DELETE FROM profiles WHERE visitor_id = ?"
PURGE_PERSONS = """
DELETE FROM persons WHERE visitor_id IN (
    SELECT visitor_id FROM profiles WHERE coalesce(last_seen, touched, 0) < :cutoff)
"""
PURGE_PROFILES = "DELETE FROM profiles WHERE coalesce(last_seen, touched, 0) < :cutoff"

# -- merging one profile into another ---------------------------------------------------
_SOURCE_IS_NEWER = """
SELECT coalesce(s.last_seen > t.last_seen, s.last_seen IS NOT NULL)
FROM profiles AS s LEFT JOIN profiles AS t ON t.visitor_id = :t
WHERE s.visitor_id = :s
"""
_MERGE_PROFILE = """
INSERT INTO profiles (visitor_id, first_seen, last_seen, touched, visits, page_views,
                      campaign, first_referrer)
SELECT :t, first_seen, last_seen, touched, visits, page_views, campaign, first_referrer
FROM profiles WHERE visitor_id = :s
ON CONFLICT (visitor_id) DO UPDATE SET
    first_seen = coalesce(min(first_seen, excluded.first_seen), first_seen, excluded.first_seen),
    last_seen = coalesce(max(last_seen, excluded.last_seen), last_seen, excluded.last_seen),
    touched = coalesce(max(touched, excluded.touched), touched, excluded.touched),
    visits = visits + excluded.visits,
    page_views = page_views + excluded.page_views,
    campaign = coalesce(campaign, excluded.campaign),
    first_referrer = coalesce(first_referrer, excluded.first_referrer)
"""
# The source's items are shifted above the target's (source seen more recently) or below
# them; an item in both keeps the newer position.
_MERGE_LIST = """
INSERT INTO lists (visitor_id, list, item_id, seq)
SELECT :t, list, item_id, seq + CASE WHEN :first
    THEN (SELECT coalesce(max(seq), 0) FROM lists WHERE visitor_id = :t AND list = :list)
    ELSE (SELECT coalesce(min(seq), 0) FROM lists WHERE visitor_id = :t AND list = :list)
       - (SELECT coalesce(max(seq), 0) FROM lists WHERE visitor_id = :s AND list = :list) - 1
    END
FROM lists WHERE visitor_id = :s AND list = :list
ON CONFLICT (visitor_id, list, item_id) DO UPDATE SET seq = max(seq, excluded.seq)
"""
_MERGE_REST = (
    """INSERT INTO counts (visitor_id, counter, name, n)
    SELECT :t, counter, name, n FROM counts WHERE visitor_id = :s
    ON CONFLICT (visitor_id, counter, name) DO UPDATE SET n = n + excluded.n""",
    """INSERT INTO traits (visitor_id, name, value)
    SELECT :t, name, value FROM traits WHERE visitor_id = :s
    ON CONFLICT (visitor_id, name) DO NOTHING""",
    """INSERT INTO caps (visitor_id, key, n, expires)
    SELECT :t, key, n, expires FROM caps WHERE visitor_id = :s AND expires > :now
    ON CONFLICT (visitor_id, key) DO UPDATE SET
        n = CASE WHEN expires > :now THEN n + excluded.n ELSE excluded.n END,
        expires = max(expires, excluded.expires)""",
    "UPDATE persons SET visitor_id = :t WHERE visitor_id = :s",
    "DELETE FROM profiles WHERE visitor_id = :s",
)

# -- item statistics and experiments ----------------------------------------------------
COUNT_ITEM = """
INSERT INTO item_counts (kind, item_id, n) VALUES (?, ?, 1)
ON CONFLICT (kind, item_id) DO UPDATE SET n = n + 1
"""
COUNT_PAIR = """
INSERT INTO pairs (kind, a, b, n) VALUES (?, ?, ?, 1)
ON CONFLICT (kind, a, b) DO UPDATE SET n = n + 1
"""
# Per item (in the order given), its top pairs as a JSON object, highest count first.
_NEIGHBOURS = """
SELECT value, (SELECT json_group_object(b, n) FROM (SELECT b, n FROM pairs
    WHERE kind = :kind AND a = value ORDER BY n DESC LIMIT :limit))
FROM json_each(:ids)
"""
# Every item asked for, in order, with 0 for those never counted.
ITEM_COUNTS = """
SELECT value, coalesce((SELECT n FROM item_counts WHERE kind = :kind AND item_id = value), 0)
FROM json_each(:ids)
"""
ADD_TRENDING = """
INSERT INTO trending (item_id, score) VALUES (?, ?)
ON CONFLICT (item_id) DO UPDATE SET score = cheers_log_add(score, excluded.score)
"""
TRENDING = "SELECT item_id, score FROM trending ORDER BY score DESC LIMIT ?"
RECORD_EXPOSURE = """
INSERT INTO exposures (experiment, variant, exposed, converted) VALUES (?, ?, ?, ?)
ON CONFLICT (experiment, variant) DO UPDATE SET
    exposed = exposed + excluded.exposed, converted = converted + excluded.converted
"""
EXPOSURES = "SELECT variant, exposed, converted FROM exposures WHERE experiment = ?"


def json_list(items: Sequence[str]) -> str:
    """A parameter for ``json_each``: a whole list bound as one value."""
    return json.dumps(list(items))


# -- work of several statements ---------------------------------------------------------
# SQLite's JSON has no leading whitespace, so ``raw_decode`` (a third of ``json.loads``).
_JSON = json.JSONDecoder()


def read_profile(conn: sqlite3.Connection, visitor_id: str, *, now: float) -> Profile | None:
    row = conn.execute(_LOAD_PROFILE, {"v": visitor_id, "now": now}).fetchone()
    if row is None:
        return None
    first_seen, last_seen, visits, page_views, campaign, first_referrer = row[:6]
    viewed, purchased, oos, views, categories, traits, caps = (
        _JSON.raw_decode(text)[0] for text in row[6:]
    )
    return Profile(
        visitor_id=visitor_id,
        first_seen=None if first_seen is None else from_micros(first_seen),
        last_seen=None if last_seen is None else from_micros(last_seen),
        visits=visits,
        page_views=page_views,
        viewed=tuple(viewed),
        views=views,
        categories=categories,
        purchased=tuple(purchased),
        traits={name: decode_trait(value) for name, value in traits.items()},
        campaign=None if campaign is None else decode_campaign(campaign),
        first_referrer=first_referrer,
        caps=caps,
        seen_out_of_stock=tuple(oos),
    )


def read_neighbours(
    conn: sqlite3.Connection, kind: str, item_ids: Sequence[str], *, limit: int
) -> dict[str, Mapping[str, float]]:
    """Each item's top ``limit`` pairs; ``item_ids`` must hold no repeats."""
    params = {"kind": kind, "ids": json_list(item_ids), "limit": limit}
    return {
        item_id: {b: float(n) for b, n in _JSON.raw_decode(pairs)[0].items()}
        for item_id, pairs in conn.execute(_NEIGHBOURS, params)
    }


def push(
    conn: sqlite3.Connection, visitor_id: str, *, name: str, items: Sequence[str], bound: int
) -> None:
    """Put ``items`` (in their order) at the front of a list, without repeats, bounded."""
    rows = [{"v": visitor_id, "list": name, "item": item} for item in reversed(unique(items))]
    conn.executemany(_PUSH, rows)
    conn.execute(_TRIM, {"v": visitor_id, "list": name, "bound": bound})


def merge(conn: sqlite3.Connection, ids: Mapping[str, object], *, limits: StoreLimits) -> None:
    """Fold profile ``ids["s"]`` into ``ids["t"]`` (``ids["now"]``: the cap clock's time);
    run it inside a write transaction."""
    row = conn.execute(_SOURCE_IS_NEWER, ids).fetchone()
    if row is None:  # no source profile: nothing to fold in
        return
    conn.execute(_MERGE_PROFILE, ids)
    bounds = {"viewed": limits.recent_items, "purchased": limits.purchased_items}
    for name, bound in {**bounds, "oos": limits.recent_items}.items():
        conn.execute(_MERGE_LIST, {**ids, "list": name, "first": row[0]})
        conn.execute(_TRIM, {"v": ids["t"], "list": name, "bound": bound})
    for statement in _MERGE_REST:
        conn.execute(statement, ids)
