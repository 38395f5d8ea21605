"""The SQL of the SQLite store: its schema and one statement per update.

Times are whole microseconds since 1970 (UTC) except ``caps.expires``, which is in seconds
of the store's clock. Lists (``viewed``, ``purchased``, ``oos``) order their items by
``seq``, highest newest. Every child row of a profile goes with it (ON DELETE CASCADE).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

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
    "LOAD_CAPS",
    "LOAD_COUNTS",
    "LOAD_LISTS",
    "LOAD_PROFILE",
    "LOAD_TRAITS",
    "MERGE_LIST",
    "MERGE_PROFILE",
    "MERGE_REST",
    "NEIGHBOURS",
    "PURGE_PERSONS",
    "PURGE_PROFILES",
    "PUSH",
    "RECORD_EXPOSURE",
    "RECORD_VISIT",
    "SCHEMA",
    "SET_TRAIT",
    "SOURCE_IS_NEWER",
    "TRENDING",
    "TRIM",
    "json_list",
]

SCHEMA = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS profiles (
    visitor_id TEXT PRIMARY KEY,
    first_seen INTEGER,
    last_seen INTEGER,
    touched INTEGER,
    visits INTEGER NOT NULL DEFAULT 0,
    page_views INTEGER NOT NULL DEFAULT 0,
    campaign TEXT,
    first_referrer TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS profiles_age ON profiles (coalesce(last_seen, touched, 0));
CREATE TABLE IF NOT EXISTS lists (
    visitor_id TEXT NOT NULL REFERENCES profiles ON DELETE CASCADE,
    list TEXT NOT NULL,
    item_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (visitor_id, list, item_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lists_order ON lists (visitor_id, list, seq);
CREATE TABLE IF NOT EXISTS counts (
    visitor_id TEXT NOT NULL REFERENCES profiles ON DELETE CASCADE,
    counter TEXT NOT NULL,
    name TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (visitor_id, counter, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS traits (
    visitor_id TEXT NOT NULL REFERENCES profiles ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (visitor_id, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS caps (
    visitor_id TEXT NOT NULL REFERENCES profiles ON DELETE CASCADE,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (visitor_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS persons (
    key_hash TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS persons_visitor ON persons (visitor_id);
CREATE TABLE IF NOT EXISTS item_counts (
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (kind, item_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pairs (
    kind TEXT NOT NULL,
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (kind, a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pairs_top ON pairs (kind, a, n DESC);
CREATE TABLE IF NOT EXISTS trending (
    item_id TEXT PRIMARY KEY,
    score REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trending_top ON trending (score DESC);
CREATE TABLE IF NOT EXISTS exposures (
    experiment TEXT NOT NULL,
    variant TEXT NOT NULL,
    exposed INTEGER NOT NULL,
    converted INTEGER NOT NULL,
    PRIMARY KEY (experiment, variant)
) WITHOUT ROWID;
COMMIT;
"""

# -- profiles ---------------------------------------------------------------------------
LOAD_PROFILE = """
SELECT first_seen, last_seen, visits, page_views, campaign, first_referrer
FROM profiles WHERE visitor_id = :v
"""
LOAD_LISTS = "SELECT list, item_id FROM lists WHERE visitor_id = :v ORDER BY list, seq DESC"
LOAD_COUNTS = "SELECT counter, name, n FROM counts WHERE visitor_id = :v"
LOAD_TRAITS = "SELECT name, value FROM traits WHERE visitor_id = :v"
LOAD_CAPS = "SELECT key, n FROM caps WHERE visitor_id = :v AND expires > :now"

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
PUSH = """
INSERT INTO lists (visitor_id, list, item_id, seq)
VALUES (:v, :list, :item,
        (SELECT coalesce(max(seq), 0) + 1 FROM lists WHERE visitor_id = :v AND list = :list))
ON CONFLICT (visitor_id, list, item_id) DO UPDATE SET seq = excluded.seq
"""
TRIM = """
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
SOURCE_IS_NEWER = """
SELECT coalesce(s.last_seen > t.last_seen, s.last_seen IS NOT NULL)
FROM profiles AS s LEFT JOIN profiles AS t ON t.visitor_id = :t
WHERE s.visitor_id = :s
"""
MERGE_PROFILE = """
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
MERGE_LIST = """
INSERT INTO lists (visitor_id, list, item_id, seq)
SELECT :t, list, item_id, seq + CASE WHEN :first
    THEN (SELECT coalesce(max(seq), 0) FROM lists WHERE visitor_id = :t AND list = :list)
    ELSE (SELECT coalesce(min(seq), 0) FROM lists WHERE visitor_id = :t AND list = :list)
       - (SELECT coalesce(max(seq), 0) FROM lists WHERE visitor_id = :s AND list = :list) - 1
    END
FROM lists WHERE visitor_id = :s AND list = :list
ON CONFLICT (visitor_id, list, item_id) DO UPDATE SET seq = max(seq, excluded.seq)
"""
MERGE_REST = (
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
NEIGHBOURS = "SELECT b, n FROM pairs WHERE kind = ? AND a = ? ORDER BY n DESC LIMIT ?"
ITEM_COUNTS = """
SELECT item_id, n FROM item_counts
WHERE kind = :kind AND item_id IN (SELECT value FROM json_each(:ids))
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
