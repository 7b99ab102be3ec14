import { describe, expect, it } from "vitest";
import { applyOp, checkOp, mergeConcurrentEdit, newBoard } from "../boards/apply";
import type { BoardDoc } from "../boards/types";
import type { BoardOp, CommittedOp } from "../protocol/boards";
import { widgetKey } from "./field-keys";
import { Outbox, type OpOutcome } from "./outbox";

const layout = { x: 0, y: 0, w: 4, h: 3 };

function boardWithNote(): BoardDoc {
  const doc = newBoard({ id: "b1", title: "B", owner: "alice", at: 0 });
  return applyOp(
    doc,
    { type: "widget.add", widget: { id: "n1", type: "note", title: "", layout, data: { text: "" } } },
    1,
    { by: "alice", at: 1 },
  );
}

function commit(doc: BoardDoc, op: BoardOp, by = "alice"): { doc: BoardDoc; entry: CommittedOp } {
  const rev = doc.rev + 1;
  return {
    doc: applyOp(doc, op, rev, { by, at: rev }),
    entry: { rev, opId: `op${rev}xxxxx`, op, by, at: rev },
  };
}

const text = (t: string, baseRev: number): BoardOp => ({
  type: "note.text",
  widgetId: "n1",
  text: t,
  baseRev,
});

