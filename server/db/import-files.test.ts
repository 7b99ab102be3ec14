import { bySystem } from "../audit/audit-log";
import { afterEach, describe, expect, it } from "vitest";
import { applyOp, newBoard } from "@/lib/boards/apply";
import type { BoardDoc } from "@/lib/boards/types";
import type { BoardOp, CommittedOp } from "@/lib/protocol/boards";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { NotificationItem } from "@/lib/protocol/notifications";
import type { TokenRecord } from "../auth/token-store";
import type { UserRecord } from "../auth/user-store";
import { own } from "@/lib/util/own";
import { verifyPassword } from "../auth/passwords";
import { createEmbeddedBackends } from "../backends/embedded";
import type { Backends } from "../backends/types";
import { limitSettings } from "../registry/limits";
import { runCli } from "../testing/cli";
import { testLogger } from "../testing/logger";
import { tempDir } from "../testing/temp-dir";
import type { TaskInfo, TaskRequest } from "@/lib/protocol/tasks";
import { LOST_TASK_MESSAGE } from "../tasks/queue.recorded";
import { importFileData, summarizeImport } from "./import-files";
import { LEGACY_BLOB_MAGIC, type LegacyBoardFile } from "./legacy-files";
import { openDatabase } from "./open";

/** `npm run db:import` on `dataDir`: its exit code and what it printed. */
const runImport = (dataDir: string) => runCli(["server/cli/db.ts", "import"], { DATA_DIR: dataDir });

const config = (dataDir: string) => ({ dataDir, instanceLeaseMs: 10_000, maxConnectionsPerUser: 20 });
const HOUR = 3_600_000;

/**
 * The previous version's data folder, as its JSON-file stores wrote it (their code is retired; this writes the
 * same files): a board file kept the board, its last 1,000 ops and its last 5,000 opIds; users, tokens,
 * notifications and limits were one file each; a task file was a header with its expiry, then its bytes.
 */
const legacy = {
  async json(dir: string, name: string, value: unknown): Promise<void> {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), JSON.stringify(value, null, 2));
  },
  board(dir: string, doc: BoardDoc, entries: CommittedOp[]): Promise<void> {
    const file: LegacyBoardFile = {
      version: 1,
      doc,
      log: entries.slice(-1_000),
      opIds: entries.slice(-5_000).map((e): [string, CommittedOp] => [e.opId, e]),
    };
    return legacy.json(dir, `boards/${doc.id}.json`, file);
  },
  async blob(dir: string, key: string, data: Buffer, expiresAt: number): Promise<void> {
    const header = Buffer.alloc(LEGACY_BLOB_MAGIC.length + 8);
    LEGACY_BLOB_MAGIC.copy(header);
    header.writeDoubleBE(expiresAt, LEGACY_BLOB_MAGIC.length);
    await mkdir(join(dir, "blobs"), { recursive: true });
    await writeFile(join(dir, "blobs", key), Buffer.concat([header, data]));
  },
};

/** Commits `ops` on the board in batches of `batch`, as the board service did: the board after them and their entries. */
function commitAll(doc: BoardDoc, ops: BoardOp[], batch: number): { doc: BoardDoc; entries: CommittedOp[] } {
  const all: CommittedOp[] = [];
  let current = doc;
  for (let i = 0; i < ops.length; i += batch) {
    const expectedRev = current.rev;
    const entries = ops.slice(i, i + batch).map((op, j): CommittedOp => {
      const rev = expectedRev + 1 + j;
      return { rev, opId: `${doc.id}-op-${rev}`, op, by: doc.owner, at: 1_000 + rev };
    });
    for (const e of entries) current = applyOp(current, e.op, e.rev, { by: e.by, at: e.at });
    all.push(...entries);
  }
  return { doc: current, entries: all };
}

