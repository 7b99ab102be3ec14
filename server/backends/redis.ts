import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import type { ServerOptions } from "socket.io";
import { RedisTokenStore } from "../auth/token-store.redis";
import { RedisUserStore } from "../auth/user-store.redis";
import type { Config } from "../config/config";
import type { Logger } from "../logging/logger";
import { closeRedis, createRedisClient, waitReady, type RedisClient } from "../redis/connection";
import { RedisKeys } from "../redis/keys";
import type { Backends, DependencyStatus } from "./types";

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
 * Redis mode, on a single Redis (`REDIS_URL`) or a Cluster (`REDIS_CLUSTER_NODES`): stores in Redis, broadcasts
 * through @socket.io/redis-adapter on dedicated pub/sub clients.
 */
export async function createRedisBackends(
  config: Pick<Config, "redis" | "instanceId">,
  logger: Logger,
): Promise<Backends> {
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
  const keys = new RedisKeys(config.redis.keyPrefix);
  let closed = false;
  return {
    mode: "redis",
    users: new RedisUserStore(command, keys),
    tokens: new RedisTokenStore(command, keys),
    redis: { command, pub, sub, keys },
    adapter: createSocketAdapter(pub, sub, config.redis.keyPrefix, Boolean(config.redis.clusterNodes)),
    health: async () => ({ redis: await ping(command, 1_000) }),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(clients.map(closeRedis));
    },
  };
}
