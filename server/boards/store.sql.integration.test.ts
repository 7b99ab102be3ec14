import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyOp, newBoard } from "@/lib/boards/apply";
import type { BoardDoc } from "@/lib/boards/types";
import type { BoardOp, CommittedOp } from "@/lib/protocol/boards";
import type { SqlDatabase } from "../db/open";
import { contractBackends } from "../testing/backends";
import { eventually } from "../testing/board-client";
import { SqlBoardStore } from "./store.sql";

let seq = 0;
function step(doc: BoardDoc, op: BoardOp, by = "alice"): { next: BoardDoc; entry: CommittedOp } {
  const rev = doc.rev + 1;
  const at = 1_700_000_000_000 + rev;
  const entry: CommittedOp = { rev, opId: `op-${++seq}-${rev}`, op, by, at };
  return { next: applyOp(doc, op, rev, { by, at }), entry };
}

const rename = (title: string, baseRev: number): BoardOp => ({ type: "board.rename", title, baseRev });

/** Commits `n` renames one after another; returns the board and its entries. */
async function grow(store: SqlBoardStore, doc: BoardDoc, n: number) {
  const entries: CommittedOp[] = [];
  for (let i = 0; i < n; i++) {
    const { next, entry } = step(doc, rename(`T${doc.rev + 1}`, doc.rev));
    expect(await store.commit(doc.id, doc.rev, next, [entry])).toEqual({ status: "ok" });
    entries.push(entry);
    doc = next;
  }
  return { doc, entries };
}

/** Commits `ops` in one step (one transaction), as a queue of ops is committed. */
async function commitAll(store: SqlBoardStore, doc: BoardDoc, ops: BoardOp[]): Promise<BoardDoc> {
  const entries: CommittedOp[] = [];
  let next = doc;
  for (const op of ops) {
    const s = step(next, op);
    entries.push(s.entry);
    next = s.next;
  }
  expect(await store.commit(doc.id, doc.rev, next, entries)).toEqual({ status: "ok" });
  return next;
}

const layout = { x: 0, y: 0, w: 3, h: 2 };
const addKpi = (id: string): BoardOp => ({
  type: "widget.add",
  widget: { id, type: "kpi", title: "", layout, data: { value: null, label: "", unit: "" } },
});
const setKpi = (widgetId: string, value: number, baseRev: number): BoardOp => ({
  type: "kpi.value",
  widgetId,
  value,
  baseRev,
});

/** The snapshot the database holds for a board: its revision, and the revision that last wrote each widget row. */
async function storedSnapshot(database: SqlDatabase, boardId: string) {
  const head = await database.db
    .selectFrom("boards")
    .select("snapshot_rev")
    .where("id", "=", boardId)
    .executeTakeFirstOrThrow();
  const headers = await database.db
    .selectFrom("board_snapshots")
    .select("rev")
    .where("board_id", "=", boardId)
    .execute();
  const rows = await database.db
    .selectFrom("board_snapshot_widgets")
    .select(["widget_id", "rev"])
    .where("board_id", "=", boardId)
    .orderBy("widget_id")
    .execute();
  return {
    rev: head.snapshot_rev,
    headers: headers.map((h) => h.rev),
    widgets: Object.fromEntries(rows.map((r) => [r.widget_id, r.rev])),
  };
}

const sqlBackends = contractBackends({ sql: true });