describe("Outbox", () => {
  it("folds a later value of a field into a queued op that was never sent, and settles both callers", () => {
    const box = new Outbox();
    const outcomes: OpOutcome[] = [];
    const first = box.add(text("a", 1), "op-aaaaaaaa", (o) => outcomes.push(o));
    const second = box.add(text("ab", 1), "op-bbbbbbbb", (o) => outcomes.push(o));
    expect(second).toBe(first);
    expect(box.size).toBe(1);
    expect(first.op).toMatchObject({ text: "ab" });
    const { entry } = commit(boardWithNote(), first.op);
    box.committed(first, entry);
    expect(outcomes).toEqual([
      { ok: true, entry },
      { ok: true, entry },
    ]);
  });

  it("never changes an op that was sent: its opId may already be committed", () => {
    const box = new Outbox();
    const first = box.add(text("a", 1), "op-aaaaaaaa");
    first.sent = true;
    const second = box.add(text("ab", 1), "op-bbbbbbbb");
    expect(second).not.toBe(first);
    expect(first.op).toMatchObject({ text: "a" });
    expect(box.size).toBe(2);
  });

  it("keeps merging ops apart and in order", () => {
    const box = new Outbox();
    box.add({ type: "checklist.add", widgetId: "c1", item: { id: "i1", text: "x" } }, "op-11111111");
    box.add({ type: "checklist.add", widgetId: "c1", item: { id: "i2", text: "y" } }, "op-22222222");
    expect(box.all.map((e) => e.opId)).toEqual(["op-11111111", "op-22222222"]);
  });

  it("rebases a user's next edit onto their own commit, but not onto someone else's", () => {
    const box = new Outbox();
    let doc = boardWithNote(); // text rev 1
    const first = box.add(text("a", 1), "op-aaaaaaaa");
    first.sent = true;
    const second = box.add(text("ab", 1), "op-bbbbbbbb");
    const c1 = commit(doc, box.prepare(first, doc));
    doc = c1.doc;
    box.committed(first, c1.entry);
    // The user saw their own "a" (rev 2) while typing "ab": the second edit is based on it.
    expect(box.prepare(second, doc)).toMatchObject({ text: "ab", baseRev: 2 });

    // Someone else writes in between: the edit keeps its basis, and the server will answer CONFLICT.
    const other = new Outbox();
    let doc2 = boardWithNote();
    const mine = other.add(text("mine", 1), "op-cccccccc");
    mine.sent = true;
    const next = other.add(text("mine too", 1), "op-dddddddd");
    const c2 = commit(doc2, other.prepare(mine, doc2));
    other.committed(mine, c2.entry);
    doc2 = commit(c2.doc, text("theirs", 2), "bob").doc;
    expect(other.prepare(next, doc2)).toMatchObject({ baseRev: 1 });
  });

  it("bases a note edit on the text this client last committed, so that the server merges what others wrote", () => {
    const box = new Outbox();
    let doc = boardWithNote(); // text "" at rev 1
    const withBase = (t: string): BoardOp => ({
      type: "note.text",
      widgetId: "n1",
      text: t,
      baseRev: 1,
      baseText: "",
    });
    const first = box.add(withBase("Plan"), "op-aaaaaaaa");
    first.sent = true;
    const second = box.add(withBase("Plan for Q3"), "op-bbbbbbbb");
    const c1 = commit(doc, box.prepare(first, doc));
    box.committed(first, c1.entry);
    // Bob commits on top before the second edit goes out: it still says it was written from "Plan".
    doc = commit(c1.doc, text("Plan, by Bob", 2), "bob").doc;
    expect(box.prepare(second, doc)).toEqual({
      type: "note.text",
      widgetId: "n1",
      text: "Plan for Q3",
      baseRev: 2,
      baseText: "Plan",
    });
  });

  it("lets an editor reopened over a pending save build on that save's basis, so others' words survive", () => {
    const start = "Agenda: budget and roadmap";
    const key = widgetKey("n1", "text");
    const server = (doc: BoardDoc, op: BoardOp, by: string) => {
      const role = by === "alice" ? "owner" : "editor";
      const merged = mergeConcurrentEdit(doc, op, role);
      checkOp(doc, merged, role);
      return commit(doc, merged, by);
    };
    const textOf = (doc: BoardDoc) => (doc.widgets.n1?.type === "note" ? doc.widgets.n1.data.text : "");
    let doc = commit(boardWithNote(), text(start, 1)).doc; // rev 2
    const box = new Outbox();
    const note = (t: string, baseRev: number, baseText: string): BoardOp => ({
      type: "note.text",
      widgetId: "n1",
      text: t,
      baseRev,
      baseText,
    });
    // Alice saves "Q3 roadmap"; it is in flight when Bob's "travel budget" commits and reaches her.
    const first = box.add(note("Agenda: budget and Q3 roadmap", 2, start), "op-aaaaaaaa");
    const wire = box.prepare(first, doc);
    const bob = server(doc, note("Agenda: travel budget and roadmap", 2, start), "bob");
    doc = bob.doc;
    // She reopens the note, which shows her pending text, and appends to it, on the pending save's basis.
    const basis = box.latestFor(key)!;
    expect(basis).toBe(first);
    const second = box.add(
      note("Agenda: budget and Q3 roadmap. Done.", basis.base!, (basis.op as { baseText: string }).baseText),
      "op-bbbbbbbb",
    );
    const c1 = server(doc, wire, "alice");
    box.committed(first, c1.entry);
    const c2 = server(c1.doc, box.prepare(second, c1.doc), "alice");
    expect(textOf(c2.doc)).toBe("Agenda: travel budget and Q3 roadmap. Done.");
  });

  it("drops queued edits of a refused field with it, the latest last, and leaves others queued", () => {
    const box = new Outbox();
    const outcomes: string[] = [];
    const a = box.add(text("a", 1), "op-aaaaaaaa", () => outcomes.push("a"));
    a.sent = true;
    box.add({ type: "widget.title", widgetId: "n1", title: "T", baseRev: 1 }, "op-tttttttt");
    box.add(text("abc", 1), "op-bbbbbbbb", () => outcomes.push("abc"));
    const gone = box.refused(a, { code: "CONFLICT", message: "x" });
    expect(gone.map((e) => e.op)).toEqual([text("a", 1), text("abc", 1)]);
    expect(outcomes).toEqual(["a", "abc"]);
    expect(box.all.map((e) => e.opId)).toEqual(["op-tttttttt"]);
  });

  it("lets an edit made before its widget's add was acknowledged build on that add", () => {
    const box = new Outbox();
    let doc = newBoard({ id: "b1", title: "B", owner: "alice", at: 0 });
    const add = box.add(
      { type: "widget.add", widget: { id: "n1", type: "note", title: "", layout, data: { text: "" } } },
      "op-addaddad",
    );
    add.sent = true;
    // The editor opened on the pending widget: it saw no revision of the text.
    const edit = box.add(text("first words", 0), "op-edited00");
    const c = commit(doc, box.prepare(add, doc));
    doc = c.doc;
    box.committed(add, c.entry);
    expect(box.prepare(edit, doc)).toMatchObject({ baseRev: 1 });
  });

  it("resends exactly what it sent first, even if the board moved on meanwhile", () => {
    const box = new Outbox();
    let doc = boardWithNote();
    const first = box.add(text("a", 1), "op-aaaaaaaa");
    const c = commit(doc, box.prepare(first, doc));
    box.committed(first, c.entry);
    doc = c.doc;
    const second = box.add(text("ab", 1), "op-bbbbbbbb");
    const wire = box.prepare(second, doc);
    expect(wire).toMatchObject({ baseRev: 2 });
    // The first attempt got no answer; someone else's commit arrives before the resend.
    doc = commit(doc, text("theirs", 2), "bob").doc;
    expect(box.prepare(second, doc)).toBe(wire);
  });
});
