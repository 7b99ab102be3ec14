import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { limitSettings, storedLimit, type LimitSettings, type LimitStore } from "./limits";

const USER_FIELD = "u:";

/**
 * Redis mode: one hash under the `{limits}` tag, field `default` and one field per override. An admission reads
 * the default and the user's override with one HMGET, so a change made on any instance applies at once.
 */
export class RedisLimitStore implements LimitStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly configDefault: number,
  ) {}

  private get key(): string {
    return this.keys.key("limits", "config");
  }

  async limitFor(user: string): Promise<number> {
    const [def, own] = await this.redis.hmget(this.key, "default", USER_FIELD + user);
    return storedLimit(own) ?? storedLimit(def) ?? this.configDefault;
  }

  async settings(): Promise<LimitSettings> {
    const all = await this.redis.hgetall(this.key);
    const users = Object.entries(all)
      .filter(([field]) => field.startsWith(USER_FIELD))
      .map(([field, raw]): [string, string] => [field.slice(USER_FIELD.length), raw]);
    return limitSettings(this.configDefault, all.default, users);
  }

  async setDefault(limit: number | null): Promise<void> {
    if (limit === null) await this.redis.hdel(this.key, "default");
    else await this.redis.hset(this.key, "default", String(limit));
  }

  async setUser(user: string, limit: number | null): Promise<void> {
    if (limit === null) await this.redis.hdel(this.key, USER_FIELD + user);
    else await this.redis.hset(this.key, USER_FIELD + user, String(limit));
  }
}
