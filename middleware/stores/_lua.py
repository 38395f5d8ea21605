"""The Lua scripts of the Redis store: each visitor update runs as one atomic script.

Every visitor script gets the visitor's keys, in the order of ``VISITOR_PARTS``, as
``KEYS`` (they share one hash tag, so a cluster keeps them on one slot) and ``ARGV[1]`` is
the retention in milliseconds: ``keep`` refreshes every key's TTL to it. Times are strings
of whole microseconds (UTC), compared with ``tonumber`` (exact below 2**53) and stored as
given, never re-formatted by Lua.
"""

from __future__ import annotations

__all__ = [
    "ADD_TRENDING",
    "INCREMENT_CAP",
    "LOAD",
    "MERGE",
    "RECORD_PURCHASE",
    "RECORD_VIEW",
    "RECORD_VISIT",
    "REPOINT",
    "SET_TRAITS",
    "UNLINK",
    "VISITOR_PARTS",
]

#: KEYS[1] .. KEYS[10] of every visitor script.
VISITOR_PARTS = (
    "p",  # hash: first_seen, last_seen, visits, page_views, campaign, first_referrer
    "viewed",  # list, newest first
    "views",  # hash item -> count
    "cats",  # hash category -> count
    "purchased",  # list, newest first
    "traits",  # hash name -> JSON value
    "oos",  # list: seen out of stock, newest first
    "caps",  # hash key -> count
    "capx",  # hash key -> window end (ms of the store's clock)
    "persons",  # set of person key hashes linked to this visitor
)

_HELPERS = """
local function keep(ttl)
  redis.call('HSETNX', KEYS[1], 'visits', 0)
  redis.call('HSETNX', KEYS[1], 'page_views', 0)
  for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ttl) end
end
local function push(key, item, bound)
  redis.call('LREM', key, 0, item)
  redis.call('LPUSH', key, item)
  redis.call('LTRIM', key, 0, bound - 1)
end
"""

# ARGV: ttl, now, session gap (µs), campaign JSON or '', referrer or ''
RECORD_VISIT = (
    _HELPERS
    + """
local p, now = KEYS[1], ARGV[2]
local last = redis.call('HGET', p, 'last_seen')
redis.call('HINCRBY', p, 'page_views', 1)
if not last or tonumber(now) - tonumber(last) > tonumber(ARGV[3]) then
  redis.call('HINCRBY', p, 'visits', 1)
end
if not last or tonumber(now) > tonumber(last) then redis.call('HSET', p, 'last_seen', now) end
redis.call('HSETNX', p, 'first_seen', now)
if ARGV[4] ~= '' then redis.call('HSET', p, 'campaign', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSETNX', p, 'first_referrer', ARGV[5]) end
keep(ARGV[1])
"""
)

# ARGV: ttl, item, bound, has category '1'/'0', category, in stock '1'/'0'
RECORD_VIEW = (
    _HELPERS
    + """
local bound = tonumber(ARGV[3])
push(KEYS[2], ARGV[2], bound)
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[4], ARGV[5], 1) end
if ARGV[6] == '0' then push(KEYS[7], ARGV[2], bound) end
keep(ARGV[1])
"""
)

# ARGV: ttl, bound, items oldest first
RECORD_PURCHASE = (
    _HELPERS
    + """
for i = 3, #ARGV do push(KEYS[5], ARGV[i], tonumber(ARGV[2])) end
keep(ARGV[1])
"""
)

# ARGV: ttl, name, value, name, value, ...
SET_TRAITS = (
    _HELPERS
    + """
if #ARGV > 1 then redis.call('HSET', KEYS[6], unpack(ARGV, 2)) end
keep(ARGV[1])
"""
)

# ARGV: ttl, key, now (ms), end of a new window (ms). Returns the new count.
INCREMENT_CAP = (
    _HELPERS
    + """
local ends = tonumber(redis.call('HGET', KEYS[9], ARGV[2]))
local n = 1
if ends and ends > tonumber(ARGV[3]) then
  n = redis.call('HINCRBY', KEYS[8], ARGV[2], 1)
else
  redis.call('HSET', KEYS[8], ARGV[2], 1)
  redis.call('HSET', KEYS[9], ARGV[2], ARGV[4])
end
keep(ARGV[1])
return n
"""
)