describe.each(sqlBackends)("SqlBoardStore ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("keeps the full op log by default, and a cold store rebuilds the board from a snapshot and the log", async () => {
    const env = await backend.fresh();
    const database = await env.openSql!();
    const store = new SqlBoardStore(database, { snapshotEvery: 10 });
    const start = newBoard({ id: "full", title: "A", owner: "alice", at: 1 });
    await store.create(start);
    const { doc, entries } = await grow(store, start, 25);
    await store.close();
    expect(await store.entriesSince("full", 0, 100)).toEqual(entries);

    // Snapshots are taken after commits, every 10 ops or so (one is skipped while the one before it is still being
    // written), and only the first (history starts there) and the newest are kept.
    const snapshots = await database.db
      .selectFrom("board_snapshots")
      .select("rev")
      .where("board_id", "=", "full")
      .orderBy("rev")
      .execute();
    expect(snapshots).toHaveLength(2);
    expect(snapshots[0]!.rev).toBe(0);
    expect(snapshots[1]!.rev).toBeGreaterThanOrEqual(10);

    const cold = new SqlBoardStore(await env.openSql!());
    expect(await cold.load("full")).toEqual(doc);
    // Any past revision, from the first snapshot and the log.
    let past = start;
    for (const e of entries.slice(0, 7)) past = applyOp(past, e.op, e.rev, { by: e.by, at: e.at });
    expect(await cold.docAt("full", 7)).toEqual(past);
    expect((await cold.history("full", 8, 3)).map((e) => e.rev)).toEqual([7, 6, 5]);
    expect(await cold.committed("full", entries[3]!.opId)).toEqual(entries[3]);
  });

  it("moves a deleted board to its owner's trash, restores it whole, and purges it for good", async () => {
    const env = await backend.fresh();
    const database = await env.openSql!();
    let now = 1_000;
    const store = new SqlBoardStore(database, { now: () => now });
    const start = newBoard({ id: "trash", title: "T", owner: "alice", at: 1 });
    await store.create(start);
    const { doc } = await grow(store, start, 3);
    now = 5_000;
    await store.delete("trash");
    expect(await store.load("trash")).toBeUndefined();
    expect(await store.commit("trash", doc.rev, doc, [])).toEqual({ status: "missing" });
    expect(await store.deletedOf("alice")).toEqual([{ doc, deletedAt: 5_000 }]);
    expect(await store.deletedOf("bob")).toEqual([]);
    expect(await store.restore("trash", "bob")).toBeUndefined();
    expect(await store.restore("trash", "alice")).toEqual(doc);
    expect(await store.load("trash")).toEqual(doc);
    expect(await store.deletedOf("alice")).toEqual([]);

    await store.delete("trash");
    expect(await store.purgeDeletedBefore(5_000)).toBe(0);
    expect(await store.purgeDeletedBefore(5_001)).toBe(1);
    expect(await store.deletedOf("alice")).toEqual([]);
    expect(await store.restore("trash", "alice")).toBeUndefined();
    const ops = await database.db
      .selectFrom("board_ops")
      .select("rev")
      .where("board_id", "=", "trash")
      .execute();
    expect(ops).toEqual([]);
  });

  it("commits an opId sent to two instances at once exactly once, and both get the same entry", async () => {
    const env = await backend.fresh();
    // Two instances: two connection pools on PostgreSQL. SQLite is one process's database (embedded mode), and
    // better-sqlite3 blocks the thread while it waits for a lock, so there the two stores share the connection.
    const first = await env.openSql!();
    const a = new SqlBoardStore(first);
    const b = new SqlBoardStore(backend.name === "postgres" ? await env.openSql!() : first);
    let doc = newBoard({ id: "twice", title: "A", owner: "alice", at: 1 });
    await a.create(doc);
    for (let round = 0; round < 10; round++) {
      const { next, entry } = step(doc, rename(`R${round}`, doc.rev));
      const results = await Promise.all([
        a.commit("twice", doc.rev, next, [entry]),
        b.commit("twice", doc.rev, next, [entry]),
      ]);
      expect(results.filter((r) => r.status === "ok")).toHaveLength(1);
      expect(results.find((r) => r.status !== "ok")).toEqual({ status: "duplicate", entry });
      doc = next;
    }
    expect(await a.entriesSince("twice", 0, 100)).toHaveLength(10);
    expect(await b.load("twice")).toEqual(doc);
  });

  it("admits one of two instances' different ops at the same revision, and the other sees the winner", async () => {
    const env = await backend.fresh();
    const a = new SqlBoardStore(await env.openSql!());
    const b = new SqlBoardStore(await env.openSql!());
    const doc = newBoard({ id: "race", title: "A", owner: "alice", at: 1 });
    await a.create(doc);
    expect(await b.load("race")).toEqual(doc); // b caches the board at rev 0
    const fromA = step(doc, rename("from a", 0));
    const fromB = step(doc, rename("from b", 0));
    expect(await a.commit("race", 0, fromA.next, [fromA.entry])).toEqual({ status: "ok" });
    // b's cached copy is behind: it is checked against the head, not trusted.
    expect(await b.load("race")).toEqual(fromA.next);
    expect(await b.commit("race", 0, fromB.next, [fromB.entry])).toEqual({
      status: "stale",
      rev: 1,
      current: fromA.next,
    });
  });

  it("answers a unique violation as the checks do, and leaves the board as it was", async () => {
    const env = await backend.fresh();
    const database = await env.openSql!();
    const store = new SqlBoardStore(database);
    const doc = newBoard({ id: "guard", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    // A row at revision 1 that the head does not count, as a writer bypassing the store would leave it.
    await database.db
      .insertInto("board_ops")
      .values({ board_id: "guard", rev: 1, op_id: "foreign", op: "{}", by_user: "mallory", at: 1 })
      .execute();
    const { next, entry } = step(doc, rename("B", 0));
    expect(await store.commit("guard", 0, next, [entry])).toEqual({ status: "stale", rev: 0, current: doc });
    const head = await database.db
      .selectFrom("boards")
      .select("rev")
      .where("id", "=", "guard")
      .executeTakeFirst();
    expect(head?.rev).toBe(0);
    expect(await store.committed("guard", entry.opId)).toBeUndefined();
  });

  it("writes a snapshot in parts: only the widgets that changed since the one before, and removed ones go", async () => {
    const env = await backend.fresh();
    const database = await env.openSql!();
    const store = new SqlBoardStore(database, { snapshotEvery: 3 });
    const start = newBoard({ id: "parts", title: "A", owner: "alice", at: 1 });
    await store.create(start);
    const three = await commitAll(store, start, [addKpi("a"), addKpi("b"), addKpi("c")]);
    await eventually(async () => expect((await storedSnapshot(database, "parts")).rev).toBe(3));
    expect(await storedSnapshot(database, "parts")).toEqual({
      rev: 3,
      headers: [0, 3],
      widgets: { a: 3, b: 3, c: 3 },
    });

    const six = await commitAll(store, three, [
      setKpi("a", 1, 1),
      setKpi("a", 2, 4),
      { type: "widget.remove", widgetId: "c" },
    ]);
    await eventually(async () => expect((await storedSnapshot(database, "parts")).rev).toBe(6));
    // b did not change: its row is the one written at revision 3.
    expect(await storedSnapshot(database, "parts")).toEqual({
      rev: 6,
      headers: [0, 6],
      widgets: { a: 6, b: 3 },
    });

    const eight = await commitAll(store, six, [setKpi("b", 7, 2), setKpi("a", 3, 5)]);
    await store.close();
    // A cold store rebuilds the board from the parts and the log after them.
    const cold = new SqlBoardStore(await env.openSql!());
    expect(await cold.load("parts")).toEqual(eight);
    expect(eight.widgets.c).toBeUndefined();
  });

  it("loads a snapshot written whole, and writes the next one in parts", async () => {
    const env = await backend.fresh();
    const database = await env.openSql!();
    // A board as an earlier version or db:import wrote it: the whole document in one row, and a widget row that
    // belongs to no snapshot of it.
    let doc = newBoard({ id: "whole", title: "A", owner: "alice", at: 1 });
    const store = new SqlBoardStore(database, { snapshotEvery: 2 });
    await store.create(doc);
    doc = await commitAll(store, doc, [addKpi("k"), setKpi("k", 5, 1)]);
    await store.close();
    await database.db.deleteFrom("board_snapshots").where("board_id", "=", "whole").execute();
    await database.db.deleteFrom("board_snapshot_widgets").where("board_id", "=", "whole").execute();
    await database.db
      .insertInto("board_snapshots")
      .values({ board_id: "whole", rev: 2, doc: JSON.stringify(doc), taken_at: 1 })
      .execute();
    await database.db.updateTable("boards").set({ snapshot_rev: 2 }).where("id", "=", "whole").execute();
    await database.db
      .insertInto("board_snapshot_widgets")
      .values({ board_id: "whole", widget_id: "ghost", rev: 1, widget: "{}" })
      .execute();

    const reader = new SqlBoardStore(database, { snapshotEvery: 2 });
    expect(await reader.load("whole")).toEqual(doc);
    doc = await commitAll(reader, doc, [addKpi("m"), setKpi("m", 1, 3)]);
    await eventually(async () => expect((await storedSnapshot(database, "whole")).rev).toBe(4));
    expect(await storedSnapshot(database, "whole")).toEqual({
      rev: 4,
      headers: [2, 4],
      widgets: { k: 4, m: 4 },
    });
    await reader.close();
    expect(await new SqlBoardStore(await env.openSql!()).load("whole")).toEqual(doc);
  });

  it("forgets a released board's document, and reads it again from the database", async () => {
    const env = await backend.fresh();
    const database = await env.openSql!();
    const store = new SqlBoardStore(database, { snapshotEvery: 2 });
    let doc = newBoard({ id: "released", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    doc = await commitAll(store, doc, [addKpi("k"), setKpi("k", 5, 1), setKpi("k", 6, 2)]);
    expect(store.holds("released")).toBe(true);
    expect(store.held()).toEqual(["released"]);
    store.release("released");
    expect(store.holds("released")).toBe(false);
    expect(store.held()).toEqual([]);
    expect(await store.load("released")).toEqual(doc);
    expect(store.holds("released")).toBe(true);
    // Released while a commit is committed: the next snapshot does not trust rows it no longer knows.
    store.release("released");
    doc = await commitAll(store, doc, [setKpi("k", 7, 3)]);
    await store.close();
    expect(await new SqlBoardStore(await env.openSql!()).load("released")).toEqual(doc);
  });
});
