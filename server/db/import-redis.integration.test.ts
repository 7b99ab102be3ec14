import { readFile } from "node:fs/promises";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BoardDoc } from "@/lib/boards/types";
import type { CommittedOp } from "@/lib/protocol/boards";
import type { NotificationItem } from "@/lib/protocol/notifications";
import type { TaskInfo } from "@/lib/protocol/tasks";
import { verifyApiToken } from "../auth/api-tokens";
import { verifyPassword } from "../auth/passwords";
import type { TokenRecord } from "../auth/token-store";
import { SqlTokenStore } from "../auth/token-store.sql";
import type { UserRecord } from "../auth/user-store";
import { SqlUserStore } from "../auth/user-store.sql";
import { SqlBoardStore } from "../boards/store.sql";
import { SqlSeedMarks } from "../demo/seeds";
import { SqlNotificationStore } from "../notifications/store.sql";
import { closeRedis, createRedisClient, waitReady, type RedisClient } from "../redis/connection";
import type { LimitSettings } from "../registry/limits";
import { SqlLimitStore } from "../registry/limits.sql";
import { SqlBlobStore } from "../tasks/blobs.sql";
import { SqlTaskRecords } from "../tasks/records.sql";
import { runCli } from "../testing/cli";
import { TEST_SECRET } from "../testing/instance";
import { testLogger } from "../testing/logger";
import { TestPostgres } from "../testing/postgres";
import { TestRedisServer } from "../testing/redis-server";
import { tempDir } from "../testing/temp-dir";
import { openDatabase, type DatabaseConfig, type SqlDatabase } from "./open";

/**
 * The fixture is a Redis database written by the previous version's own Redis stores (RedisUserStore,
 * RedisBoardStore, RedisNotificationStore, RedisLimitStore, RedisTokenStore, RedisBlobStore, RedisSeedMarks and the
 * BullMQ task queue), saved with SAVE, before those stores were removed: `test/fixtures/redis-v1/dump.rdb`. Beside it,
 * `expected.json` holds what those stores answered then (and the passwords and token strings they were given).
 * The script that wrote both was scripts/fixtures/make-redis-dump.ts, in the commit that added the fixture.
 */
const FIXTURE = "test/fixtures/redis-v1";

interface Expected {
  prefix: string;
  passwords: Record<string, string>;
  boards: Record<string, { doc: BoardDoc; entries: CommittedOp[] }>;
  feeds: Record<string, { items: NotificationItem[]; unread: number }>;
  limits: LimitSettings;
  tokens: { token: string; record: TokenRecord }[];
  users: UserRecord[];
  tasks: TaskInfo[];
  files: Record<string, string>;
}

let redis: TestRedisServer;
let client: RedisClient;
let cluster: TestPostgres;
let expected: Expected;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  expected = JSON.parse(await readFile(`${FIXTURE}/expected.json`, "utf8")) as Expected;
  [redis, cluster] = await Promise.all([
    TestRedisServer.start({ rdbFile: `${FIXTURE}/dump.rdb` }),
    TestPostgres.start(),
  ]);
  client = createRedisClient({ url: redis.url }, "import-test", "command", testLogger());
  await waitReady(client);
});

afterAll(async () => {
  try {
    await closeRedis(client);
    await Promise.all(cleanups.splice(0).map((f) => f()));
  } finally {
    await Promise.all([redis?.stop(), cluster?.stop()]);
  }
});

/** Every row of every table, in a stable order: what a second run must leave exactly as it was. */
async function contents(database: SqlDatabase): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of (await database.db.introspection.getTables()).map((t) => t.name).sort()) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
      database.db,
    );
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

/** Everything in the Redis database, to show that the import only reads it. */
async function redisKeys(): Promise<string[]> {
  return (await client.keys("*")).sort();
}

const targets: { name: string; config(): Promise<DatabaseConfig & { env: Record<string, string> }> }[] = [
  {
    name: "sqlite",
    async config() {
      const dir = await tempDir("pb-import-redis-");
      cleanups.push(dir.remove);
      return { dataDir: dir.path, env: { DATA_DIR: dir.path } };
    },
  },
  {
    name: "postgres",
    async config() {
      const dir = await tempDir("pb-import-redis-");
      cleanups.push(dir.remove);
      const url = await cluster.createDatabase();
      return { url, dataDir: dir.path, env: { DATA_DIR: dir.path, DATABASE_URL: url } };
    },
  },
];

