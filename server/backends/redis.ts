import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import type { ServerOptions } from "socket.io";
import { SqlAuditLog } from "../audit/audit-log";
import { SqlTokenStore } from "../auth/token-store.sql";
import { SqlUserStore } from "../auth/user-store.sql";
import { SqlBoardStore } from "../boards/store.sql";
import type { Config } from "../config/config";
import { openDatabase, redactUrl, type SqlDatabase } from "../db/open";
import type { Logger } from "../logging/logger";
import { closeRedis, createRedisClient, waitReady, type RedisClient } from "../redis/connection";
import { RedisKeys } from "../redis/keys";
import { SqlSeedMarks } from "../demo/seeds";
import { RedisSnapshotTransport } from "../metrics/redis-transport";
import { SqlNotificationStore } from "../notifications/store.sql";
import { RedisPresenceStore } from "../presence/store.redis";
import { RedisQuotaStore } from "../quotas/store.redis";
import { SqlLimitStore } from "../registry/limits.sql";
import { RedisConnectionRegistry } from "../registry/registry.redis";
import { SqlBlobStore } from "../tasks/blobs.sql";
import { BullTaskQueue } from "../tasks/queue.bullmq";
import type { TaskListener } from "../tasks/queue";
import { RecordedTaskQueue } from "../tasks/queue.recorded";
import { SqlTaskRecords } from "../tasks/records.sql";
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

/** How often an instance looks for task records whose BullMQ job is gone (a flushed or restarted Redis). */
const TASK_RECHECK_MS = 30_000;

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
 * The stores: boards, notifications, connection limits, task files and the seed marks live in PostgreSQL, so that
 * a wiped Redis loses none of them (and does not seed again); Redis keeps what can be rebuilt (presence, registry,
 * quotas, queues, metrics).
 */
function redisStores(
  config: RedisConfig,
  redis: RedisConnections,
  database: SqlDatabase,
  logger: Logger,
): FeatureStores {
  const { command, keys } = redis;
  const target = { url: config.redis.url, clusterNodes: config.redis.clusterNodes };
  let blocking = 0;
  return {
    boards: new SqlBoardStore(database, { logger, logRetention: config.database.historyRevisions }),
    notifications: new SqlNotificationStore(database),
    presence: new RedisPresenceStore(command, keys),
    quotas: new RedisQuotaStore(command, keys),
    registry: new RedisConnectionRegistry(command, keys, config.instanceLeaseMs),
    limits: new SqlLimitStore(database, config.maxConnectionsPerUser),
    blobs: new SqlBlobStore(database),
    seeds: new SqlSeedMarks(database),
    taskQueue: async (listener) => {
      const bull = (reported: TaskListener) =>
        new BullTaskQueue({
          redis: command,
          blockingClient: () =>
            createRedisClient(target, `pb:${config.instanceId}:tasks${++blocking}`, "blocking", logger),
          keys,
          listener: reported,
          logger,
          lockMs: config.tasks.lockMs,
        });
      // BullMQ carries the queue; the records are in the database, so that they outlive a wiped Redis.
      return RecordedTaskQueue.open({
        records: new SqlTaskRecords(database),
        listener,
        logger,
        transport: async (reported) => bull(reported),
        recheckMs: TASK_RECHECK_MS,
      });
    },
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

/**
 * The classic adapter publishes broadcasts and requests without awaiting them. Boards commit in PostgreSQL while
 * Redis is away, so their broadcasts fail then with nobody listening; each failure is caught here (and logged at most
 * every 5 s) instead of becoming an unhandled rejection. Clients catch up by revision once Redis is back.
 */
function catchPublishFailures(pub: RedisClient, logger: Logger): void {
  const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
  let loggedAt = 0;
  let lost = 0;
  const onFailure = (err: unknown) => {
    lost++;
    if (Date.now() - loggedAt < 5_000) return;
    logger.warn({ err, lost }, "broadcasts lost while Redis is unreachable; clients catch up by revision");
    loggedAt = Date.now();
    lost = 0;
  };
  (pub as unknown as { publish: (...args: unknown[]) => Promise<number> }).publish = (...args) => {
    const sent = publish(...args);
    sent.catch(onFailure);
    return sent;
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
 * @socket.io/redis-adapter on dedicated pub/sub clients; the system of record in PostgreSQL (`DATABASE_URL`, which
 * the configuration requires in this mode). Either one unreachable fails the start with one line naming it.
 */
export async function createRedisBackends(config: RedisConfig, logger: Logger): Promise<Backends> {
  const url = config.database.url;
  if (!url) throw new Error("DATABASE_URL: required in Redis mode (REDIS_URL or REDIS_CLUSTER_NODES)");
  const target = { url: config.redis.url, clusterNodes: config.redis.clusterNodes };
  const command = createRedisClient(target, `pb:${config.instanceId}:cmd`, "command", logger);
  const pub = createRedisClient(target, `pb:${config.instanceId}:pub`, "command", logger);
  const sub = createRedisClient(target, `pb:${config.instanceId}:sub`, "subscriber", logger);
  const clients = [command, pub, sub];
  try {
    await Promise.all(clients.map((c) => waitReady(c, 15_000)));
  } catch (err) {
    await Promise.all(clients.map(closeRedis));
    const [name, where] = config.redis.clusterNodes
      ? ["REDIS_CLUSTER_NODES", config.redis.clusterNodes.map((n) => `${n.host}:${n.port}`).join(",")]
      : ["REDIS_URL", redactUrl(config.redis.url ?? "")];
    throw new Error(`${name}: cannot reach Redis at ${where}: ${(err as Error).message}`);
  }
  let database: SqlDatabase;
  try {
    database = await openDatabase({ url, dataDir: config.dataDir }, { logger });
  } catch (err) {
    await Promise.all(clients.map(closeRedis));
    throw err;
  }
  catchPublishFailures(pub, logger);
  const keys = new RedisKeys(config.redis.keyPrefix);
  const redis: RedisConnections = { command, pub, sub, keys };
  let stores: Promise<FeatureStores> | undefined;
  let closed = false;
  return {
    mode: "redis",
    users: new SqlUserStore(database),
    tokens: new SqlTokenStore(database),
    audit: new SqlAuditLog(database),
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
      await database.close();
    },
  };
}
