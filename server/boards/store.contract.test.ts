import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyOp, newBoard } from "@/lib/boards/apply";
import { LIMITS } from "@/lib/boards/limits";
import type { BoardDoc } from "@/lib/boards/types";
import type { BoardOp, CommittedOp } from "@/lib/protocol/boards";
import { contractBackends, type ContractEnv } from "../testing/backends";
import type { BoardStore } from "./store";
import { SqlBoardStore } from "./store.sql";

async function storeFor(env: ContractEnv): Promise<BoardStore> {
  // The SQL store keeps the whole log unless told otherwise; here it keeps as much as the others, so that the
  // suite sees it answer for a log that no longer reaches back (store.sql.test.ts covers the full history).
  return new SqlBoardStore(await env.openSql!(), { logRetention: LIMITS.logLength });
}

let seq = 0;
function step(doc: BoardDoc, op: BoardOp, by = "alice"): { next: BoardDoc; entry: CommittedOp } {
  const rev = doc.rev + 1;
  const at = 1_700_000_000_000 + rev;
  const entry: CommittedOp = { rev, opId: `op-${++seq}-${rev}xx`, op, by, at };
  return { next: applyOp(doc, op, rev, { by, at }), entry };
}

const rename = (title: string, baseRev = 0): BoardOp => ({ type: "board.rename", title, baseRev });