describe.each(targets)("npm run db:import -- --from-redis, into $name", (target) => {
  it("imports the previous version's Redis database once, with progress and a summary; a second run changes nothing", async () => {
    const config = await target.config();
    const keysBefore = await redisKeys();
    const args = ["server/cli/db.ts", "import", "--from-redis", redis.url, "--prefix", expected.prefix];

    const first = await runCli(args, config.env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    // Not a terminal: a line at the end rather than a bar (2 boards and 7 kinds: 9 steps).
    expect(first.stdout).toContain("import: 9/9 done");
    const ops = Object.values(expected.boards).reduce((n, b) => n + b.entries.length, 0);
    expect(first.stdout).toContain(
      `imported from Redis at ${redis.url} 2 boards with ${ops} ops, 3 users, 2 API tokens, 4 notifications, ` +
        "2 connection limits, 1 task files, 4 tasks, 1 seed marks",
    );

    const database = await openDatabase(config);
    try {
      const boards = new SqlBoardStore(database);
      for (const [id, board] of Object.entries(expected.boards)) {
        expect(await boards.load(id)).toEqual(board.doc);
        // Every op in order, with its revision and opId; the dedupe answers an old opId with its entry.
        expect(await boards.entriesSince(id, 0, 10_000)).toEqual(board.entries);
        expect(await boards.committed(id, board.entries[0]!.opId)).toEqual(board.entries[0]);
      }
      expect((await boards.boardIdsOf("alice")).sort()).toEqual(["big", "shared"]);
      expect(await boards.boardIdsOf("constructor")).toEqual(["shared"]);
      await boards.close();

      const users = new SqlUserStore(database);
      for (const user of expected.users) {
        const stored = await users.get(user.name);
        expect(stored).toEqual(user);
        // Signs in with the password set in the previous version.
        expect(await verifyPassword(expected.passwords[user.name]!, stored!.passwordHash)).toBe(true);
        expect(await verifyPassword("wrong-password", stored!.passwordHash)).toBe(false);
      }

      const tokens = new SqlTokenStore(database);
      for (const { token, record } of expected.tokens) {
        const check = await verifyApiToken(TEST_SECRET, token);
        expect(check).toMatchObject({ ok: true, claims: { jti: record.id, sub: record.owner } });
        expect(await tokens.get(record.id)).toEqual(record);
      }

      const notifications = new SqlNotificationStore(database);
      for (const [user, feed] of Object.entries(expected.feeds))
        expect(await notifications.list(user, 50)).toEqual(feed);

      expect(await new SqlLimitStore(database, 5).settings()).toEqual(expected.limits);

      const blobs = new SqlBlobStore(database);
      for (const [key, text] of Object.entries(expected.files))
        expect((await blobs.get(key))?.toString()).toBe(text);

      const records = new SqlTaskRecords(database);
      for (const task of expected.tasks) expect((await records.get(task.id))?.task).toEqual(task);
      expect(expected.tasks.map((t) => t.status).sort()).toEqual([
        "cancelled",
        "completed",
        "failed",
        "queued",
      ]);

      let seeded = false;
      await new SqlSeedMarks(database).once("welcome", async () => {
        seeded = true;
        return "again";
      });
      expect(seeded).toBe(false);

      const before = await contents(database);
      const second = await runCli(args, config.env);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(`nothing to import from Redis at ${redis.url}`);
      expect(await contents(database)).toEqual(before);
    } finally {
      await database.close();
    }
    expect(await redisKeys()).toEqual(keysBefore);
  }, 120_000);
});

describe("npm run db:import -- --help and bad options", () => {
  it("explains the import from Redis, and refuses options that do not fit", async () => {
    const help = await runCli(["server/cli/db.ts", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("npm run db:import -- --from-redis URL [--prefix P]");
    expect(help.stdout).toContain("a second run imports");
    const bad = await runCli(["server/cli/db.ts", "migrate", "--from-redis", redis.url]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--from-redis and --prefix go with import");
  });
});
