import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { MAX_TOKENS_PER_USER, TooManyTokensError, type TokenRecord, type TokenStore } from "./token-store";

// KEYS: owner set, token hash. ARGV: id, name, owner, createdAt, expiresAt, now, max per owner.
// The owner's set is pruned of ids whose hash expired before counting, so the cap counts live tokens only.
const CREATE = `
local ids = redis.call('SMEMBERS', KEYS[1])
local live = 0
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[8] .. id) == 1 then live = live + 1 else redis.call('SREM', KEYS[1], id) end
end
if live >= tonumber(ARGV[7]) then return 0 end
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'name', ARGV[2], 'owner', ARGV[3], 'createdAt', ARGV[4], 'expiresAt', ARGV[5])
redis.call('PEXPIREAT', KEYS[2], ARGV[5])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], math.max(tonumber(ARGV[5]), tonumber(redis.call('PEXPIRETIME', KEYS[1]))))
return 1`;

// Only an existing token records its use; HSET alone would resurrect a revoked one.
const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastUsedAt') or '0')
if tonumber(ARGV[1]) > last then redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1]) end
return 1`;

/**
 * Redis mode: one hash per token that expires with it (PEXPIREAT), and a set of ids per owner, all under the
 * `{tokens}` hash tag so that the scripts work on a Cluster.
 */
export class RedisTokenStore implements TokenStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly now: () => number = Date.now,
  ) {}

  private tokenKey(id: string): string {
    return this.keys.key("tokens", `t:${id}`);
  }

  private ownerKey(owner: string): string {
    return this.keys.key("tokens", `o:${owner}`);
  }

  async create(record: TokenRecord): Promise<void> {
    const created = await this.redis.eval(
      CREATE,
      2,
      this.ownerKey(record.owner),
      this.tokenKey(record.id),
      record.id,
      record.name,
      record.owner,
      String(record.createdAt),
      String(record.expiresAt),
      String(this.now()),
      String(MAX_TOKENS_PER_USER),
      this.tokenKey(""),
    );
    if (created === 0) throw new TooManyTokensError();
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const h = await this.redis.hgetall(this.tokenKey(id));
    if (!h.id || !h.owner) return undefined;
    const record: TokenRecord = {
      id: h.id,
      name: h.name ?? "",
      owner: h.owner,
      createdAt: Number(h.createdAt),
      expiresAt: Number(h.expiresAt),
      lastUsedAt: h.lastUsedAt ? Number(h.lastUsedAt) : null,
    };
    return record.expiresAt > this.now() ? record : undefined;
  }

  async listFor(owner: string): Promise<TokenRecord[]> {
    const ids = await this.redis.smembers(this.ownerKey(owner));
    const records = await Promise.all(ids.map((id) => this.get(id)));
    const gone = ids.filter((_, i) => !records[i]);
    if (gone.length > 0) await this.redis.srem(this.ownerKey(owner), ...gone);
    return records
      .filter((t): t is TokenRecord => t !== undefined && t.owner === owner)
      .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  }

  async revoke(id: string): Promise<TokenRecord | undefined> {
    const record = await this.get(id);
    const deleted = await this.redis.del(this.tokenKey(id));
    if (record) await this.redis.srem(this.ownerKey(record.owner), id);
    return deleted === 1 ? record : undefined;
  }

  async revokeAllFor(owner: string): Promise<number> {
    const ids = await this.redis.smembers(this.ownerKey(owner));
    if (ids.length === 0) return 0;
    // One key per call: on a Cluster the keys share a slot, but a plain DEL of many keys is kept simple.
    const deleted = await Promise.all(ids.map((id) => this.redis.del(this.tokenKey(id))));
    await this.redis.del(this.ownerKey(owner));
    return deleted.filter((d) => d === 1).length;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.redis.eval(TOUCH, 1, this.tokenKey(id), String(at));
  }
}
