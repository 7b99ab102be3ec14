import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import {
  UserExistsError,
  toPublicUser,
  type PublicUser,
  type Role,
  type UserRecord,
  type UserStore,
} from "./user-store";

// Creating the name and the record in one script keeps the name set and the hashes consistent.
const CREATE = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'name', ARGV[1], 'role', ARGV[2], 'passwordHash', ARGV[3], 'createdAt', ARGV[4], 'epoch', ARGV[5])
return 1`;

// ARGV: field, value, whether the epoch moves: 'always', 'if-changed', or 'never' with ARGV[4] the expected value.
const SET_FIELD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[3] == 'never' then
  if current ~= ARGV[4] then return 0 end
elseif ARGV[3] == 'always' or current ~= ARGV[2] then
  redis.call('HINCRBY', KEYS[1], 'epoch', 1)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

const REMOVE = `
if redis.call('DEL', KEYS[2]) == 0 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
return 1`;

/** Redis mode: a set of names and one hash per user, all under the `{users}` hash tag. */
export class RedisUserStore implements UserStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private userKey(name: string): string {
    return this.keys.key("users", `u:${name}`);
  }

  private get namesKey(): string {
    return this.keys.key("users", "names");
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const h = await this.redis.hgetall(this.userKey(name));
    if (!h.name || !h.passwordHash) return undefined;
    return {
      name: h.name,
      role: h.role === "admin" ? "admin" : "user",
      passwordHash: h.passwordHash,
      createdAt: Number(h.createdAt),
      epoch: Number(h.epoch ?? 0) || 0,
    };
  }

  async create(user: UserRecord): Promise<void> {
    const created = await this.redis.eval(
      CREATE,
      2,
      this.namesKey,
      this.userKey(user.name),
      user.name,
      user.role,
      user.passwordHash,
      String(user.createdAt),
      String(user.epoch ?? 0),
    );
    if (created === 0) throw new UserExistsError(user.name);
  }

  private async setField(
    name: string,
    field: string,
    value: string,
    epoch: "always" | "if-changed" | "never",
    expected = "",
  ): Promise<boolean> {
    return (await this.redis.eval(SET_FIELD, 1, this.userKey(name), field, value, epoch, expected)) === 1;
  }

  setPassword(name: string, passwordHash: string): Promise<boolean> {
    return this.setField(name, "passwordHash", passwordHash, "always");
  }

  setRole(name: string, role: Role): Promise<boolean> {
    return this.setField(name, "role", role, "if-changed");
  }

  upgradePasswordHash(name: string, expected: string, passwordHash: string): Promise<boolean> {
    return this.setField(name, "passwordHash", passwordHash, "never", expected);
  }

  async remove(name: string): Promise<boolean> {
    return (await this.redis.eval(REMOVE, 2, this.namesKey, this.userKey(name), name)) === 1;
  }

  async list(): Promise<PublicUser[]> {
    const names = (await this.redis.smembers(this.namesKey)).sort();
    const users = await Promise.all(names.map((n) => this.get(n)));
    return users.filter((u): u is UserRecord => u !== undefined).map(toPublicUser);
  }
}
