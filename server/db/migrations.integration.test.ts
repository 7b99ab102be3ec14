import { Migrator, NO_MIGRATIONS, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestPostgres } from "../testing/postgres";
import { tempDir } from "../testing/temp-dir";
import { InCodeMigrationProvider, latestVersion, migrations, type Dialect } from "./migrations";
import {
  appliedVersions,
  migrateToLatest,
  openDatabase,
  type DatabaseConfig,
  type SqlDatabase,
} from "./open";

const TABLES = [
  "api_tokens",
  "audit_log",
  "board_members",
  "board_ops",
  "board_snapshot_widgets",
  "board_snapshots",
  "boards",
  "connection_limits",
  "notifications",
  "roles",
  "settings",
  "task_files",
  "tasks",
  "users",
];

async function tablesOf(database: SqlDatabase): Promise<string[]> {
  const tables = await database.db.introspection.getTables();
  return tables.map((t) => t.name).sort();
}

interface Target {
  dialect: Dialect;
  /** A config for a new, empty database. */
  empty(): Promise<DatabaseConfig>;
}

const cleanups: (() => Promise<void>)[] = [];
let cluster: TestPostgres | undefined;

const targets: Target[] = [
  {
    dialect: "sqlite",
    async empty() {
      const dir = await tempDir();
      cleanups.push(dir.remove);
      return { dataDir: dir.path };
    },
  },
  {
    dialect: "postgres",
    async empty() {
      const dir = await tempDir();
      cleanups.push(dir.remove);
      return { url: await cluster!.createDatabase(), dataDir: dir.path };
    },
  },
];

beforeAll(async () => {
  cluster = await TestPostgres.start();
});

afterAll(async () => {
  try {
    await Promise.all(cleanups.splice(0).map((f) => f()));
  } finally {
    await cluster?.stop();
  }
});

describe.each(targets)("migrations ($dialect)", (target) => {
  it("bring an empty database to the newest version, and a second run changes nothing", async () => {
    const config = await target.empty();
    const database = await openDatabase(config, { migrate: false });
    try {
      expect(database.dialect).toBe(target.dialect);
      expect(await appliedVersions(database)).toEqual([]);
      expect(await migrateToLatest(database)).toEqual(Object.keys(migrations(target.dialect)));
      expect(await appliedVersions(database)).toEqual(Object.keys(migrations(target.dialect)));
      expect((await appliedVersions(database)).at(-1)).toBe(latestVersion(target.dialect));
      expect(await tablesOf(database)).toEqual(TABLES);

      expect(await migrateToLatest(database)).toEqual([]);
      expect(await tablesOf(database)).toEqual(TABLES);
    } finally {
      await database.close();
    }
    // Opening migrates, and finds nothing left to do on a database that is up to date.
    const reopened = await openDatabase(config);
    try {
      expect(await appliedVersions(reopened)).toEqual(Object.keys(migrations(target.dialect)));
      expect(await migrateToLatest(reopened)).toEqual([]);
    } finally {
      await reopened.close();
    }
  });

  it("bring a database at each earlier version (none, then each release) to the newest", async () => {
    const names = Object.keys(migrations(target.dialect));
    for (let i = 0; i < names.length; i++) {
      const database = await openDatabase(await target.empty(), { migrate: false });
      try {
        const migrator = new Migrator({
          db: database.db,
          provider: new InCodeMigrationProvider(database.dialect),
        });
        const { error } = await migrator.migrateTo(i === 0 ? NO_MIGRATIONS : names[i - 1]!);
        expect(error).toBeUndefined();
        expect(await appliedVersions(database)).toEqual(names.slice(0, i));
        expect(await migrateToLatest(database)).toEqual(names.slice(i));
        expect(await tablesOf(database)).toEqual(TABLES);
      } finally {
        await database.close();
      }
    }
  });

  it("keep the invariants as constraints: an op id and a revision once per board", async () => {
    const database = await openDatabase(await target.empty());
    try {
      const { db } = database;
      await db
        .insertInto("boards")
        .values({ id: "b", owner: "alice", rev: 0, snapshot_rev: 0, created_at: 1, updated_at: 1 })
        .execute();
      const op = { board_id: "b", rev: 1, op_id: "o1", op: "{}", by_user: "alice", at: 1 };
      await db.insertInto("board_ops").values(op).execute();
      await expect(
        db
          .insertInto("board_ops")
          .values({ ...op, rev: 2 })
          .execute(),
      ).rejects.toThrow();
      await expect(
        db
          .insertInto("board_ops")
          .values({ ...op, op_id: "o2" })
          .execute(),
      ).rejects.toThrow();
      await expect(
        db
          .insertInto("board_ops")
          .values({ ...op, board_id: "nope", op_id: "o3" })
          .execute(),
      ).rejects.toThrow();
      await expect(
        db
          .insertInto("users")
          .values({ name: "eve", role: "superuser", password_hash: "x", created_at: 1 })
          .execute(),
      ).rejects.toThrow();
      // Deleting a board takes its log with it.
      await db.deleteFrom("boards").where("id", "=", "b").execute();
      const left = await sql<{ n: number }>`select count(*) as n from board_ops`.execute(db);
      expect(Number(left.rows[0]!.n)).toBe(0);
    } finally {
      await database.close();
    }
  });

  it("0002_tasks keeps the task rows of 0001, with the task's invariants as constraints", async () => {
    const database = await openDatabase(await target.empty(), { migrate: false });
    try {
      const migrator = new Migrator({
        db: database.db,
        provider: new InCodeMigrationProvider(database.dialect),
      });
      expect((await migrator.migrateTo("0001_system_of_record")).error).toBeUndefined();
      const row = {
        id: "t1",
        kind: "board-export",
        owner: "alice",
        title: "Export",
        board_id: "b",
        widget_id: null,
        status: "failed",
        progress: 40,
        message: null,
        attempts: 3,
        max_attempts: 3,
        request: '{"kind":"board-export","boardId":"b"}',
        error: '{"message":"x","retryable":true}',
        result: null,
        created_at: 10,
        updated_at: 20,
      };
      await database.db.insertInto("tasks").values(row).execute();
      const file = { key: "f", owner: "alice", task_id: "t1", bytes: 1, data: Buffer.from("x") };
      await database.db
        .insertInto("task_files")
        .values({ ...file, created_at: 1, expires_at: 2 })
        .execute();
      expect((await migrateToLatest(database))[0]).toBe("0002_tasks");

      const { db } = database;
      expect(await db.selectFrom("tasks").selectAll().execute()).toEqual([
        { ...row, started_at: null, finished_at: null },
      ]);
      for (const bad of [{ status: "lost" }, { progress: 101 }, { attempts: -1 }, { max_attempts: 0 }])
        await expect(
          db
            .insertInto("tasks")
            .values({ ...row, id: `t-${Object.keys(bad)[0]}`, ...bad })
            .execute(),
        ).rejects.toThrow();
      // task_files still points at the (rebuilt) table: deleting a task keeps its file, without the link.
      await expect(
        db
          .insertInto("task_files")
          .values({ ...file, key: "g", task_id: "nope", created_at: 1, expires_at: 2 })
          .execute(),
      ).rejects.toThrow();
      await db.deleteFrom("tasks").where("id", "=", "t1").execute();
      expect(await db.selectFrom("task_files").select(["key", "task_id"]).execute()).toEqual([
        { key: "f", task_id: null },
      ]);
    } finally {
      await database.close();
    }
  });
});
