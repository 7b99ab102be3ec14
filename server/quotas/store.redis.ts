import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { script, ScriptedRedisStore } from "../redis/scripts";
import type { QuotaOutcome, QuotaStore } from "./store";

// KEYS: counter. ARGV: amount, limit, windowMs. Returns {admitted, used, pttl}.
const HIT = `
local amount = tonumber(ARGV[1])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local ok = 0
if used + amount <= tonumber(ARGV[2]) then
  used = redis.call('INCRBY', KEYS[1], amount)
  ok = 1
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[3])
  if used > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return {ok, used, ttl}`;

// Lease expiries come from Redis TIME, so instances with skewed clocks agree on what has expired.
const PRUNE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 1, #expired do redis.call('HDEL', KEYS[2], expired[i]) end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
local used = 0
local rows = redis.call('HGETALL', KEYS[2])`;

// KEYS: zset (id → expiry), hash (id → amount). ARGV: id, amount, limit, ttlMs. Returns {admitted, used}.
const RESERVE = `${PRUNE}
for i = 1, #rows, 2 do
  if rows[i] ~= ARGV[1] then used = used + tonumber(rows[i + 1]) end
end
local amount = tonumber(ARGV[2])
if used + amount > tonumber(ARGV[3]) then return {0, used} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], amount)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]) + 1000)
redis.call('PEXPIREAT', KEYS[2], tonumber(last[2]) + 1000)
return {1, used + amount}`;

const USAGE = `${PRUNE}
for i = 2, #rows, 2 do used = used + tonumber(rows[i]) end
return used`;

const SCRIPTS = {
  pbQuotaHit: script<
    (key: string, amount: string, limit: string, windowMs: string) => Promise<[number, number, number]>
  >(1, HIT),
  pbQuotaReserve: script<
    (
      z: string,
      h: string,
      id: string,
      amount: string,
      limit: string,
      ttlMs: string,
    ) => Promise<[number, number]>
  >(2, RESERVE),
  pbQuotaUsage: script<(z: string, h: string) => Promise<number>>(2, USAGE),
};

/** Redis mode: a counter per window, and per lease key a sorted set of expiries beside a hash of amounts. */
export class RedisQuotaStore extends ScriptedRedisStore<typeof SCRIPTS> implements QuotaStore {
  constructor(redis: RedisClient, keys: RedisKeys) {
    super(redis, keys, SCRIPTS);
  }

  private lease(key: string): [string, string] {
    return [this.keys.key(`quota:${key}`, "leases"), this.keys.key(`quota:${key}`, "amounts")];
  }

  async hit(key: string, amount: number, limit: number, windowMs: number): Promise<QuotaOutcome> {
    const [ok, used, ttl] = await this.scripts.pbQuotaHit(
      this.keys.key(`quota:${key}`, "window"),
      String(amount),
      String(limit),
      String(windowMs),
    );
    return { ok: ok === 1, used, retryAfterMs: ttl };
  }

  async reserve(
    key: string,
    id: string,
    amount: number,
    limit: number,
    ttlMs: number,
  ): Promise<QuotaOutcome> {
    const [ok, used] = await this.scripts.pbQuotaReserve(
      ...this.lease(key),
      id,
      String(amount),
      String(limit),
      String(ttlMs),
    );
    return { ok: ok === 1, used };
  }

  async release(key: string, id: string): Promise<void> {
    const [z, h] = this.lease(key);
    await Promise.all([this.redis.zrem(z, id), this.redis.hdel(h, id)]);
  }

  async usage(key: string): Promise<number> {
    return this.scripts.pbQuotaUsage(...this.lease(key));
  }
}
