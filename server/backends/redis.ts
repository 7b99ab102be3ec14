import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import type { ServerOptions } from "socket.io";
import { LogOnlyAuditLog, SqlAuditLog } from "../audit/audit-log";
import { SqlTokenStore } from "../auth/token-store.sql";
import { SqlUserStore } from "../auth/user-store.sql";
import { RedisTokenStore } from "../auth/token-store.redis";
import { RedisUserStore } from "../auth/user-store.redis";
import { SqlBoardStore } from "../boards/store.sql";
import type { Config } from "../config/config";
import { openDatabase, type SqlDatabase } from "../db/open";
import type { Logger } from "../logging/logger";
import { closeRedis, createRedisClient, waitReady, type RedisClient } from "../redis/connection";
import { RedisKeys } from "../redis/keys";
import { RedisBoardStore } from "../boards/store.redis";
import { RedisSeedMarks, SqlSeedMarks } from "../demo/seeds";
import { RedisSnapshotTransport } from "../metrics/redis-transport";
import { SqlNotificationStore } from "../notifications/store.sql";
import { RedisNotificationStore } from "../notifications/store.redis";
import { RedisPresenceStore } from "../presence/store.redis";
import { RedisQuotaStore } from "../quotas/store.redis";
import { SqlLimitStore } from "../registry/limits.sql";
import { RedisLimitStore } from "../registry/limits.redis";
import { RedisConnectionRegistry } from "../registry/registry.redis";
import { RedisBlobStore } from "../tasks/blobs";
import { SqlBlobStore } from "../tasks/blobs.sql";
import { BullTaskQueue } from "../tasks/queue.bullmq";
import { databaseStatus } from "./database-health";
import type { Backends, DependencyStatus, FeatureStores, RedisConnections } from "./types";

export type RedisConfig = Pick<
  Config,
  "redis" | "instanceId" | "instanceLeaseMs" | "maxConnectionsPerUser" | "tasks" | "database" | "dataDir"
>;

async function ping(client: RedisClient, timeoutMs: number): Promise<DependencyStatus> {
  if (client.status !== "ready") return "down";
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), timeoutMs).unref()),
    ]);
    return "up";
  } catch {
    return "down";
  }
}

/** The channel prefix shared by the Socket.IO adapter and the workers' emitter. */
export const adapterKey = (keyPrefix: string) => `${keyPrefix}:sio`;

/**
 * A single Redis uses the classic adapter (PUBLISH/PSUBSCRIBE). A Cluster uses the sharded adapter: each room's
 * broadcasts travel on that room's shard only (SPUBLISH/SSUBSCRIBE), instead of to every node.
 */
export function createSocketAdapter(
  pub: RedisClient,
  sub: RedisClient,
  keyPrefix: string,
  cluster: boolean,
): NonNullable<ServerOptions["adapter"]> {
  return cluster
    ? createShardedAdapter(pub, sub, { channelPrefix: adapterKey(keyPrefix), subscriptionMode: "dynamic" })
    : createAdapter(pub, sub, { key: adapterKey(keyPrefix) });
}

/**
 * The stores: with a database (`DATABASE_URL`), boards, notifications, connection limits and task files live in
 * PostgreSQL (and so do the seed marks, so that a wiped Redis does not seed again) and Redis keeps what can be
 * rebuilt (presence, registry, quotas, queues, metrics); without one, everything is in Redis as before.
 */