describe.each(contractBackends({ sql: true }))("BoardStore contract ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("creates a board once and loads it", async () => {
    const store = await storeFor(await backend.fresh());
    const doc = newBoard({ id: "b1", title: "Ops", owner: "alice", at: 1 });
    expect(await store.create(doc)).toBe(true);
    expect(await store.create({ ...doc, title: "Other" })).toBe(false);
    expect(await store.load("b1")).toEqual(doc);
    expect(await store.load("nope")).toBeUndefined();
    expect(await store.boardIdsOf("alice")).toEqual(["b1"]);
  });

  it("commits in revision order, refuses a stale revision, and answers a repeated opId with the original entry", async () => {
    const store = await storeFor(await backend.fresh());
    const doc = newBoard({ id: "b2", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    const first = step(doc, rename("B"));
    expect(await store.commit("b2", 0, first.next, [first.entry])).toEqual({ status: "ok" });
    const stale = step(doc, rename("C"));
    expect(await store.commit("b2", 0, stale.next, [stale.entry])).toEqual({
      status: "stale",
      rev: 1,
      current: first.next,
    });
    const again = { ...first.entry, rev: 2 };
    expect(await store.commit("b2", 1, first.next, [again])).toEqual({
      status: "duplicate",
      entry: first.entry,
    });
    expect(await store.committed("b2", first.entry.opId)).toEqual(first.entry);
    expect((await store.load("b2"))?.title).toBe("B");
    expect(await store.commit("gone", 0, first.next, [stale.entry])).toEqual({ status: "missing" });
  });

  it("admits exactly one of many concurrent commits at the same revision", async () => {
    const store = await storeFor(await backend.fresh());
    const doc = newBoard({ id: "b3", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    const attempts = Array.from({ length: 20 }, (_, i) => step(doc, rename(`T${i}`)));
    const results = await Promise.all(attempts.map((a) => store.commit("b3", 0, a.next, [a.entry])));
    expect(results.filter((r) => r.status === "ok")).toHaveLength(1);
    expect(results.filter((r) => r.status === "stale")).toHaveLength(19);
    expect((await store.load("b3"))?.rev).toBe(1);
  });

  it("returns the entries after a revision, and nothing once the log no longer reaches back", async () => {
    const store = await storeFor(await backend.fresh());
    let doc = newBoard({ id: "b4", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    const entries: CommittedOp[] = [];
    for (let i = 0; i < 1_300; i++) {
      const { next, entry } = step(doc, rename(`T${i}`, doc.rev));
      expect((await store.commit("b4", doc.rev, next, [entry])).status).toBe("ok");
      entries.push(entry);
      doc = next;
    }
    expect(await store.entriesSince("b4", 1_300, 100)).toEqual([]);
    expect(await store.entriesSince("b4", 1_290, 100)).toEqual(entries.slice(1_290));
    expect(await store.entriesSince("b4", 1_200, 5)).toEqual(entries.slice(1_200, 1_205));
    expect(await store.entriesSince("b4", 0, 100)).toBeUndefined();
  });

  it("keeps boards, logs and opIds across a restart", async () => {
    const env = await backend.fresh();
    const store = await storeFor(env);
    const doc = newBoard({ id: "b5", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    const { next, entry } = step(doc, rename("Kept"));
    await store.commit("b5", 0, next, [entry]);
    await store.close();
    const reopened = await storeFor(env);
    expect((await reopened.load("b5"))?.title).toBe("Kept");
    expect(await reopened.entriesSince("b5", 0, 10)).toEqual([entry]);
    expect((await reopened.commit("b5", 1, next, [{ ...entry, rev: 2 }])).status).toBe("duplicate");
  });

  it("commits several ops in one step at consecutive revisions, or none of them", async () => {
    const store = await storeFor(await backend.fresh());
    const doc = newBoard({ id: "b7", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    const a = step(doc, rename("B", 0));
    const b = step(a.next, rename("C", 1));
    const c = step(b.next, rename("D", 2));
    expect(await store.commit("b7", 0, c.next, [a.entry, b.entry, c.entry])).toEqual({ status: "ok" });
    expect(await store.load("b7")).toEqual(c.next);
    expect(await store.entriesSince("b7", 0, 10)).toEqual([a.entry, b.entry, c.entry]);
    expect(await store.committed("b7", b.entry.opId)).toEqual(b.entry);

    // One opId of a batch applied before: the whole batch is refused and the board is left as it was.
    const d = step(c.next, rename("E", 3));
    const repeat = { ...b.entry, rev: 5 };
    expect(await store.commit("b7", 3, d.next, [d.entry, repeat])).toEqual({
      status: "duplicate",
      entry: b.entry,
    });
    expect((await store.load("b7"))?.rev).toBe(3);
    expect(await store.committed("b7", d.entry.opId)).toBeUndefined();
    expect(await store.entriesSince("b7", 3, 10)).toEqual([]);
  });

  it("refuses a commit that carries one opId twice, or revisions with a gap, and changes nothing", async () => {
    const store = await storeFor(await backend.fresh());
    const doc = newBoard({ id: "b8", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    const a = step(doc, rename("B", 0));
    const b = step(a.next, rename("C", 1));
    const twice = { ...b.entry, opId: a.entry.opId };
    await expect(store.commit("b8", 0, b.next, [a.entry, twice])).rejects.toThrow(/opId twice/);
    const gap = { ...b.entry, rev: 3 };
    await expect(store.commit("b8", 0, b.next, [a.entry, gap])).rejects.toThrow(/revisions/);
    const early = { ...a.entry, rev: 0 };
    await expect(store.commit("b8", 0, a.next, [early])).rejects.toThrow(/revisions/);
    expect(await store.load("b8")).toEqual(doc);
    expect(await store.committed("b8", a.entry.opId)).toBeUndefined();
    expect(await store.entriesSince("b8", 0, 10)).toEqual([]);
    // The same ops, well formed, still commit.
    expect(await store.commit("b8", 0, b.next, [a.entry, b.entry])).toEqual({ status: "ok" });
  });

  it("indexes members with the commit that changes them, and forgets deleted boards", async () => {
    const store = await storeFor(await backend.fresh());
    const doc = newBoard({ id: "b6", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    const { next, entry } = step(doc, { type: "member.set", user: "bob", role: "viewer" });
    await store.commit("b6", 0, next, [entry]);
    expect(await store.boardIdsOf("bob")).toEqual(["b6"]);
    // Added and removed in one batch: out of the list; the owner stays in it.
    const carolIn = step(next, { type: "member.set", user: "carol", role: "editor" });
    const carolOut = step(carolIn.next, { type: "member.set", user: "carol", role: null });
    await store.commit("b6", 1, carolOut.next, [carolIn.entry, carolOut.entry]);
    expect(await store.boardIdsOf("carol")).toEqual([]);
    const bobOut = step(carolOut.next, { type: "member.set", user: "bob", role: null });
    await store.commit("b6", 3, bobOut.next, [bobOut.entry]);
    expect(await store.boardIdsOf("bob")).toEqual([]);
    expect(await store.boardIdsOf("alice")).toEqual(["b6"]);
    await store.indexMember("bob", "b6", true);
    expect(await store.boardIdsOf("bob")).toEqual(["b6"]);
    await store.delete("b6");
    expect(await store.load("b6")).toBeUndefined();
    expect(await store.entriesSince("b6", 0, 10)).toBeUndefined();
  });
});
