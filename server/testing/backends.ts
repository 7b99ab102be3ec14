import { openDatabase, type SqlDatabase } from "../db/open";
import { closeRedis, createRedisClient, waitReady, type RedisClient } from "../redis/connection";
import { RedisKeys } from "../redis/keys";
import { testLogger } from "./logger";
import { TestPostgres } from "./postgres";
import { TestRedisServer } from "./redis-server";
import { tempDir } from "./temp-dir";

/**
 * What a store contract suite needs from its backend: a fresh data folder, a Redis client with a key prefix unique
 * to the test, or a database of its own. Contract suites call `describe.each(contractBackends())` (the stores Redis
 * keeps, in memory and on Redis) or `describe.each(contractBackends({ sql: true }))` (the system of record, on
 * SQLite and PostgreSQL).
 */
export interface ContractEnv {
  dataDir: string;
  redis?: RedisClient;
  /** The Redis the client talks to, for stores that open connections of their own. */
  redisUrl?: string;
  keys: RedisKeys;
  /**
   * For the SQL backends: opens the test's own database (migrated to the newest version). Each call opens a new
   * connection to the same database, as a restarted process would; the backend closes them all at teardown.
   */
  openSql?: () => Promise<SqlDatabase>;
  /** For the SQL backends: the test's database, opened once by `fresh` (what `openSql` would give). */
  sql?: SqlDatabase;
}

export interface ContractBackend {
  name: "embedded" | "redis" | "sqlite" | "postgres";
  setup(): Promise<void>;
  /** A fresh, isolated environment for one test. */
  fresh(): Promise<ContractEnv>;
  teardown(): Promise<void>;
}

let counter = 0;

/**
 * The backends a contract suite runs against. Without `sql`, for the stores that hold what can be rebuilt: the
 * embedded one (in memory, or files in a temp folder) and Redis. With `sql`, for the system of record: SQLite (a
 * real file in a temp folder) and PostgreSQL (a throwaway cluster for the test file, a database per test).
 */
export function contractBackends(opts: { sql?: boolean } = {}): ContractBackend[] {
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
  if (!opts.sql) return [embedded, redis];
  return sqlBackends(dirs);
}

function sqlBackends(dirs: (() => Promise<void>)[]): ContractBackend[] {
  const opened: SqlDatabase[] = [];
  const closeOpened = () => Promise.all(opened.splice(0).map((d) => d.close()));
  const sqlite: ContractBackend = {
    name: "sqlite",
    async setup() {},
    async fresh() {
      const dir = await tempDir();
      dirs.push(dir.remove);
      const openSql = async () => {
        const database = await openDatabase({ dataDir: dir.path });
        opened.push(database);
        return database;
      };
      return { dataDir: dir.path, keys: new RedisKeys("unused"), openSql, sql: await openSql() };
    },
    async teardown() {
      await closeOpened();
      await Promise.all(dirs.splice(0).map((f) => f()));
    },
  };
  let cluster: TestPostgres | undefined;
  const postgres: ContractBackend = {
    name: "postgres",
    async setup() {
      cluster = await TestPostgres.start();
    },
    async fresh() {
      const dir = await tempDir();
      dirs.push(dir.remove);
      const url = await cluster!.createDatabase();
      const openSql = async () => {
        const database = await openDatabase({ url, dataDir: dir.path, poolSize: 5 });
        opened.push(database);
        return database;
      };
      return { dataDir: dir.path, keys: new RedisKeys("unused"), openSql, sql: await openSql() };
    },
    async teardown() {
      // The cluster is stopped whatever else fails: a test run must not leave a PostgreSQL behind.
      try {
        await closeOpened();
      } finally {
        await cluster?.stop();
        cluster = undefined;
        await Promise.all(dirs.splice(0).map((f) => f()));
      }
    },
  };
  return [sqlite, postgres];
}
