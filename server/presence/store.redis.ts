import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { script, ScriptedRedisStore } from "../redis/scripts";
import type { PresenceEntry, PresenceStore } from "./store";

// Lease expiries come from Redis TIME, so instances with skewed clocks agree on who has expired.
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: zset (member → expiry), hash (member → json). ARGV: member, json, leaseMs.
const UPSERT = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 4)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]) * 4)
return 1`;

const LIST = `${NOW}
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  redis.call('HDEL', KEYS[2], unpack(expired))
end
local live = redis.call('ZRANGE', KEYS[1], 0, -1)
if #live == 0 then return {} end
return redis.call('HMGET', KEYS[2], unpack(live))`;

// ARGV: leaseMs, member...  XX: only existing members; GT: never shortens a lease.
const RENEW = `${NOW}
local expiry = now + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', 'GT', expiry, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 4)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[1]) * 4)
return 1`;

const SCRIPTS = {
  pbPresenceUpsert: script<
    (z: string, h: string, member: string, json: string, lease: string) => Promise<number>
  >(2, UPSERT),
  pbPresenceList: script<(z: string, h: string) => Promise<(string | null)[]>>(2, LIST),
  pbPresenceRenew: script<(z: string, h: string, lease: string, ...members: string[]) => Promise<number>>(
    2,
    RENEW,
  ),
};

/** Redis mode: per board, a sorted set of connection ids scored by lease expiry, and their details in a hash. */
export class RedisPresenceStore extends ScriptedRedisStore<typeof SCRIPTS> implements PresenceStore {
  constructor(redis: RedisClient, keys: RedisKeys) {
    super(redis, keys, SCRIPTS);
  }

  private k(boardId: string): [string, string] {
    return [this.keys.key(`b:${boardId}`, "presence"), this.keys.key(`b:${boardId}`, "presence:info")];
  }

  async upsert(boardId: string, entry: PresenceEntry, leaseMs: number): Promise<void> {
    await this.scripts.pbPresenceUpsert(
      ...this.k(boardId),
      entry.connectionId,
      JSON.stringify(entry),
      String(leaseMs),
    );
  }

  async remove(boardId: string, connectionId: string): Promise<void> {
    const [z, h] = this.k(boardId);
    await Promise.all([this.redis.zrem(z, connectionId), this.redis.hdel(h, connectionId)]);
  }

  async list(boardId: string): Promise<PresenceEntry[]> {
    const rows = await this.scripts.pbPresenceList(...this.k(boardId));
    return rows.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as PresenceEntry);
  }

  async renew(boardId: string, connectionIds: string[], leaseMs: number): Promise<void> {
    if (connectionIds.length === 0) return;
    await this.scripts.pbPresenceRenew(...this.k(boardId), String(leaseMs), ...connectionIds);
  }
}
