import { describe, expect, it } from "vitest";
import { applyOp, checkOp, mergeConcurrentEdit, newBoard } from "../boards/apply";
import { roleOf, type BoardDoc } from "../boards/types";
import { boardOpSchema, type BoardOpInput } from "../protocol/boards";
import { AppError } from "../protocol/errors";
import { fieldKeyOf, fieldRev } from "./field-keys";
import type { OpOutcome } from "./outbox";
import { UndoHistory } from "./undo-history";

const layout = { x: 0, y: 0, w: 4, h: 3 };

/**
 * The board's rules, as the server runs them, over one document: each op is checked (CONFLICT on an unseen
 * change) and committed at the next revision. Ops are committed in the order they are submitted.
 */
class Board {
  doc: BoardDoc;
  constructor() {
    this.doc = newBoard({ id: "b1", title: "Ops", owner: "alice", at: 1 });
    this.doc = { ...this.doc, members: { bob: "editor" } };
  }
  commit(user: string, input: BoardOpInput): OpOutcome {
    let op = boardOpSchema.parse(input);
    try {
      op = mergeConcurrentEdit(this.doc, op, roleOf(this.doc, user));
      checkOp(this.doc, op, roleOf(this.doc, user));
    } catch (err) {
      if (err instanceof AppError) return { ok: false, error: err.toBody() };
      throw err;
    }
    const rev = this.doc.rev + 1;
    this.doc = applyOp(this.doc, op, rev, { by: user, at: rev });
    return { ok: true, entry: { rev, opId: `op${rev}`, op, by: user, at: rev } };
  }
  /** Another user's change, based on what is there now. */
  as(user: string, input: BoardOpInput): void {
    const outcome = this.commit(user, input);
    if (!outcome.ok) throw new Error(outcome.error.message);
  }
}

/** `shown`: the board as the tab shows it, when it has not caught up with the server yet. */
function setup(
  shown: { doc?: BoardDoc; confirmRemoval?: (widgets: readonly { id: string }[]) => Promise<boolean> } = {},
) {
  const board = new Board();
  // As the client's outbox does, a later save of one editing session is based on this client's own commit of it.
  const own = new Map<string, { base: number; rev: number }>();
  const undo = new UndoHistory({
    submit(input) {
      const op = boardOpSchema.parse(input);
      const key = fieldKeyOf(op);
      let sent = input;
      if (key !== undefined && "baseRev" in op) {
        const mine = own.get(key);
        if (mine?.base === op.baseRev && mine.rev === fieldRev(board.doc, key))
          sent = { ...input, baseRev: mine.rev } as BoardOpInput;
      }
      const outcome = board.commit("alice", sent);
      if (outcome.ok && key !== undefined && "baseRev" in op)
        own.set(key, { base: op.baseRev, rev: outcome.entry.rev });
      return Promise.resolve(outcome);
    },
    view: () => shown.doc ?? board.doc,
    confirmRemoval: (widgets) => shown.confirmRemoval?.(widgets) ?? Promise.resolve(false),
  });
  return { board, undo };
}

const note = (id: string, text: string): BoardOpInput => ({
  type: "widget.add",
  widget: { id, type: "note", title: id, layout, data: { text } },
});
const noteText = (b: Board, id: string) => {
  const w = b.doc.widgets[id];
  return w?.type === "note" ? w.data.text : undefined;
};

