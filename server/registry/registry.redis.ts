import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { defineScripts, script, type Scripts } from "../redis/scripts";
import { byConnectedAt, parseEntry } from "./entry-schema";
import { ADMIT, HEARTBEAT, LIST, RELEASE, REMOVE_INSTANCE_MEMBERS, RENEW, TRANSPORT } from "./scripts";
import {
  GONE_INSTANCE_RETENTION_MS,
  memberOf,
  type AdmitResult,
  type ConnectionEntry,
  type ConnectionRegistry,
  type InstanceInfo,
  type InstanceRecord,
  type MemberRef,
} from "./types";

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

interface QueuedAdmit {
  args: (string | number)[];
  resolve(reply: unknown): void;
  reject(err: unknown): void;
}

/** A pipeline with the scripts defined on its client; `exec` gives one [error, reply] per command. */
type ScriptPipeline = Record<string, ScriptFn> & { exec(): Promise<[Error | null, unknown][] | null> };

/** Per-user scripts take the user's three keys (connections, their details, tabs); the heartbeat takes four. */
const SCRIPTS = {
  pbRegAdmit: script<ScriptFn>(3, ADMIT),
  pbRegRelease: script<ScriptFn>(3, RELEASE),
  pbRegTransport: script<ScriptFn>(3, TRANSPORT),
  pbRegRenew: script<ScriptFn>(3, RENEW),
  pbRegList: script<ScriptFn>(3, LIST),
  pbRegRemoveInstance: script<ScriptFn>(3, REMOVE_INSTANCE_MEMBERS),
  pbRegHeartbeat: script<ScriptFn>(4, HEARTBEAT),
};

function splitMember(member: string): { instanceId: string; connectionId: string } {
  const bar = member.indexOf("|");
  return { instanceId: member.slice(0, bar), connectionId: member.slice(bar + 1) };
}

/**
 * Redis mode: one sorted set per user, admission in one Lua script (see `scripts.ts`). Every instance sees the
 * same registry; nothing is kept in this process, so any number of these can share one Redis.
 */
