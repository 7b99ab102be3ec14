import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import type { Logger } from "../logging/logger";

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  url?: string;
  clusterNodes?: { host: string; port: number }[];
}

/**
 * What a client is for decides how it behaves while Redis is away:
 * - `command`: requests fail within ~2 s so callers can answer "try again" instead of hanging;
 * - `subscriber`: waits forever and resubscribes by itself;
 * - `blocking`: BullMQ's clients, which must never time out a blocking command.
 */
export type RedisRole = "command" | "subscriber" | "blocking";

/**
 * Reconnect quickly at first, then every second: once Redis is back, service resumes within about a second,
 * instead of ioredis's default backoff of up to 5 s. One attempt a second during a long outage costs nothing.
 */
export function retryStrategy(times: number): number {
  return Math.min(100 * 2 ** Math.min(times, 4), 1_000);
}

function roleOptions(role: RedisRole): RedisOptions {
  switch (role) {
    case "command":
      return { maxRetriesPerRequest: 1, commandTimeout: 2_000, enableOfflineQueue: true };
    case "subscriber":
      return { maxRetriesPerRequest: null, enableOfflineQueue: true };
    case "blocking":
      return { maxRetriesPerRequest: null, enableOfflineQueue: true };
  }
}

export function createRedisClient(
  target: RedisTarget,
  name: string,
  role: RedisRole,
  logger: Logger,
): RedisClient {
  const log = logger.child({ redis: name });
  const base: RedisOptions = {
    connectionName: name,
    retryStrategy,
    connectTimeout: 5_000,
    ...roleOptions(role),
  };
  let client: RedisClient;
  if (target.clusterNodes) {
    const opts: ClusterOptions = {
      redisOptions: base,
      clusterRetryStrategy: retryStrategy,
      // Sharded pub/sub (SSUBSCRIBE) needs per-shard subscriber connections; without this the sharded
      // adapter crashes at startup on MOVED.
      shardedSubscribers: role === "subscriber",
      enableOfflineQueue: base.enableOfflineQueue,
      maxRedirections: 16,
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
    } as ClusterOptions;
    client = new Cluster(target.clusterNodes, opts);
  } else if (target.url) {
    client = new Redis(target.url, base);
  } else {
    throw new Error("createRedisClient needs a URL or cluster nodes");
  }
  // Without an error listener ioredis reports every failed reconnect as an unhandled 'error' event.
  let lastErrorLog = 0;
  client.on("error", (err: Error) => {
    const now = Date.now();
    if (now - lastErrorLog > 5_000) {
      lastErrorLog = now;
      log.warn({ err: err.message }, "redis connection error");
    }
  });
  client.on("ready", () => log.debug("redis ready"));
  client.on("reconnecting", () => log.debug("redis reconnecting"));
  return client;
}

/** Resolves when the client is ready, or rejects after `timeoutMs`. */
export function waitReady(client: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`redis not ready after ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off("ready", onReady);
    };
    client.on("ready", onReady);
  });
}

/** Quits politely, then disconnects if Redis does not answer; safe to call twice. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === "end") return;
  // A QUIT still pending when disconnect() below closes the socket rejects with "Connection is closed"; that
  // rejection is expected and must not surface as unhandled.
  const quit = client.quit().catch(() => undefined);
  await Promise.race([quit, new Promise((r) => setTimeout(r, 1_000).unref())]);
  client.disconnect();
}
