import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyOp, newBoard } from "@/lib/boards/apply";
import type { BoardDoc } from "@/lib/boards/types";
import type { CommittedOp } from "@/lib/protocol/boards";
import { SqlBoardStore } from "../boards/store.sql";
import { runCli } from "../testing/cli";
import { TestPostgres } from "../testing/postgres";
import { tempDir } from "../testing/temp-dir";
import { openDatabase, type SqlDatabase } from "./open";

/** `npm run db:backup -- FILE` against `dataDir`: its exit code and what it printed. */
const runBackup = (dataDir: string, file: string, env: Record<string, string> = {}) =>
  runCli(["server/cli/db.ts", "backup", file], { DATA_DIR: dataDir, ...env });

describe("npm run db:backup", () => {
  const open: SqlDatabase[] = [];
  const dirs: { remove(): Promise<void> }[] = [];
  const dir = async () => {
    const made = await tempDir("pb-backup-");
    dirs.push(made);
    return made.path;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((d) => d.close()));
    await Promise.all(dirs.splice(0).map((d) => d.remove()));
  });

  it("copies the SQLite database while a server keeps committing, and the copy is consistent", async () => {
    const dataDir = await dir();
    const database = await openDatabase({ dataDir });
    open.push(database);
    const boards = new SqlBoardStore(database, { snapshotEvery: 50 });
    let doc: BoardDoc = newBoard({ id: "live", title: "Live", owner: "alice", at: 1 });
    expect(await boards.create(doc)).toBe(true);

    // The "server": commits one op at a time until told to stop, as a busy board does.
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const rev = doc.rev + 1;
        const entry: CommittedOp = {
          rev,
          opId: `op-${rev}`,
          op: { type: "board.rename", title: `T${rev}`, baseRev: doc.rev },
          by: "alice",
          at: 1_000 + rev,
        };
        const next = applyOp(doc, entry.op, rev, { by: "alice", at: entry.at });
        expect(await boards.commit(doc.id, doc.rev, next, [entry])).toEqual({ status: "ok" });
        doc = next;
        await new Promise((r) => setImmediate(r));
      }
    })();
    while (doc.rev < 20) await new Promise((r) => setTimeout(r, 5));

    const file = join(await dir(), "copy.db");
    const result = await runBackup(dataDir, file);
    stop = true;
    await writer;
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/backed up to .*copy\.db in \d+ ms/);
    const revAfter = doc.rev;

    // The copy opens as a database of its own: one revision, with every op up to it and none after.
    const copy = await openDatabase({ dataDir: join(file, ".."), file: "copy.db" });
    open.push(copy);
    const copied = await new SqlBoardStore(copy).load("live");
    expect(copied).toBeDefined();
    const rev = copied!.rev;
    expect(rev).toBeGreaterThanOrEqual(20);
    expect(rev).toBeLessThanOrEqual(revAfter);
    expect(copied!.title).toBe(`T${rev}`);
    const ops = await copy.db.selectFrom("board_ops").select("rev").where("board_id", "=", "live").execute();
    expect(ops.map((o) => o.rev).sort((a, b) => a - b)).toEqual(Array.from({ length: rev }, (_, i) => i + 1));
  }, 60_000);

  it("names pg_dump instead when the database is PostgreSQL", async () => {
    const postgres = await TestPostgres.start();
    try {
      const result = await runBackup(await dir(), "x.db", { DATABASE_URL: postgres.url });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/is PostgreSQL: back it up with pg_dump/);
    } finally {
      await postgres.stop();
    }
  }, 60_000);

  it("fails in one line when PostgreSQL cannot be reached", async () => {
    const result = await runBackup(await dir(), "x.db", {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^db: DATABASE_URL: cannot reach PostgreSQL/);
  });

  it("refuses a missing file name with the usage", async () => {
    const { code, stderr } = await runCli(["server/cli/db.ts", "backup"], { DATA_DIR: await dir() });
    expect(code).toBe(1);
    expect(stderr).toMatch(/npm run db:backup -- FILE/);
  });
});
