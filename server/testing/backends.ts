import { closeRedis, createRedisClient, waitReady, type RedisClient } from "../redis/connection";
import { RedisKeys } from "../redis/keys";
import { testLogger } from "./logger";
import { TestRedisServer } from "./redis-server";
import { tempDir } from "./temp-dir";

/**
 * What a store contract suite needs from either backend: a fresh data folder, or a Redis client with a key
 * prefix unique to the test. Contract suites call `describe.each(contractBackends())`.
 */
export interface ContractEnv {
  dataDir: string;
  redis?: RedisClient;
  /** The Redis the client talks to, for stores that open connections of their own. */
  redisUrl?: string;
  keys: RedisKeys;
}

export interface ContractBackend {
  name: "embedded" | "redis";
  setup(): Promise<void>;
  /** A fresh, isolated environment for one test. */
  fresh(): Promise<ContractEnv>;
  teardown(): Promise<void>;
}

let counter = 0;

export function contractBackends(): ContractBackend[] {
  const dirs: (() => Promise<void>)[] = [];
  const embedded: ContractBackend = {
    name: "embedded",
    async setup() {},
    async fresh() {
      const dir = await tempDir();
      dirs.push(dir.remove);
      return { dataDir: dir.path, keys: new RedisKeys("unused") };
    },
    async teardown() {
      await Promise.all(dirs.splice(0).map((f) => f()));
    },
  };
  let server: TestRedisServer | undefined;
  let client: RedisClient | undefined;
  const redis: ContractBackend = {
    name: "redis",
    async setup() {
      server = await TestRedisServer.start();
      client = createRedisClient({ url: server.url }, "contract", "command", testLogger());
      await waitReady(client);
    },
    async fresh() {
      const dir = await tempDir();
      dirs.push(dir.remove);
      return {
        dataDir: dir.path,
        redis: client!,
        redisUrl: server!.url,
        keys: new RedisKeys(`t${process.pid}x${++counter}`),
      };
    },
    async teardown() {
      if (client) await closeRedis(client);
      await server?.stop();
      await Promise.all(dirs.splice(0).map((f) => f()));
    },
  };
  return [embedded, redis];
}
