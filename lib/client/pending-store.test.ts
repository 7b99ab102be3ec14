import { describe, expect, it } from "vitest";
import { applyOp, checkOp, newBoard } from "../boards/apply";
import type { BoardOp } from "../protocol/boards";
import { Outbox } from "./outbox";
import {
  MAX_STORED_OPS,
  MemoryPendingStore,
  PendingJournal,
  validStoredOps,
  type PendingScope,
} from "./pending-store";

const alice: PendingScope = { user: "alice", boardId: "b1" };
const bob: PendingScope = { user: "bob", boardId: "b1" };
const title = (t: string, baseRev = 1): BoardOp => ({
  type: "widget.title",
  widgetId: "w1",
  title: t,
  baseRev,
});
const id = (n: number) => `op-${String(n).padStart(6, "0")}`;

async function stored(store: MemoryPendingStore, scope: PendingScope) {
  return validStoredOps(await store.load(scope)).map((o) => [o.opId, o.op]);
}

describe("PendingJournal", () => {
  it("writes new changes, rewrites one whose op changed, and deletes those that left the outbox", async () => {
    const store = new MemoryPendingStore();
    const journal = new PendingJournal(store, alice);
    const a = title("a");
    const b = title("b", 2);
    journal.sync([
      { opId: id(1), op: a },
      { opId: id(2), op: b },
    ]);
    await journal.flush();
    expect(await stored(store, alice)).toEqual([
      [id(1), a],
      [id(2), b],
    ]);
    const b2 = title("b, longer", 2);
    journal.sync([
      { opId: id(1), op: a },
      { opId: id(2), op: b2 },
    ]);
    journal.sync([{ opId: id(2), op: b2 }]);
    await journal.flush();
    expect(await stored(store, alice)).toEqual([[id(2), b2]]);
    expect(journal.saved).toBe(true);
  });

  it("keeps each user's changes apart: another user's journal loads none of them", async () => {
    const store = new MemoryPendingStore();
    const mine = new PendingJournal(store, alice);
    mine.sync([{ opId: id(1), op: title("a") }]);
    await mine.flush();
    expect(await new PendingJournal(store, bob).load()).toEqual([]);
    expect(await new PendingJournal(store, { user: "alice", boardId: "b2" }).load()).toEqual([]);
    expect(await new PendingJournal(store, alice).load()).toHaveLength(1);
  });

  it("loads in the order the changes were made, and keeps their order when a later tab adds more", async () => {
    const store = new MemoryPendingStore();
    const first = new PendingJournal(store, alice);
    first.sync([1, 2, 3].map((n) => ({ opId: id(n), op: title(`t${n}`) })));
    await first.flush();
    const second = new PendingJournal(store, alice);
    const loaded = await second.load();
    expect(loaded.map((o) => o.opId)).toEqual([id(1), id(2), id(3)]);
    second.sync([...loaded, { opId: id(4), op: title("t4") }]);
    await second.flush();
    expect((await new PendingJournal(store, alice).load()).map((o) => o.opId)).toEqual([
      id(1),
      id(2),
      id(3),
      id(4),
    ]);
  });

  it("drops records that are not valid changes, from the load and from the device", async () => {
    const store = new MemoryPendingStore();
    await store.put(alice, { opId: id(1), op: title("ok"), seq: 1 });
    await store.put(alice, { opId: id(2), op: { type: "widget.title" } as unknown as BoardOp, seq: 2 });
    await store.put(alice, { opId: "x", op: title("bad id"), seq: 3 });
    const journal = new PendingJournal(store, alice);
    expect((await journal.load()).map((o) => o.opId)).toEqual([id(1)]);
    await journal.flush();
    expect((await store.load(alice)).map((r) => (r as { opId: string }).opId)).toEqual([id(1)]);
  });

  it("bounds what it restores", () => {
    const records = Array.from({ length: MAX_STORED_OPS + 5 }, (_, i) => ({
      opId: id(i),
      op: title("x"),
      seq: i,
    }));
    const ops = validStoredOps([...records, records[0]]);
    expect(ops).toHaveLength(MAX_STORED_OPS);
    expect(ops[0]!.opId).toBe(id(0));
  });

  it("clear forgets the scope, and nothing is written after it", async () => {
    const store = new MemoryPendingStore();
    const journal = new PendingJournal(store, alice);
    journal.sync([{ opId: id(1), op: title("a") }]);
    journal.clear();
    journal.sync([{ opId: id(2), op: title("b") }]);
    await journal.flush();
    expect(await store.load(alice)).toEqual([]);
  });

  it("reports a failed write as not saved", async () => {
    const store = new MemoryPendingStore();
    store.put = () => Promise.reject(new Error("quota"));
    const journal = new PendingJournal(store, alice);
    journal.sync([{ opId: id(1), op: title("a") }]);
    await journal.flush();
    expect(journal.saved).toBe(false);
  });
});