# ARGV: now (ms), take '1'/'0'. Returns {exists, p, viewed, views, cats, purchased, traits,
# oos, live caps as key/count/end triples[, persons]}; taking also deletes the visitor.
LOAD = """
local caps = {}
local raw = redis.call('HGETALL', KEYS[8])
for i = 1, #raw, 2 do
  local ends = redis.call('HGET', KEYS[9], raw[i])
  if ends and tonumber(ends) > tonumber(ARGV[1]) then
    caps[#caps + 1] = raw[i]; caps[#caps + 1] = raw[i + 1]; caps[#caps + 1] = ends
  end
end
local result = {
  redis.call('EXISTS', KEYS[1]), redis.call('HGETALL', KEYS[1]),
  redis.call('LRANGE', KEYS[2], 0, -1), redis.call('HGETALL', KEYS[3]),
  redis.call('HGETALL', KEYS[4]), redis.call('LRANGE', KEYS[5], 0, -1),
  redis.call('HGETALL', KEYS[6]), redis.call('LRANGE', KEYS[7], 0, -1), caps}
if ARGV[2] == '1' then
  result[#result + 1] = redis.call('SMEMBERS', KEYS[10])
  redis.call('DEL', unpack(KEYS))
end
return result
"""

# ARGV: ttl, JSON of the source (see RedisStore._payload), now (ms), recent bound,
# purchased bound. Folds a taken source profile into the target's keys.
MERGE = (
    _HELPERS
    + """
local d = cjson.decode(ARGV[2])
local p, now = KEYS[1], tonumber(ARGV[3])
local function given(v) return v ~= nil and v ~= cjson.null end
local function merge(key, items, first, bound)
  if first then
    for i = #items, 1, -1 do
      redis.call('LREM', key, 0, items[i])
      redis.call('LPUSH', key, items[i])
    end
  else
    for i = 1, #items do
      if not redis.call('LPOS', key, items[i]) then redis.call('RPUSH', key, items[i]) end
    end
  end
  redis.call('LTRIM', key, 0, bound - 1)
end
local last = redis.call('HGET', p, 'last_seen')
local first = given(d.last_seen) and (not last or tonumber(d.last_seen) > tonumber(last))
if first then redis.call('HSET', p, 'last_seen', d.last_seen) end
local since = redis.call('HGET', p, 'first_seen')
if given(d.first_seen) and (not since or tonumber(d.first_seen) < tonumber(since)) then
  redis.call('HSET', p, 'first_seen', d.first_seen)
end
redis.call('HINCRBY', p, 'visits', d.visits)
redis.call('HINCRBY', p, 'page_views', d.page_views)
if given(d.campaign) then redis.call('HSETNX', p, 'campaign', d.campaign) end
if given(d.first_referrer) then redis.call('HSETNX', p, 'first_referrer', d.first_referrer) end
for k, v in pairs(d.views) do redis.call('HINCRBY', KEYS[3], k, v) end
for k, v in pairs(d.cats) do redis.call('HINCRBY', KEYS[4], k, v) end
for k, v in pairs(d.traits) do redis.call('HSETNX', KEYS[6], k, v) end
merge(KEYS[2], d.viewed, first, tonumber(ARGV[4]))
merge(KEYS[5], d.purchased, first, tonumber(ARGV[5]))
merge(KEYS[7], d.oos, first, tonumber(ARGV[4]))
for _, c in ipairs(d.caps) do
  local ends = tonumber(redis.call('HGET', KEYS[9], c[1]))
  if ends and ends > now then
    redis.call('HINCRBY', KEYS[8], c[1], c[2])
    if tonumber(c[3]) > ends then redis.call('HSET', KEYS[9], c[1], c[3]) end
  else
    redis.call('HSET', KEYS[8], c[1], c[2])
    redis.call('HSET', KEYS[9], c[1], c[3])
  end
end
for _, h in ipairs(d.persons) do redis.call('SADD', KEYS[10], h) end
keep(ARGV[1])
"""
)

# KEYS: a person link. ARGV: source, target, ttl. Moves the link only if it is the source's.
REPOINT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
"""

# KEYS: a person link. ARGV: visitor. Deletes the link only if it points at the visitor.
UNLINK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: the trending sorted set. ARGV: item, log2 of the event's forward-decayed weight.
# Scores are log2 of the decayed sum, added in log space so nothing overflows.
ADD_TRENDING = """
local x = tonumber(ARGV[2])
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
if old then
  old = tonumber(old)
  local high, low = math.max(old, x), math.min(old, x)
  x = high + math.log(1 + 2 ^ (low - high)) / math.log(2)
end
redis.call('ZADD', KEYS[1], x, ARGV[1])
"""
