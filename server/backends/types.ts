import type { ServerOptions } from "socket.io";
import type { AuditLog } from "../audit/audit-log";
import type { TokenStore } from "../auth/token-store";
import type { UserStore } from "../auth/user-store";
import type { BoardStore } from "../boards/store";
import type { SqlDatabase } from "../db/open";
import type { SeedMarks } from "../demo/seeds";
import type { SnapshotTransport } from "../metrics/transport";
import type { NotificationStore } from "../notifications/store";
import type { PresenceStore } from "../presence/store";
import type { QuotaStore } from "../quotas/store";
import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import type { LimitStore } from "../registry/limits";
import type { ConnectionRegistry } from "../registry/types";
import type { BlobStore } from "../tasks/blobs";
import type { TaskListener, TaskQueue } from "../tasks/queue";

export type DependencyStatus = "up" | "down" | "disabled";

export interface RedisConnections {
  /** Commands from request handlers; fails fast while Redis is away. */
  command: RedisClient;
  /** The Socket.IO adapter's publisher and subscriber. */
  pub: RedisClient;
  sub: RedisClient;
  keys: RedisKeys;
}

/**
 * The stores of every feature, on this backend. Features receive them (`FeatureContext.stores`) and never ask
 * which mode they run in. Each is one implementation of its feature's `store.ts` interface.
 */
export interface FeatureStores {
  boards: BoardStore;
  notifications: NotificationStore;
  presence: PresenceStore;
  quotas: QuotaStore;
  registry: ConnectionRegistry;
  limits: LimitStore;
  /** Task uploads and results, without quota accounting. */
  blobs: BlobStore;
  seeds: SeedMarks;
  /** A task queue that reports changes to `listener`; whoever asks for it closes it. */
  taskQueue(listener: TaskListener): Promise<TaskQueue>;
  /** How metrics snapshots travel between instances, keeping `retentionMs` of history; the caller closes it. */
  snapshots(retentionMs: number): SnapshotTransport;
}

/**
 * Everything that differs between embedded and Redis mode sits behind this, and `server/backends/` is the one
 * place that chooses: `embedded.ts` or `redis.ts` builds all of it.
 */
export interface Backends {
  mode: "embedded" | "redis";
  users: UserStore;
  tokens: TokenStore;
  /** The audit log, in the database (`audit_log`). */
  audit: AuditLog;
  /** Present in Redis mode. */
  redis?: RedisConnections;
  /**
   * The SQL system of record: SQLite in embedded mode, PostgreSQL (`DATABASE_URL`) in Redis mode. One per process,
   * closed by `close()`.
   */
  database: SqlDatabase;
  /** The Socket.IO adapter; undefined means the in-memory adapter. */
  adapter?: ServerOptions["adapter"];
  /**
   * The features' stores, opened on first call (the CLI never needs them) and closed by `close()`. The same
   * object on every call.
   */
  stores(): Promise<FeatureStores>;
  /** Calls `listener` each time the adapter's connections come back after losing Redis (never in embedded mode). */
  onAdapterReconnect(listener: () => void): void;
  /** Redis as this process sees it right now, without a round trip. */
  redisStatus(): DependencyStatus;
  /** Redis and the database, each checked with a round trip (`disabled` when this backend has none). */
  health(): Promise<{ redis: DependencyStatus; database: DependencyStatus }>;
  close(): Promise<void>;
}
