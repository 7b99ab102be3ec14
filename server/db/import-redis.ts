import type { BoardDoc } from "@/lib/boards/types";
import type { CommittedOp } from "@/lib/protocol/boards";
import type { NotificationItem } from "@/lib/protocol/notifications";
import type { TaskInfo, TaskRequest, TaskResult } from "@/lib/protocol/tasks";
import type { TokenRecord } from "../auth/token-store";
import type { UserRecord } from "../auth/user-store";
import type { RedisClient } from "../redis/connection";
import { RedisKeys } from "../redis/keys";
import { taskOfJob, type JobData } from "../tasks/queue.bullmq";
import type { TaskRecord } from "../tasks/records.sql";
import type { ImportSource } from "./import-files";

/**
 * A Redis database written by the previous version, which kept its system of record in Redis, read as an import
 * source (`importLegacyData`). Read only: it runs SCAN, GET and the like, never a write. The key layout, every key
 * `${prefix}:{${tag}}:${kind}` (`RedisKeys`):
 *
 * - users: `{users}:names` (set of names), `{users}:u:<name>` (hash: name, role, passwordHash, createdAt, epoch)
 * - API tokens: `{tokens}:t:<id>` (hash: id, name, owner, createdAt, expiresAt, lastUsedAt; expires with the token)
 * - boards: `{b:<id>}:doc` (hash: rev, json = the `BoardDoc`), `{b:<id>}:log` (stream, entry id `<rev>-1`, field
 *   `e` = the `CommittedOp`, about the last 1,000), `{b:<id>}:op:<opId>` (the `CommittedOp`, kept a day)
 * - notifications: `{u:<user>}:feed:ids` (list, newest first), `{u:<user>}:feed:items` (hash id → item without
 *   `read`), `{u:<user>}:feed:unread` (set of ids)
 * - connection limits: `{limits}:config` (hash: `default`, `u:<user>`)
 * - task files: `{blob:<key>}:data` (the bytes, expiring with the file)
 * - seed marks: `{seed}:<name>` ("1")
 * - tasks: BullMQ's queue `tasks` under the prefix `${prefix}:{tasks}` (a hash per job `{tasks}:tasks:<id>`, its
 *   state by the lists and sorted sets `wait`, `active`, `delayed`, `prioritized`, `completed`, `failed`), and
 *   `{tasks}:cancelled:<id>` (a task cancelled before it ran: its `TaskInfo` with its `request`)
 */