describe("the import of a data folder written by the previous version's file stores", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it("brings every board, user, token, notification, limit and task file into the database, once", async () => {
    const dir = await tempDir("pb-import-");
    cleanups.push(dir.remove);
    const now = Date.now();

    // The previous version's data folder, on real files.
    const big = newBoard({ id: "big", title: "Big", owner: "alice", at: 1 });
    const shared = newBoard({ id: "shared", title: "Shared", owner: "bob", at: 2 });
    // More ops than the file's log keeps (1,000): the opId dedupe reaches back further and is imported too.
    const renames = Array.from({ length: 1_100 }, (_, i): BoardOp => ({
      type: "board.rename",
      title: `T${i}`,
      baseRev: i,
    }));
    const bigAfter = commitAll(big, renames, 100);
    const sharedAfter = commitAll(
      shared,
      [
        { type: "member.set", user: "alice", role: "editor" },
        { type: "member.set", user: "constructor", role: "viewer" },
        { type: "board.rename", title: "Shared, renamed", baseRev: 2 },
      ],
      1,
    );
    await legacy.board(dir.path, bigAfter.doc, bigAfter.entries);
    await legacy.board(dir.path, sharedAfter.doc, sharedAfter.entries);

    const users: UserRecord[] = [
      { name: "alice", role: "admin", passwordHash: "hash-a", createdAt: 10 },
      // A password changed once: its credential epoch went up.
      { name: "bob", role: "user", passwordHash: "hash-b2", createdAt: 11, epoch: 1 },
      { name: "constructor", role: "user", passwordHash: "hash-c", createdAt: 12 },
    ];
    await legacy.json(dir.path, "users.json", { users: Object.fromEntries(users.map((u) => [u.name, u])) });

    const live = { id: "tok-live", name: "ci", owner: "alice", createdAt: now, expiresAt: now + HOUR };
    const tokens: TokenRecord[] = [
      { ...live, lastUsedAt: now + 5 },
      {
        id: "tok-old",
        name: "old",
        owner: "bob",
        createdAt: now - 2 * HOUR,
        expiresAt: now - HOUR,
        lastUsedAt: null,
      },
    ];
    await legacy.json(dir.path, "tokens.json", { tokens: Object.fromEntries(tokens.map((t) => [t.id, t])) });

    const item = (id: string, read = false): NotificationItem => ({
      id,
      kind: "mention",
      title: `t-${id}`,
      body: "b",
      at: 100,
      by: "bob",
      read,
    });
    // Each feed newest first.
    const feeds = { alice: [item("n3"), item("n2", true), item("n1")], constructor: [item("n4")] };
    await legacy.json(dir.path, "notifications.json", { feeds: Object.fromEntries(Object.entries(feeds)) });

    await legacy.json(dir.path, "limits.json", { default: 7, users: { constructor: 3 } });

    await legacy.blob(dir.path, "export-1.csv", Buffer.from("a,b\n1,2\n"), now + HOUR);
    await legacy.blob(dir.path, "gone.csv", Buffer.from("x"), now - 10_000);
    // A write that never finished, and a file that is not a task file: neither is imported.
    await writeFile(join(dir.path, "blobs", "export-2.csv.1a2b3c4d.tmp"), "half");
    await writeFile(join(dir.path, "blobs", "stray.csv"), "time,value\n");

    // What the previous version's stores answered, to compare with what the database answers after.
    const before = {
      aliceFeed: { items: feeds.alice, unread: 2 },
      ctorFeed: { items: feeds.constructor, unread: 1 },
      limits: limitSettings(20, 7, [["constructor", 3]]),
    };

    const check = async (backends: Backends) => {
      const stores = await backends.stores();
      expect(await stores.boards.load("big")).toEqual(bigAfter.doc);
      expect(await stores.boards.load("shared")).toEqual(sharedAfter.doc);
      expect(await stores.boards.entriesSince("big", 0, 5_000)).toEqual(bigAfter.entries);
      expect(await stores.boards.entriesSince("shared", 0, 5_000)).toEqual(sharedAfter.entries);
      expect(await stores.boards.committed("big", "big-op-1")).toEqual(bigAfter.entries[0]);
      expect((await stores.boards.boardIdsOf("alice")).sort()).toEqual(["big", "shared"]);
      expect(await stores.boards.boardIdsOf("constructor")).toEqual(["shared"]);

      expect(await backends.users.get("alice")).toMatchObject({
        role: "admin",
        passwordHash: "hash-a",
        epoch: 0,
      });
      expect(await backends.users.get("bob")).toMatchObject({
        role: "user",
        passwordHash: "hash-b2",
        epoch: 1,
      });
      expect((await backends.users.list()).map((u) => u.name)).toEqual(["alice", "bob", "constructor"]);

      expect(await backends.tokens.get("tok-live")).toEqual({ ...live, lastUsedAt: now + 5 });
      expect(await backends.tokens.get("tok-old")).toBeUndefined();

      expect(await stores.notifications.list("alice", 50)).toEqual(before.aliceFeed);
      expect(await stores.notifications.list("constructor", 50)).toEqual(before.ctorFeed);
      expect(before.aliceFeed.items.map((i) => i.id)).toEqual(["n3", "n2", "n1"]);
      expect(before.aliceFeed.unread).toBe(2);

      expect(await stores.limits.settings()).toEqual(before.limits);
      expect(await stores.limits.limitFor("constructor")).toBe(3);
      expect(await stores.limits.limitFor("alice")).toBe(7);

      expect(await stores.blobs.get("export-1.csv")).toEqual(Buffer.from("a,b\n1,2\n"));
      expect(await stores.blobs.get("gone.csv")).toBeUndefined();
      expect(await stores.blobs.get("stray.csv")).toBeUndefined();
    };

    const first = await createEmbeddedBackends(config(dir.path), testLogger());
    try {
      await check(first);
      // Used after the import: a second start must keep these changes, not import the files over them.
      const stores = await first.stores();
      await stores.notifications.markRead("alice");
      await first.users.setRole("bob", "admin", bySystem("user.role"));
      await first.tokens.revoke("tok-live");
    } finally {
      await first.close();
    }

    const second = await createEmbeddedBackends(config(dir.path), testLogger());
    try {
      const stores = await second.stores();
      expect((await stores.notifications.list("alice", 50)).unread).toBe(0);
      expect((await stores.notifications.list("alice", 50)).items).toHaveLength(3);
      expect(await second.users.get("bob")).toMatchObject({ role: "admin" });
      expect(await second.tokens.get("tok-live")).toBeUndefined();
      expect(await stores.boards.entriesSince("big", 0, 5_000)).toEqual(bigAfter.entries);
      expect(await stores.boards.load("big")).toEqual(bigAfter.doc);
    } finally {
      await second.close();
    }

    // Run again by hand (`npm run db:import`): nothing is left to import.
    const database = await openDatabase({ dataDir: dir.path });
    try {
      expect(await importFileData(database, dir.path)).toMatchObject({
        steps: 0,
        boards: 0,
        ops: 0,
        users: 0,
        tokens: 0,
        notifications: 0,
        limits: 0,
        files: 0,
      });
      const { n } = await database.db
        .selectFrom("notifications")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(n)).toBe(4);
    } finally {
      await database.close();
    }
  });

  it("runs by hand as npm run db:import, with a summary, and a second run imports nothing", async () => {
    const dir = await tempDir("pb-import-cli-");
    cleanups.push(dir.remove);
    const doc = newBoard({ id: "cli", title: "CLI", owner: "alice", at: 1 });
    const after = commitAll(doc, [{ type: "board.rename", title: "Renamed", baseRev: 0 }], 1);
    await legacy.board(dir.path, after.doc, after.entries);
    const alice: UserRecord = { name: "alice", role: "user", passwordHash: "h", createdAt: 1 };
    await legacy.json(dir.path, "users.json", { users: { alice } });

    const first = await runImport(dir.path);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      "imported from the data folder 1 boards with 1 ops, 1 users, 0 API tokens",
    );
    const second = await runImport(dir.path);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("nothing to import");
  });

  it("imports nothing, and starts, on an empty data folder", async () => {
    const dir = await tempDir("pb-import-empty-");
    cleanups.push(dir.remove);
    const database = await openDatabase({ dataDir: dir.path });
    try {
      expect(await importFileData(database, dir.path)).toMatchObject({ steps: 0 });
    } finally {
      await database.close();
    }
    const backends = await createEmbeddedBackends(config(dir.path), testLogger());
    try {
      expect(await (await backends.stores()).boards.boardIdsOf("alice")).toEqual([]);
      expect(await backends.health()).toEqual({ redis: "disabled", database: "up" });
    } finally {
      await backends.close();
    }
  });

  it("imports the task records of tasks.json and the seed marks of seed.json; a task left pending is failed, retryable", async () => {
    const dir = await tempDir("pb-import-tasks-");
    cleanups.push(dir.remove);
    // The shape the previous version's in-process queue kept in tasks.json: each task with its request. Recent:
    // records of tasks that finished more than 30 days ago are not kept.
    const now = Date.now();
    const request: TaskRequest = { kind: "board-export", boardId: "big" };
    const task = (id: string, status: TaskInfo["status"], extra: Partial<TaskInfo> = {}): TaskInfo => ({
      id,
      kind: "board-export",
      owner: "alice",
      title: `Export ${id}`,
      boardId: "big",
      status,
      progress: status === "completed" ? 100 : 40,
      attempts: 1,
      maxAttempts: 3,
      createdAt: now - 2_000,
      updatedAt: now - 1_000,
      ...extra,
    });
    const done = task("done", "completed", {
      result: { kind: "board-export", files: [{ format: "json", bytes: 3, path: "x.json" }] },
    });
    const failed = task("failed", "failed", { error: { message: "bad", retryable: false } });
    const running = task("running", "running", { createdAt: now - 1_500 });
    await writeFile(
      join(dir.path, "tasks.json"),
      JSON.stringify({ tasks: [done, failed, running].map((t) => ({ task: t, request })) }),
    );
    await writeFile(join(dir.path, "seed.json"), JSON.stringify({ welcome: "big" }));

    const backends = await createEmbeddedBackends(config(dir.path), testLogger());
    try {
      const stores = await backends.stores();
      const queue = await stores.taskQueue(() => {});
      try {
        const tasks = await queue.listFor("alice", 10);
        expect(tasks.map((t) => t.id)).toEqual(["running", "done", "failed"]);
        expect(tasks[1]).toEqual(done);
        expect(tasks[2]).toEqual(failed);
        expect(tasks[0]).toMatchObject({
          status: "failed",
          error: { message: LOST_TASK_MESSAGE, retryable: true },
        });
      } finally {
        await queue.close();
      }
      let seeded = false;
      expect(
        await stores.seeds.once("welcome", async () => {
          seeded = true;
          return "again";
        }),
      ).toBeUndefined();
      expect(seeded).toBe(false);
    } finally {
      await backends.close();
    }
    const database = await openDatabase({ dataDir: dir.path });
    try {
      const again = await importFileData(database, dir.path);
      expect(again).toMatchObject({ steps: 0, tasks: 0, seeds: 0 });
      expect(summarizeImport(again, "db")).toBe("db: nothing to import from the data folder");
    } finally {
      await database.close();
    }
  });

  it("imports the data folder that the previous version's own code wrote (test/fixtures/data-v1), once", async () => {
    // Written at commit 6b7017b by its file stores (the script is in test/fixtures/README.md).
    const dir = await tempDir("pb-import-v1-");
    cleanups.push(dir.remove);
    await cp(join("test", "fixtures", "data-v1"), dir.path, { recursive: true });
    const backends = await createEmbeddedBackends(config(dir.path), testLogger());
    try {
      const stores = await backends.stores();
      const ops = await stores.boards.load("ops");
      expect(ops).toMatchObject({ id: "ops", title: "Ops 39", owner: "alice", rev: 41 });
      expect(own(ops!.widgets, "n1")).toMatchObject({ type: "note" });
      const entries = await stores.boards.entriesSince("ops", 0, 100);
      expect(entries?.map((e) => e.rev)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
      expect(await stores.boards.committed("ops", "ops-op-1")).toEqual(entries![0]);
      expect(await stores.boards.load("shared")).toMatchObject({
        title: "Shared, renamed",
        members: { alice: "editor", constructor: "viewer" },
      });
      expect(await stores.boards.boardIdsOf("constructor")).toEqual(["shared"]);
      for (const [name, password] of [
        ["alice", "alice-password-1"],
        ["bob", "bob-password-1"],
        ["constructor", "ctor-password-1"],
      ] as const) {
        const user = await backends.users.get(name);
        expect(await verifyPassword(password, user!.passwordHash)).toBe(true);
      }
      expect((await backends.users.get("alice"))?.role).toBe("admin");
      expect(await backends.tokens.get("tok-live")).toMatchObject({ owner: "alice", name: "ci" });
      const feed = await stores.notifications.list("alice", 10);
      expect(feed.items.map((n) => [n.id, n.read])).toEqual([
        ["n2", true],
        ["n1", false],
      ]);
      expect(await stores.limits.settings()).toMatchObject({ default: 7 });
      expect((await stores.blobs.get("export-1.csv"))?.toString()).toBe("a,b\n1,2\n");
      let seeded = false;
      await stores.seeds.once("welcome", async () => {
        seeded = true;
        return "again";
      });
      expect(seeded).toBe(false);
    } finally {
      await backends.close();
    }
    const again = await runImport(dir.path);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("nothing to import");
  });
});