describe("Outbox.restore", () => {
  it("puts restored changes first, as they were kept, and never merges a later edit into them", () => {
    const outbox = new Outbox();
    outbox.add(title("typed after reload", 1), id(9));
    const kept = title("typed offline", 1);
    outbox.restore([{ opId: id(1), op: kept }]);
    expect(outbox.all.map((e) => e.opId)).toEqual([id(1), id(9)]);
    // Same field, same basis: a fresh entry would be merged, a restored one (maybe committed already) is not.
    outbox.add(title("again", 1), id(10));
    expect(outbox.all.map((e) => [e.opId, e.op])).toEqual([
      [id(1), kept],
      [id(10), title("again", 1)],
    ]);
    // Resent exactly as kept, under its own opId.
    expect(outbox.head()?.sent).toBe(true);
    expect(outbox.head()?.wire).toBe(kept);
  });

  it("gives a replaced unsent value a new opId, so that a copy kept and sent elsewhere cannot stand for it", () => {
    const outbox = new Outbox();
    outbox.add(title("a", 1), id(1));
    outbox.add(title("ab", 1), id(2));
    expect(outbox.all.map((e) => [e.opId, e.op])).toEqual([[id(2), title("ab", 1)]]);
  });

  it("skips a change the outbox holds already", () => {
    const outbox = new Outbox();
    outbox.add(title("a"), id(1));
    outbox.restore([{ opId: id(1), op: title("a") }]);
    expect(outbox.size).toBe(1);
  });

  it("sends a kept change that was never sent like a new one: rebased onto this client's commit before it", async () => {
    // A board whose widget n1 has its title at revision 1.
    const layout = { x: 0, y: 0, w: 4, h: 3 };
    let doc = applyOp(
      newBoard({ id: "b1", title: "B", owner: "alice", at: 0 }),
      { type: "widget.add", widget: { id: "n1", type: "note", title: "", layout, data: { text: "" } } },
      1,
      { by: "alice", at: 1 },
    );
    const edit = (t: string): BoardOp => ({ type: "widget.title", widgetId: "n1", title: t, baseRev: 1 });
    // The first tab sends one title, and the connection drops before the ack; the user edits the title again.
    const store = new MemoryPendingStore();
    const first = new Outbox();
    const journal = new PendingJournal(store, alice);
    const persist = () =>
      journal.sync(first.all.map((e) => ({ opId: e.opId, op: e.wire ?? e.op, sent: e.sent })));
    first.prepare(first.add(edit("one"), id(1)), doc);
    persist();
    first.add(edit("two"), id(2));
    persist();
    await journal.flush();

    // After a reload: the first op commits (resent under its opId), then the second goes.
    const second = new Outbox();
    second.restore(await new PendingJournal(store, alice).load());
    const [op1, op2] = second.all;
    const sent1 = second.prepare(op1!, doc);
    expect(sent1).toEqual(edit("one"));
    doc = applyOp(doc, sent1, 2, { by: "alice", at: 2 });
    second.committed(op1!, { rev: 2, opId: id(1), op: sent1, by: "alice", at: 2 });
    const sent2 = second.prepare(op2!, doc);
    expect(sent2).toEqual({ ...edit("two"), baseRev: 2 });
    expect(() => checkOp(doc, edit("two"), "owner")).toThrow();
    expect(() => checkOp(doc, sent2, "owner")).not.toThrow();
  });

  it("resends a kept record without the sent flag exactly as kept (records of the earlier format)", async () => {
    const store = new MemoryPendingStore();
    const old = { type: "widget.title", widgetId: "n1", title: "x", baseRev: 1 } as const;
    await store.put(alice, { opId: id(1), op: old, seq: 1 });
    const outbox = new Outbox();
    outbox.restore(await new PendingJournal(store, alice).load());
    expect(outbox.head()?.sent).toBe(true);
    expect(outbox.head()?.wire).toEqual(old);
  });
});