describe("UndoHistory", () => {
  it("undoes only the user's own last change; someone else's change elsewhere stays", async () => {
    const { board, undo } = setup();
    board.as("bob", note("n1", "bob's"));
    board.as("bob", note("n2", "shared"));
    await undo.submit({ type: "note.text", widgetId: "n2", text: "alice's", baseRev: 2 });
    board.as("bob", { type: "note.text", widgetId: "n1", text: "bob's again", baseRev: 1 });

    expect(undo.getState()).toMatchObject({ canUndo: true, canRedo: false });
    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(noteText(board, "n2")).toBe("shared");
    expect(noteText(board, "n1")).toBe("bob's again");
    expect(board.doc.rev).toBe(5); // the undo is a new op, history is not rewritten
    expect(undo.getState()).toMatchObject({ canUndo: false, canRedo: true });

    expect(await undo.redo()).toMatchObject({ ok: true });
    expect(noteText(board, "n2")).toBe("alice's");
    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(noteText(board, "n2")).toBe("shared");
  });

  it("refuses with CONFLICT instead of overwriting a field someone else changed since", async () => {
    const { board, undo } = setup();
    board.as("bob", note("n1", "v1"));
    await undo.submit({ type: "widget.title", widgetId: "n1", title: "Alice's title", baseRev: 1 });
    board.as("bob", { type: "widget.title", widgetId: "n1", title: "Bob's title", baseRev: 2 });

    const result = await undo.undo();
    expect(result).toMatchObject({
      ok: false,
      error: { code: "CONFLICT", details: { field: "title", rev: 3 } },
    });
    expect(board.doc.widgets.n1!.title).toBe("Bob's title");
    // Nothing to redo: the undo did not happen.
    expect(undo.getState()).toMatchObject({ canUndo: false, canRedo: false });
  });

  it("brings back a removed widget with its data, and a removed checklist item with its tick", async () => {
    const { board, undo } = setup();
    board.as("bob", note("n1", "keep me"));
    board.as("bob", {
      type: "widget.add",
      widget: {
        id: "c1",
        type: "checklist",
        layout,
        data: { items: [{ id: "i1", text: "ship", done: true }] },
      },
    });
    const removal = await undo.submit({ type: "widget.remove", widgetId: "n1" });
    expect(removal.ok).toBe(true);
    await undo.submit({ type: "checklist.remove", widgetId: "c1", itemId: "i1" });

    // A toast's Undo names its step: the older removal is taken back first, the newer one stays undoable.
    const steps = undo.getState();
    expect(steps.canUndo).toBe(true);
    expect(await undo.undo(1)).toMatchObject({ ok: true });
    expect(board.doc.widgets.n1).toMatchObject({ type: "note", title: "n1", data: { text: "keep me" } });
    expect(board.doc.widgets.c1!.data).toEqual({ items: [] });

    // The re-added item's tick is based on the re-add, which a client's outbox does; here it is done by hand.
    const undone = await undo.undo();
    expect(undone.ok).toBe(false);
    const c1 = board.doc.widgets.c1;
    expect(c1?.type === "checklist" && c1.data.items.map((i) => i.text)).toEqual(["ship"]);
  });

  it("takes back a restore of several ops in one step, and a new change forgets the redo", async () => {
    const { board, undo } = setup();
    board.as("bob", note("n1", "one"));
    board.as("bob", note("n2", "two"));
    const { step, outcomes } = undo.submitAll(
      [
        { type: "note.text", widgetId: "n1", text: "ONE", baseRev: 1 },
        { type: "widget.remove", widgetId: "n2" },
      ],
      "restore revision 1",
    );
    expect(step?.label).toBe("restore revision 1");
    expect((await outcomes).every((o) => o.ok)).toBe(true);
    expect(undo.getState().undoLabel).toBe("restore revision 1");

    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(noteText(board, "n1")).toBe("one");
    expect(noteText(board, "n2")).toBe("two");
    expect(undo.getState().canRedo).toBe(true);
    await undo.submit({ type: "board.rename", title: "New", baseRev: 0 });
    expect(undo.getState()).toMatchObject({ canUndo: true, canRedo: false });
  });

  it("takes back one editing session saved in several goes at once, then the session before it", async () => {
    const { board, undo } = setup();
    board.as("bob", note("n1", "start"));
    // Two sessions of two saves each; every save of a session carries the revision the editor opened on.
    await undo.submit({ type: "note.text", widgetId: "n1", text: "a1", baseRev: 1 });
    await undo.submit({ type: "note.text", widgetId: "n1", text: "a2", baseRev: 1 });
    await undo.submit({ type: "note.text", widgetId: "n1", text: "b1", baseRev: 3 });
    await undo.submit({ type: "note.text", widgetId: "n1", text: "b2", baseRev: 3 });
    expect(noteText(board, "n1")).toBe("b2");

    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(noteText(board, "n1")).toBe("a2");
    // The field changed since the first session, but only by this tab's own undo: no conflict.
    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(noteText(board, "n1")).toBe("start");
    expect(await undo.redo()).toMatchObject({ ok: true });
    expect(await undo.redo()).toMatchObject({ ok: true });
    expect(noteText(board, "n1")).toBe("b2");

    // Someone else's change in between does make it a conflict.
    await undo.undo();
    board.as("bob", { type: "note.text", widgetId: "n1", text: "bob", baseRev: board.doc.rev });
    expect(await undo.undo()).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(noteText(board, "n1")).toBe("bob");
  });

  it("undoing a note edit the server merged with someone else's words takes back only the user's words", async () => {
    const shown: { doc?: BoardDoc } = {};
    const { board, undo } = setup(shown);
    const start = "Agenda: budget and roadmap.";
    board.as("bob", note("n1", start));
    // Alice's tab has not yet seen bob's edit when she saves hers, written from the same text.
    shown.doc = board.doc;
    board.as("bob", {
      type: "note.text",
      widgetId: "n1",
      text: "Agenda: budget and the Q3 roadmap.",
      baseRev: 1,
    });
    const aliceText = "Agenda: travel budget and roadmap.";
    const saved = await undo.submit({
      type: "note.text",
      widgetId: "n1",
      text: aliceText,
      baseRev: 1,
      baseText: start,
    });
    expect(saved).toMatchObject({ ok: true });
    const merged = "Agenda: travel budget and the Q3 roadmap.";
    expect(noteText(board, "n1")).toBe(merged);
    shown.doc = undefined;

    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(noteText(board, "n1")).toBe("Agenda: budget and the Q3 roadmap.");
    expect(await undo.redo()).toMatchObject({ ok: true });
    expect(noteText(board, "n1")).toBe(merged);
  });

  it("undoing a note edit keeps words someone wrote since elsewhere, and raises the conflict on the same words", async () => {
    const { board, undo } = setup();
    board.as("bob", note("n1", "Plan the launch."));
    await undo.submit({ type: "note.text", widgetId: "n1", text: "Plan the big launch.", baseRev: 1 });
    await undo.submit({ type: "note.text", widgetId: "n1", text: "Plan the big launch party.", baseRev: 2 });
    board.as("bob", {
      type: "note.text",
      widgetId: "n1",
      text: "Bob: plan the big launch party.",
      baseRev: 3,
    });

    // Alice's last word goes; bob's words, written after it, stay.
    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(noteText(board, "n1")).toBe("Bob: plan the big launch.");

    // Bob rewrites the word alice added before: her undo of it is refused, his text stays.
    board.as("bob", {
      type: "note.text",
      widgetId: "n1",
      text: "Bob: plan the huge launch.",
      baseRev: board.doc.rev,
    });
    expect(await undo.undo()).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(noteText(board, "n1")).toBe("Bob: plan the huge launch.");
  });

  it("records nothing for a refused change or one that cannot be taken back", async () => {
    const { board, undo } = setup();
    board.as("bob", note("n1", "x"));
    const refused = await undo.submit({ type: "note.text", widgetId: "n1", text: "stale", baseRev: 0 });
    expect(refused).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    await undo.submit({ type: "widget.add", widget: { id: "ch", type: "chart", layout } });
    await undo.undo(); // the add of the chart
    await undo.submit({ type: "note.text", widgetId: "n1", text: "x", baseRev: 1 }); // no change
    expect(undo.getState()).toMatchObject({ canUndo: false });
    expect(await undo.undo()).toEqual({ ok: false, error: null });
  });

  it("asks before an undo of an add drops someone else's later edits, and keeps the widget on a no", async () => {
    const asked: string[][] = [];
    let answer = false;
    const { board, undo } = setup({
      confirmRemoval: (widgets) => {
        asked.push(widgets.map((w) => w.id));
        return Promise.resolve(answer);
      },
    });
    const added = await undo.submit(note("n1", "mine"));
    expect(added.ok).toBe(true);
    const addRev = added.ok ? added.entry.rev : 0;
    board.as("bob", { type: "note.text", widgetId: "n1", text: "bob's words", baseRev: addRev });

    expect(await undo.undo()).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(asked).toEqual([["n1"]]);
    expect(noteText(board, "n1")).toBe("bob's words");
    expect(undo.getState().canUndo).toBe(true);

    answer = true;
    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(board.doc.widgets.n1).toBeUndefined();
  });

  it("does not ask when the widget was changed since only by the user's own changes", async () => {
    const asked: string[][] = [];
    const { board, undo } = setup({
      confirmRemoval: (widgets) => {
        asked.push(widgets.map((w) => w.id));
        return Promise.resolve(false);
      },
    });
    const added = await undo.submit(note("n1", "mine"));
    const addRev = added.ok ? added.entry.rev : 0;
    await undo.submit({ type: "widget.title", widgetId: "n1", title: "Mine", baseRev: addRev });
    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(await undo.undo()).toMatchObject({ ok: true });
    expect(asked).toEqual([]);
    expect(board.doc.widgets.n1).toBeUndefined();
  });

  it("takes back a restore that was refused halfway, so the board is never half restored", async () => {
    const { board, undo } = setup();
    board.as("bob", note("n1", "one"));
    board.as("bob", note("n2", "two"));
    board.as("bob", { type: "widget.title", widgetId: "n2", title: "Bob's", baseRev: 2 });
    const result = await undo.restore(
      [
        { type: "note.text", widgetId: "n1", text: "ONE", baseRev: 1 },
        // Based on a revision before bob's title: refused.
        { type: "widget.title", widgetId: "n2", title: "old", baseRev: 2 },
      ],
      "restore the board to revision 2",
    );
    expect(result).toMatchObject({ ok: false, error: { code: "CONFLICT" }, rolledBack: true });
    expect(noteText(board, "n1")).toBe("one");
    expect(board.doc.widgets.n2!.title).toBe("Bob's");
    expect(undo.getState()).toMatchObject({ canUndo: false, canRedo: false });

    const whole = await undo.restore([{ type: "board.rename", title: "New", baseRev: 0 }], "r");
    expect(whole).toMatchObject({ ok: true });
    expect(board.doc.title).toBe("New");
  });
});
