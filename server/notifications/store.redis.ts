import type { NotificationItem } from "@/lib/protocol/notifications";
import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { script, ScriptedRedisStore } from "../redis/scripts";
import { FEED_LENGTH, type NotificationStore } from "./store";

// KEYS: ids (list, newest first), items (hash id → json), unread (set). ARGV: id, json, max.
// Trimming drops the oldest items from all three, so the unread count never counts what the feed forgot.
const ADD = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
while redis.call('LLEN', KEYS[1]) > tonumber(ARGV[3]) do
  local old = redis.call('RPOP', KEYS[1])
  redis.call('HDEL', KEYS[2], old)
  redis.call('SREM', KEYS[3], old)
end
return redis.call('SCARD', KEYS[3])`;

const SCRIPTS = {
  pbFeedAdd: script<
    (ids: string, items: string, unread: string, id: string, json: string, max: string) => Promise<number>
  >(3, ADD),
};

/** Redis mode: per user, under the `u:<name>` hash tag, a list of ids, a hash of items and a set of unread ids. */
export class RedisNotificationStore extends ScriptedRedisStore<typeof SCRIPTS> implements NotificationStore {
  constructor(redis: RedisClient, keys: RedisKeys) {
    super(redis, keys, SCRIPTS);
  }

  private k(user: string, kind: string): string {
    return this.keys.key(`u:${user}`, kind);
  }

  async add(user: string, item: Omit<NotificationItem, "read">): Promise<{ unread: number }> {
    const { read: _ignored, ...stored } = { ...item, read: false };
    const unread = await this.scripts.pbFeedAdd(
      this.k(user, "feed:ids"),
      this.k(user, "feed:items"),
      this.k(user, "feed:unread"),
      item.id,
      JSON.stringify(stored),
      String(FEED_LENGTH),
    );
    return { unread };
  }

  async list(user: string, limit: number): Promise<{ items: NotificationItem[]; unread: number }> {
    const ids = await this.redis.lrange(this.k(user, "feed:ids"), 0, limit - 1);
    if (ids.length === 0) return { items: [], unread: await this.redis.scard(this.k(user, "feed:unread")) };
    const [raw, unreadFlags, unread] = await Promise.all([
      this.redis.hmget(this.k(user, "feed:items"), ...ids),
      this.redis.smismember(this.k(user, "feed:unread"), ...ids),
      this.redis.scard(this.k(user, "feed:unread")),
    ]);
    const items: NotificationItem[] = [];
    raw.forEach((json, i) => {
      if (json)
        items.push({ ...(JSON.parse(json) as Omit<NotificationItem, "read">), read: unreadFlags[i] === 0 });
    });
    return { items, unread };
  }

  async markRead(user: string, ids?: string[]): Promise<{ unread: number }> {
    const key = this.k(user, "feed:unread");
    if (!ids) await this.redis.del(key);
    else if (ids.length) await this.redis.srem(key, ...ids);
    return { unread: await this.redis.scard(key) };
  }
}