export class RedisConnectionRegistry implements ConnectionRegistry {
  private readonly cmd: Scripts<typeof SCRIPTS>;
  private readonly indexQueue = new Map<string, number>();
  private indexTimer?: ReturnType<typeof setTimeout>;
  private admitQueue: QueuedAdmit[] = [];
  private admitting = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    readonly leaseMs: number,
  ) {
    this.cmd = defineScripts(redis, SCRIPTS);
  }

  private userKeys(user: string): [string, string, string] {
    const tag = `u:${user}`;
    return [this.keys.key(tag, "conns"), this.keys.key(tag, "info"), this.keys.key(tag, "tabs")];
  }

  private get usersKey(): string {
    return this.keys.key("registry", "users");
  }

  private get instancesKey(): string {
    return this.keys.key("registry", "instances");
  }

  private get instanceInfoKey(): string {
    return this.keys.key("registry", "instance-info");
  }

  private leaseKey(instanceId: string): string {
    return this.keys.key("registry", `lease:${instanceId}`);
  }

  async admit(entry: ConnectionEntry, limit: number): Promise<AdmitResult> {
    const member = memberOf(entry);
    const [admitted, active, replaced, expiry] = (await this.runAdmit([
      ...this.userKeys(entry.user),
      member,
      limit,
      this.leaseMs,
      JSON.stringify(entry),
      entry.clientId ?? "",
    ])) as [number, number, string, number];
    if (admitted !== 1) return { ok: false, active, limit };
    this.indexUser(entry.user, expiry);
    const result: AdmitResult = { ok: true, active, limit };
    if (replaced) result.replaced = { user: entry.user, ...splitMember(replaced) };
    return result;
  }

  /**
   * The admissions asked for within one turn of the event loop, or while the previous ones are in flight (a burst
   * of handshakes), go to Redis together, in one pipeline: one write and one round trip for all of them. Each is still its own ADMIT script, so each is
   * decided atomically against its user's limit, in the order asked. On a Cluster the users' keys are in many
   * slots, which a pipeline cannot span: there each admission goes alone (ioredis groups them per node).
   */
  private runAdmit(args: (string | number)[]): Promise<unknown> {
    if ((this.redis as { isCluster?: boolean }).isCluster) return this.cmd.pbRegAdmit(...args);
    return new Promise((resolve, reject) => {
      this.admitQueue.push({ args, resolve, reject });
      if (!this.admitting) {
        this.admitting = true;
        setImmediate(() => this.flushAdmits());
      }
    });
  }

  /** One pipeline in flight at a time: the admissions asked meanwhile wait for its replies, then go together. */
  private flushAdmits(): void {
    const batch = this.admitQueue;
    this.admitQueue = [];
    if (batch.length === 0) {
      this.admitting = false;
      return;
    }
    if (batch.length === 1) {
      // Alone: no pipeline to build.
      const only = batch[0]!;
      this.cmd
        .pbRegAdmit(...only.args)
        .then(only.resolve, only.reject)
        .finally(() => this.flushAdmits());
      return;
    }
    const pipeline = this.redis.pipeline() as unknown as ScriptPipeline;
    for (const a of batch) void pipeline.pbRegAdmit!(...a.args);
    pipeline
      .exec()
      .then(
        (replies) =>
          batch.forEach((a, i) => {
            const reply = replies?.[i];
            if (!reply) a.reject(new Error("no reply to the admission"));
            else if (reply[0]) a.reject(reply[0]);
            else a.resolve(reply[1]);
          }),
        (err: unknown) => batch.forEach((a) => a.reject(err)),
      )
      .finally(() => this.flushAdmits());
  }

  /**
   * The index of users with entries lives in another slot, so it cannot join the admission script. Updates are
   * batched into one ZADD every few milliseconds, off the connect path; a lost one is repaired by the next
   * heartbeat, which indexes every user this instance holds.
   */
  private indexUser(user: string, expiry: number): void {
    this.indexQueue.set(user, Math.max(expiry, this.indexQueue.get(user) ?? 0));
    if (this.indexTimer) return;
    this.indexTimer = setTimeout(() => this.flushIndex(), 10);
    this.indexTimer.unref();
  }

  private flushIndex(): void {
    clearTimeout(this.indexTimer);
    this.indexTimer = undefined;
    if (this.indexQueue.size === 0) return;
    const args: (string | number)[] = [];
    for (const [user, expiry] of this.indexQueue) args.push(expiry, user);
    this.indexQueue.clear();
    this.redis.zadd(this.usersKey, "GT", ...args).catch(() => undefined);
  }

  /** Every indexed user; pending index updates go first, so this process sees its own admissions. */
  private indexedUsers(): Promise<string[]> {
    this.flushIndex();
    return this.redis.zrange(this.usersKey, 0, "-1");
  }

  async release(ref: MemberRef): Promise<boolean> {
    return (await this.cmd.pbRegRelease(...this.userKeys(ref.user), memberOf(ref))) === 1;
  }

  async updateTransport(ref: MemberRef, transport: string): Promise<void> {
    await this.cmd.pbRegTransport(...this.userKeys(ref.user), memberOf(ref), transport);
  }

  async renew(instance: InstanceInfo, refs: MemberRef[]): Promise<MemberRef[]> {
    const byUser = new Map<string, MemberRef[]>();
    for (const ref of refs) {
      const list = byUser.get(ref.user);
      if (list) list.push(ref);
      else byUser.set(ref.user, [ref]);
    }
    // One script per user (one slot each); ioredis writes them back to back without waiting for replies.
    const replies = await Promise.all(
      [...byUser].map(async ([user, list]) => {
        const [, missing] = (await this.cmd.pbRegRenew(
          ...this.userKeys(user),
          this.leaseMs,
          ...list.map(memberOf),
        )) as [number, string[]];
        return missing.map((m) => ({ user, ...splitMember(m) }));
      }),
    );
    await this.cmd.pbRegHeartbeat(
      this.instancesKey,
      this.instanceInfoKey,
      this.leaseKey(instance.instanceId),
      this.usersKey,
      instance.instanceId,
      this.leaseMs,
      JSON.stringify(instance),
      GONE_INSTANCE_RETENTION_MS,
      ...byUser.keys(),
    );
    return replies.flat();
  }

  async removeInstance(instanceId: string): Promise<void> {
    const users = await this.indexedUsers();
    await Promise.all(
      users.map((user) => this.cmd.pbRegRemoveInstance(...this.userKeys(user), `${instanceId}|`)),
    );
    await Promise.all([
      this.redis.del(this.leaseKey(instanceId)),
      this.redis.zrem(this.instancesKey, instanceId),
      this.redis.hdel(this.instanceInfoKey, instanceId),
    ]);
  }

  async byUser(user: string): Promise<ConnectionEntry[]> {
    const flat = (await this.cmd.pbRegList(...this.userKeys(user))) as string[];
    const entries: ConnectionEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const entry = parseEntry(flat[i + 1]!);
      if (entry) entries.push(entry);
    }
    return entries.sort(byConnectedAt);
  }

  async all(): Promise<ConnectionEntry[]> {
    const users = await this.indexedUsers();
    const lists = await Promise.all(users.map((u) => this.byUser(u)));
    return lists.flat().sort(byConnectedAt);
  }

  async byInstance(instanceId: string): Promise<ConnectionEntry[]> {
    return (await this.all()).filter((e) => e.instanceId === instanceId);
  }

  async count(): Promise<number> {
    return (await this.all()).length;
  }

  async instances(): Promise<InstanceRecord[]> {
    const flat = await this.redis.zrange(this.instancesKey, 0, "-1", "WITHSCORES");
    if (flat.length === 0) return [];
    const ids: string[] = [];
    const beats = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      ids.push(flat[i]!);
      beats.set(flat[i]!, Number(flat[i + 1]));
    }
    const [infos, leases] = await Promise.all([
      this.redis.hmget(this.instanceInfoKey, ...ids),
      this.redis.mget(...ids.map((id) => this.leaseKey(id))),
    ]);
    return ids.map((instanceId, i) => {
      let startedAt = 0;
      try {
        const info = JSON.parse(infos[i] ?? "{}") as Partial<InstanceInfo>;
        startedAt = typeof info.startedAt === "number" ? info.startedAt : 0;
      } catch {
        // A malformed record still lists the instance, without its start time.
      }
      return { instanceId, startedAt, lastHeartbeat: beats.get(instanceId)!, alive: leases[i] !== null };
    });
  }
}
