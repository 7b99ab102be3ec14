import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { UserExistsError, type PublicUser, type Role, type UserRecord, type UserStore } from "./user-store";

// Creating the name and the record in one script keeps the name set and the hashes consistent.
const CREATE = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'name', ARGV[1], 'role', ARGV[2], 'passwordHash', ARGV[3], 'createdAt', ARGV[4])
return 1`;

const SET_FIELD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
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
    );
    if (created === 0) throw new UserExistsError(user.name);
  }

  private async setField(name: string, field: string, value: string): Promise<boolean> {
    return (await this.redis.eval(SET_FIELD, 1, this.userKey(name), field, value)) === 1;
  }

  setPassword(name: string, passwordHash: string): Promise<boolean> {
    return this.setField(name, "passwordHash", passwordHash);
  }

  setRole(name: string, role: Role): Promise<boolean> {
    return this.setField(name, "role", role);
  }

  async list(): Promise<PublicUser[]> {
    const names = (await this.redis.smembers(this.namesKey)).sort();
    const users = await Promise.all(names.map((n) => this.get(n)));
    return users
      .filter((u): u is UserRecord => u !== undefined)
      .map(({ passwordHash: _omit, ...rest }) => rest);
  }
}
