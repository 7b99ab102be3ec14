import { TestPostgres } from "./postgres";

/**
 * The PostgreSQL that a test file's Redis-mode instances keep their data in (Redis mode requires `DATABASE_URL`):
 * one throwaway cluster per test file, started on first use and stopped after the file (`setup-file.ts`), and in it
 * one database per Redis and key prefix. Instances on the same Redis share their data, as a cluster of instances
 * does; instances on another Redis (another test's) see none of it, as before. Fault tests that kill PostgreSQL
 * start a `TestPostgres` of their own and pass its `DATABASE_URL`.
 *
 * Vitest runs each test file in a fresh module graph, so this state lives for one file.
 */
let cluster: Promise<TestPostgres> | undefined;
const databases = new Map<string, Promise<string>>();

/** This test file's PostgreSQL cluster, started on the first call. */
export function testPostgres(): Promise<TestPostgres> {
  cluster ??= TestPostgres.start();
  return cluster;
}

/** The database (its URL) of the instances that use `redis` (a URL or cluster nodes) with `keyPrefix`. */
export function databaseFor(redis: string, keyPrefix = "pbtest"): Promise<string> {
  const key = `${redis} ${keyPrefix}`;
  let url = databases.get(key);
  if (!url) {
    url = testPostgres().then((pg) => pg.createDatabase());
    databases.set(key, url);
  }
  return url;
}

/**
 * `env` with the `DATABASE_URL` its Redis mode needs: unchanged in embedded mode or when it names one already (an
 * empty value included, for tests of the refusal).
 */
export async function withTestDatabase(
  env: Record<string, string | undefined>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  const redis = out.REDIS_URL || out.REDIS_CLUSTER_NODES;
  if (!redis || out.DATABASE_URL !== undefined) return out;
  return { ...out, DATABASE_URL: await databaseFor(redis, out.REDIS_KEY_PREFIX || "pbtest") };
}

/** Stops this file's cluster, if it started one. */
export async function stopTestPostgres(): Promise<void> {
  const started = cluster;
  cluster = undefined;
  databases.clear();
  if (started) await (await started.catch(() => undefined))?.stop();
}
