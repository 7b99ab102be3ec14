import { createApplication, type Application } from "../app";
import { seedDemoUsers } from "../auth/demo-users";
import { createBackends } from "../backends";
import type { Backends } from "../backends/types";
import { loadConfig, type Config } from "../config/config";
import { allFeatures } from "../feature-list";
import type { Feature } from "../features";
import { testLogger } from "./logger";
import { registerTestStores } from "./provision";
import { tempDir } from "./temp-dir";
import { withTestDatabase } from "./test-database";

export const TEST_SECRET = "test-secret-test-secret-test-secret-0123456789";

export interface TestInstance {
  app: Application;
  config: Config;
  backends: Backends;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface TestInstanceOptions {
  redisUrl?: string;
  env?: Record<string, string>;
  features?: Feature[];
  seedDemoUsers?: boolean;
}

/**
 * A real Pulseboard instance in this process, on port 0, without Next (pages are not under test here). It runs
 * the same createApplication and features as production. With Redis, its data is in the test file's PostgreSQL
 * (`test-database.ts`), in the database of its Redis, unless `env` names a `DATABASE_URL`.
 */
export async function startInstance(opts: TestInstanceOptions = {}): Promise<TestInstance> {
  const dir = await tempDir("pb-instance-");
  const env = await withTestDatabase({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    AUTH_SECRET: TEST_SECRET,
    DATA_DIR: dir.path,
    LOG_LEVEL: "silent",
    REDIS_URL: opts.redisUrl,
    REDIS_KEY_PREFIX: "pbtest",
    SEED_DEMO_USERS: opts.seedDemoUsers ? "true" : "false",
    ALLOWED_ORIGINS: "http://localhost:3000",
    ...opts.env,
  });
  const config = loadConfig(env);
  const logger = testLogger();
  const backends = await createBackends(config, logger);
  if (opts.seedDemoUsers) await seedDemoUsers(backends.users, logger);
  const app = await createApplication({
    config,
    secret: config.authSecret!,
    logger,
    backends,
    features: opts.features ?? allFeatures(),
  });
  const address = await app.listen(0, "127.0.0.1");
  const unregister = registerTestStores(backends);
  let closed = false;
  return {
    app,
    config,
    backends,
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    async close() {
      if (closed) return;
      closed = true;
      unregister();
      await app.close();
      await backends.close();
      await dir.remove();
    },
  };
}

/** Instances on one Redis, started together, one per id (its INSTANCE_ID), each with `opts` besides. */
export function startInstancesOnRedis<const Ids extends readonly string[]>(
  redisUrl: string,
  ids: Ids,
  opts: Omit<TestInstanceOptions, "redisUrl"> = {},
): Promise<{ [K in keyof Ids]: TestInstance }> {
  return Promise.all(
    ids.map((id) => startInstance({ ...opts, redisUrl, env: { ...opts.env, INSTANCE_ID: id } })),
  ) as Promise<{ [K in keyof Ids]: TestInstance }>;
}