function redisStores(
  config: RedisConfig,
  redis: RedisConnections,
  database: SqlDatabase | undefined,
  logger: Logger,
): FeatureStores {
  const { command, keys } = redis;
  const target = { url: config.redis.url, clusterNodes: config.redis.clusterNodes };
  let blocking = 0;
  return {
    boards: database ? new SqlBoardStore(database, { logger }) : new RedisBoardStore(command, keys),
    notifications: database ? new SqlNotificationStore(database) : new RedisNotificationStore(command, keys),
    presence: new RedisPresenceStore(command, keys),
    quotas: new RedisQuotaStore(command, keys),
    registry: new RedisConnectionRegistry(command, keys, config.instanceLeaseMs),
    limits: database
      ? new SqlLimitStore(database, config.maxConnectionsPerUser)
      : new RedisLimitStore(command, keys, config.maxConnectionsPerUser),
    blobs: database ? new SqlBlobStore(database) : new RedisBlobStore(command, keys),
    seeds: database ? new SqlSeedMarks(database) : new RedisSeedMarks(command, keys),
    taskQueue: async (listener) =>
      new BullTaskQueue({
        redis: command,
        blockingClient: () =>
          createRedisClient(target, `pb:${config.instanceId}:tasks${++blocking}`, "blocking", logger),
        keys,
        listener,
        logger,
        lockMs: config.tasks.lockMs,
      }),
    snapshots: (retentionMs) =>
      new RedisSnapshotTransport({
        command,
        reader: createRedisClient(target, `pb:${config.instanceId}:metrics`, "blocking", logger),
        keys,
        logger,
        retentionMs,
      }),
  };
}

/** Calls `listener` whenever one of `clients` is ready again after having been ready before. */
function onReconnect(clients: RedisClient[], listener: () => void): void {
  for (const client of clients) {
    let first = client.status === "ready";
    client.on("ready", () => {
      if (first) listener();
      first = true;
    });
  }
}

/**
 * Redis mode, on a single Redis (`REDIS_URL`) or a Cluster (`REDIS_CLUSTER_NODES`): broadcasts through
 * @socket.io/redis-adapter on dedicated pub/sub clients; the system of record in PostgreSQL when `DATABASE_URL` is
 * set, else in Redis.
 */
export async function createRedisBackends(config: RedisConfig, logger: Logger): Promise<Backends> {
  const target = { url: config.redis.url, clusterNodes: config.redis.clusterNodes };
  const command = createRedisClient(target, `pb:${config.instanceId}:cmd`, "command", logger);
  const pub = createRedisClient(target, `pb:${config.instanceId}:pub`, "command", logger);
  const sub = createRedisClient(target, `pb:${config.instanceId}:sub`, "subscriber", logger);
  const clients = [command, pub, sub];
  try {
    await Promise.all(clients.map((c) => waitReady(c, 15_000)));
  } catch (err) {
    await Promise.all(clients.map(closeRedis));
    throw new Error(`cannot reach Redis: ${(err as Error).message}`);
  }
  let database: SqlDatabase | undefined;
  if (config.database.url) {
    try {
      database = await openDatabase({ url: config.database.url, dataDir: config.dataDir }, { logger });
    } catch (err) {
      await Promise.all(clients.map(closeRedis));
      throw err;
    }
  }
  const keys = new RedisKeys(config.redis.keyPrefix);
  const redis: RedisConnections = { command, pub, sub, keys };
  let stores: Promise<FeatureStores> | undefined;
  let closed = false;
  return {
    mode: "redis",
    users: database ? new SqlUserStore(database) : new RedisUserStore(command, keys),
    tokens: database ? new SqlTokenStore(database) : new RedisTokenStore(command, keys),
    audit: database ? new SqlAuditLog(database) : new LogOnlyAuditLog(logger),
    redis,
    database,
    adapter: createSocketAdapter(pub, sub, config.redis.keyPrefix, Boolean(config.redis.clusterNodes)),
    stores: () => (stores ??= Promise.resolve(redisStores(config, redis, database, logger))),
    onAdapterReconnect: (listener) => onReconnect([pub, sub], listener),
    redisStatus: () => (command.status === "ready" ? "up" : "down"),
    health: async () => {
      const [redisUp, databaseUp] = await Promise.all([
        ping(command, 1_000),
        databaseStatus(database, 1_000),
      ]);
      return { redis: redisUp, database: databaseUp };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await (await stores?.catch(() => undefined))?.boards.close();
      await Promise.all(clients.map(closeRedis));
      await database?.close();
    },
  };
}