export function redisSource(redis: RedisClient, prefix: string, name: string): ImportSource {
  const keys = new RedisKeys(prefix);
  const now = Date.now;
  const jobKey = (kind: string) => `${prefix}:{tasks}:tasks:${kind}`;

  /** Every key matching `pattern` (SCAN, so that a big database is never blocked). */
  async function scan(pattern: string): Promise<string[]> {
    const found = new Set<string>();
    let cursor = "0";
    do {
      const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      for (const key of batch) found.add(key);
      cursor = next;
    } while (cursor !== "0");
    return [...found].sort();
  }

  /** The part of each key in `found` between `before` and `after`. */
  const between = (found: string[], before: string, after: string) =>
    found
      .filter((k) => k.startsWith(before) && k.endsWith(after) && k.length > before.length + after.length)
      .map((k) => k.slice(before.length, k.length - after.length));

  /** A glob pattern that matches `text` literally. */
  const literal = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

  async function jobState(id: string): Promise<string> {
    if ((await redis.zscore(jobKey("completed"), id)) !== null) return "completed";
    if ((await redis.zscore(jobKey("failed"), id)) !== null) return "failed";
    if ((await redis.lpos(jobKey("active"), id)) !== null) return "active";
    return "waiting";
  }

  function json<T>(raw: string | undefined): T | undefined {
    if (raw === undefined || raw === "") return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return undefined;
    }
  }

  async function jobTask(id: string): Promise<TaskRecord | undefined> {
    const h = await redis.hgetall(jobKey(id));
    const data = json<JobData>(h.data);
    if (!data?.request || !data.owner) return undefined;
    const progress = json<unknown>(h.progress) ?? 0;
    const task = taskOfJob(
      {
        id,
        data,
        progress: typeof progress === "object" ? (progress as object) : Number(progress) || 0,
        attemptsMade: Number(h.atm ?? 0) || 0,
        attemptsStarted: Number(h.ats ?? 0) || 0,
        timestamp: Number(h.timestamp),
        finishedOn: h.finishedOn ? Number(h.finishedOn) : undefined,
        processedOn: h.processedOn ? Number(h.processedOn) : undefined,
        failedReason: h.failedReason ?? "",
        returnvalue: json<TaskResult>(h.returnvalue) as TaskResult,
        opts: { attempts: json<{ attempts?: number }>(h.opts)?.attempts },
      },
      await jobState(id),
    );
    return { task, request: data.request };
  }

  return {
    name,
    marks: `import.redis.${prefix}.`,

    async users() {
      const names = (await redis.smembers(keys.key("users", "names"))).sort();
      const users: UserRecord[] = [];
      for (const n of names) {
        const h = await redis.hgetall(keys.key("users", `u:${n}`));
        if (!h.name || !h.passwordHash) continue;
        users.push({
          name: h.name,
          role: h.role === "admin" ? "admin" : "user",
          passwordHash: h.passwordHash,
          createdAt: Number(h.createdAt),
          epoch: Number(h.epoch ?? 0) || 0,
        });
      }
      return users;
    },

    async tokens() {
      const before = keys.key("tokens", "t:");
      const tokens: TokenRecord[] = [];
      for (const id of between(await scan(`${literal(before)}*`), before, "")) {
        const h = await redis.hgetall(before + id);
        if (!h.id || !h.owner) continue;
        tokens.push({
          id: h.id,
          name: h.name ?? "",
          owner: h.owner,
          createdAt: Number(h.createdAt),
          expiresAt: Number(h.expiresAt),
          lastUsedAt: h.lastUsedAt ? Number(h.lastUsedAt) : null,
        });
      }
      return tokens;
    },

    async feeds() {
      const before = `${prefix}:{u:`;
      const feeds: [string, NotificationItem[]][] = [];
      for (const user of between(await scan(`${literal(before)}*}:feed:ids`), before, "}:feed:ids")) {
        const k = (kind: string) => keys.key(`u:${user}`, kind);
        const ids = await redis.lrange(k("feed:ids"), 0, -1);
        if (ids.length === 0) continue;
        const [raw, unread] = await Promise.all([
          redis.hmget(k("feed:items"), ...ids),
          redis.smismember(k("feed:unread"), ...ids),
        ]);
        const items: NotificationItem[] = [];
        raw.forEach((item, i) => {
          const stored = json<Omit<NotificationItem, "read">>(item ?? undefined);
          if (stored) items.push({ ...stored, read: unread[i] === 0 });
        });
        feeds.push([user, items]);
      }
      return feeds;
    },

    async limits() {
      const all = await redis.hgetall(keys.key("limits", "config"));
      if (Object.keys(all).length === 0) return undefined;
      const users = Object.entries(all)
        .filter(([field]) => field.startsWith("u:"))
        .map(([field, raw]): [string, number] => [field.slice(2), Number(raw)])
        .filter(([, n]) => Number.isInteger(n) && n > 0);
      const def = all.default === undefined ? undefined : Number(all.default);
      return { default: Number.isInteger(def) ? def : undefined, users };
    },

    async fileKeys() {
      const before = `${prefix}:{blob:`;
      return between(await scan(`${literal(before)}*}:data`), before, "}:data");
    },

    async file(key) {
      const k = keys.key(`blob:${key}`, "data");
      const [data, ttl] = await Promise.all([redis.getBuffer(k), redis.pttl(k)]);
      // Every file was written with an expiry; one without is kept a day.
      return data ? { data, expiresAt: now() + (ttl > 0 ? ttl : 24 * 3600_000) } : undefined;
    },

    async tasks() {
      const records: TaskRecord[] = [];
      const before = jobKey("");
      for (const id of between(await scan(`${literal(before)}*`), before, "")) {
        if (!/^[0-9a-f]{32}$/.test(id)) continue;
        const record = await jobTask(id);
        if (record) records.push(record);
      }
      const cancelled = keys.key("tasks", "cancelled:");
      for (const id of between(await scan(`${literal(cancelled)}*`), cancelled, "")) {
        const stored = json<TaskInfo & { request: TaskRequest }>(
          (await redis.get(cancelled + id)) ?? undefined,
        );
        if (!stored?.request || records.some((r) => r.task.id === stored.id)) continue;
        const { request, ...task } = stored;
        records.push({ task, request });
      }
      return records;
    },

    async seeds() {
      const before = keys.key("seed", "");
      return between(await scan(`${literal(before)}*`), before, "").map((n): [string, string] => [n, ""]);
    },

    async boardIds() {
      const before = `${prefix}:{b:`;
      return between(await scan(`${literal(before)}*}:doc`), before, "}:doc");
    },

    async board(id) {
      const k = (kind: string) => keys.key(`b:${id}`, kind);
      const doc = json<BoardDoc>((await redis.hget(k("doc"), "json")) ?? undefined);
      if (!doc?.id || typeof doc.rev !== "number") return undefined;
      const log: CommittedOp[] = [];
      for (const [, fields] of await redis.xrange(k("log"), "-", "+")) {
        const entry = json<CommittedOp>(fields[fields.indexOf("e") + 1]);
        if (entry) log.push(entry);
      }
      const opKeys = await scan(`${literal(k("op:"))}*`);
      const opIds: [string, CommittedOp][] = [];
      for (const key of opKeys) {
        const entry = json<CommittedOp>((await redis.get(key)) ?? undefined);
        if (entry) opIds.push([entry.opId, entry]);
      }
      return { doc, log, opIds };
    },
  };
}
