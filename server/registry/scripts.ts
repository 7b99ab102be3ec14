/**
 * The Redis registry's Lua scripts. Each one touches the keys of one hash tag only (one user's keys, or the
 * registry-wide keys), so each runs atomically in one slot on a single Redis and on a Cluster alike.
 *
 * Per user (tag `u:<name>`):
 * - `conns`: sorted set, member `instanceId|connectionId`, score = lease expiry in ms from Redis `TIME`;
 * - `info`: hash, member -> the entry as JSON;
 * - `tabs`: hash, clientId -> member, so a reconnecting tab finds its previous entry.
 * The sorted set is the truth; `info` and `tabs` follow it. The three keys expire a minute after the latest
 * lease in them, so an idle user leaves nothing behind.
 */

// Shared preamble: the clock, and removal of one member with everything that points at it.
const PREAMBLE = `
local conns, info, tabs = KEYS[1], KEYS[2], KEYS[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function drop(m)
  redis.call('ZREM', conns, m)
  local d = redis.call('HGET', info, m)
  if d then
    local ok, obj = pcall(cjson.decode, d)
    if ok and type(obj) == 'table' and type(obj.clientId) == 'string'
      and redis.call('HGET', tabs, obj.clientId) == m then
      redis.call('HDEL', tabs, obj.clientId)
    end
    redis.call('HDEL', info, m)
  end
end
local function dropExpired()
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', conns, '-inf', now)) do drop(m) end
end
local function keepAlive()
  local top = redis.call('ZRANGE', conns, -1, -1, 'WITHSCORES')
  if top[2] then
    local at = tonumber(top[2]) + 60000
    redis.call('PEXPIREAT', conns, at)
    redis.call('PEXPIREAT', info, at)
    redis.call('PEXPIREAT', tabs, at)
  end
end
`;

/**
 * ARGV: member, limit, leaseMs, entry JSON, clientId ('' when none).
 * Returns {admitted 0|1, active, replaced member or '', lease expiry}.
 *
 * Expired members are dropped first, so a crashed instance's connections never count. A member already there
 * is renewed (a retried admission). The tab's previous member, if still live, is not counted and is replaced,
 * but only once the new one is known to fit: a refusal changes nothing.
 */
export const ADMIT = `${PREAMBLE}
local member, limit, lease, entry, clientId = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local expiry = now + lease
dropExpired()
if redis.call('ZSCORE', conns, member) then
  redis.call('ZADD', conns, 'GT', expiry, member)
  keepAlive()
  return {1, redis.call('ZCARD', conns), '', expiry}
end
local prev = false
if clientId ~= '' then
  prev = redis.call('HGET', tabs, clientId)
  if prev and not redis.call('ZSCORE', conns, prev) then prev = false end
end
local active = redis.call('ZCARD', conns)
if prev then active = active - 1 end
if active >= limit then return {0, active, '', 0} end
if prev then drop(prev) end
redis.call('ZADD', conns, expiry, member)
redis.call('HSET', info, member, entry)
if clientId ~= '' then redis.call('HSET', tabs, clientId, member) end
keepAlive()
return {1, active + 1, prev or '', expiry}
`;

/** ARGV: member. Returns 1 when a live member was removed. */
export const RELEASE = `${PREAMBLE}
local score = redis.call('ZSCORE', conns, ARGV[1])
drop(ARGV[1])
if score and tonumber(score) > now then return 1 end
return 0
`;

/** ARGV: member, transport. Rewrites the entry's transport if the member is still there. */
export const TRANSPORT = `${PREAMBLE}
if not redis.call('ZSCORE', conns, ARGV[1]) then return 0 end
local d = redis.call('HGET', info, ARGV[1])
if not d then return 0 end
local obj = cjson.decode(d)
obj.transport = ARGV[2]
redis.call('HSET', info, ARGV[1], cjson.encode(obj))
return 1
`;

/**
 * ARGV: leaseMs, member... (all of one instance). Extends each member's lease (`ZADD XX GT`: never creates a
 * member, never shortens a lease). Returns {expiry, missing members}.
 */
export const RENEW = `${PREAMBLE}
local expiry = now + tonumber(ARGV[1])
local missing = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', conns, ARGV[i]) then
    redis.call('ZADD', conns, 'XX', 'GT', expiry, ARGV[i])
  else
    table.insert(missing, ARGV[i])
  end
end
keepAlive()
return {expiry, missing}
`;

/** No ARGV. Drops expired members and returns the live ones as {member, entry JSON, ...}. */
export const LIST = `${PREAMBLE}
dropExpired()
local out = {}
for _, m in ipairs(redis.call('ZRANGEBYSCORE', conns, '(' .. now, '+inf')) do
  table.insert(out, m)
  table.insert(out, redis.call('HGET', info, m) or '')
end
return out
`;

/** ARGV: instance prefix (`instanceId|`). Removes every member of that instance. Returns how many. */
export const REMOVE_INSTANCE_MEMBERS = `${PREAMBLE}
local prefix = ARGV[1]
local n = 0
for _, m in ipairs(redis.call('ZRANGE', conns, 0, -1)) do
  if string.sub(m, 1, #prefix) == prefix then
    drop(m)
    n = n + 1
  end
end
return n
`;

/**
 * Registry-wide keys (tag `registry`): KEYS = instances zset (id -> last heartbeat), instance info hash,
 * this instance's lease key, users zset (name -> latest lease expiry).
 * ARGV: instanceId, leaseMs, info JSON, gone-retention ms, user...
 * Records the heartbeat, sets the lease key with its TTL, indexes the users, and prunes what lapsed.
 */
export const HEARTBEAT = `
local instances, infos, leaseKey, users = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, lease, json, retention = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', leaseKey, now, 'PX', lease)
redis.call('ZADD', instances, now, id)
redis.call('HSET', infos, id, json)
for i = 5, #ARGV do redis.call('ZADD', users, 'GT', now + lease, ARGV[i]) end
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', instances, '-inf', now - retention)) do
  redis.call('ZREM', instances, gone)
  redis.call('HDEL', infos, gone)
end
redis.call('ZREMRANGEBYSCORE', users, '-inf', now)
return now
`;
