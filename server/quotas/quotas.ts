import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/protocol/errors";
import type { Config } from "../config/config";
import type { QuotaStore } from "./store";

export type QuotaName =
  | "boards-owned"
  | "stored-bytes"
  | "tasks-concurrent"
  | "tasks-per-minute"
  | "boards-joined"
  | "http-per-minute-user"
  | "http-per-minute-ip";

const MINUTE_MS = 60_000;
/** A creation in flight holds its place this long at most, should its instance die mid-way. */
const PENDING_TTL_MS = 60_000;

export function quotaExceeded(
  quota: QuotaName,
  message: string,
  details: { limit: number; used: number; retryAfterMs?: number; unit?: "bytes" },
): AppError {
  return new AppError("QUOTA_EXCEEDED", message, { quota, ...details });
}

export interface QuotasDeps {
  store: QuotaStore;
  limits: Config["quotas"];
}

/**
 * Every per-user quota, checked where the work is admitted. Counters live in the store (Redis in Redis mode), so
 * they hold across instances; each check counts atomically. A refusal is `QUOTA_EXCEEDED` for that user only.
 */
export class Quotas {
  constructor(private readonly deps: QuotasDeps) {}

  get limits(): Config["quotas"] {
    return this.deps.limits;
  }

  /** One HTTP request to the server's own routes: per address, then per signed-in user. */
  async httpRequest(address: string, user: string | undefined): Promise<void> {
    const { httpPerMinutePerIp, httpPerMinutePerUser } = this.deps.limits;
    const byIp = await this.deps.store.hit(`http-ip:${address}`, 1, httpPerMinutePerIp, MINUTE_MS);
    if (!byIp.ok) {
      throw quotaExceeded("http-per-minute-ip", "too many requests from this address; wait a minute", {
        limit: httpPerMinutePerIp,
        used: byIp.used,
        retryAfterMs: byIp.retryAfterMs,
      });
    }
    if (user === undefined) return;
    const byUser = await this.deps.store.hit(`http-user:${user}`, 1, httpPerMinutePerUser, MINUTE_MS);
    if (!byUser.ok) {
      throw quotaExceeded("http-per-minute-user", "too many requests from this account; wait a minute", {
        limit: httpPerMinutePerUser,
        used: byUser.used,
        retryAfterMs: byUser.retryAfterMs,
      });
    }
  }

  /** One task submitted (started, retried or uploaded). */
  async taskSubmitted(user: string): Promise<void> {
    const limit = this.deps.limits.tasksPerMinutePerUser;
    const r = await this.deps.store.hit(`tasks-min:${user}`, 1, limit, MINUTE_MS);
    if (!r.ok) {
      throw quotaExceeded("tasks-per-minute", `at most ${limit} tasks a minute; wait a little`, {
        limit,
        used: r.used,
        retryAfterMs: r.retryAfterMs,
      });
    }
  }

  /**
   * Runs `create` unless what the user already has (`count`, read from the real records) plus the creations in
   * flight on every instance reaches the limit. Each creation holds a place while it runs and counts itself only
   * after taking it, so concurrent creations never exceed the limit (near it, one may be refused that a strictly
   * serial order would have admitted).
   */
  async admitCreation<T>(
    user: string,
    quota: "boards-owned" | "tasks-concurrent",
    count: () => Promise<number>,
    create: () => Promise<T>,
  ): Promise<T> {
    const limit =
      quota === "boards-owned" ? this.deps.limits.boardsPerUser : this.deps.limits.tasksConcurrentPerUser;
    const key = `pending:${quota}:${user}`;
    const id = randomUUID();
    const refuse = (used: number) =>
      quotaExceeded(
        quota,
        quota === "boards-owned"
          ? `you own ${limit} boards, the most allowed; delete one first`
          : `you have ${limit} tasks running or queued, the most allowed; wait for one to finish`,
        { limit, used },
      );
    const pending = await this.deps.store.reserve(key, id, 1, limit, PENDING_TTL_MS);
    if (!pending.ok) throw refuse(pending.used);
    try {
      const have = await count();
      if (have + pending.used > limit) throw refuse(have);
      return await create();
    } finally {
      await this.deps.store.release(key, id);
    }
  }

  /** Counts `bytes` kept under `id` (a blob key) for `ttlMs` against the user's storage. */
  async reserveBytes(user: string, id: string, bytes: number, ttlMs: number): Promise<void> {
    const limit = this.deps.limits.storedBytesPerUser;
    const r = await this.deps.store.reserve(`bytes:${user}`, id, bytes, limit, ttlMs);
    if (!r.ok) {
      throw quotaExceeded(
        "stored-bytes",
        `this would keep ${r.used + bytes} bytes of your uploads and exports, over the ${limit} allowed; wait for imports to finish or exports to expire`,
        { limit, used: r.used, unit: "bytes" },
      );
    }
  }

  releaseBytes(user: string, id: string): Promise<void> {
    return this.deps.store.release(`bytes:${user}`, id);
  }

  /** Refuses work that would store more when the user's storage is already full (exports, before they run). */
  async checkBytesLeft(user: string): Promise<void> {
    const limit = this.deps.limits.storedBytesPerUser;
    const used = await this.deps.store.usage(`bytes:${user}`);
    if (used >= limit) {
      throw quotaExceeded(
        "stored-bytes",
        "your uploads and exports fill your storage; wait for them to expire",
        {
          limit,
          used,
          unit: "bytes",
        },
      );
    }
  }

  /** A socket joining one more board, when it already views `joined` others. Local: a socket lives on one instance. */
  checkBoardsJoined(joined: number): void {
    const limit = this.deps.limits.boardsJoinedPerSocket;
    if (joined >= limit) {
      throw quotaExceeded("boards-joined", `one connection can view at most ${limit} boards at once`, {
        limit,
        used: joined,
      });
    }
  }
}
