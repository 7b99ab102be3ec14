import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { applyOp, newBoard } from "../boards/apply";
import type { BoardDoc, KpiWidget } from "../boards/types";
import type { BoardOp, BoardOpInput, CommittedOp } from "../protocol/boards";
import { KpiEditor, NoteEditor, basesOf, type EditorHost } from "./field-editor";
import type { OpOutcome } from "./outbox";

const layout = { x: 0, y: 0, w: 4, h: 3 };

/** A board built by applying ops, as every replica builds it. */
function board(...ops: BoardOp[]): BoardDoc {
  let doc = newBoard({ id: "b1", title: "Ops", owner: "alice", at: 1 });
  for (const op of ops) doc = applyOp(doc, op, doc.rev + 1, { by: "alice", at: doc.rev + 1 });
  return doc;
}

/** The session as the editor sees it: every submit waits until the test answers it. */
class Host implements EditorHost {
  readonly sent: { op: BoardOpInput; answer(outcome: OpOutcome): void }[] = [];
  editing: string | null = null;
  pending = new Map<string, { baseRev: number; baseText?: string }>();
  submit(op: BoardOpInput): Promise<OpOutcome> {
    return new Promise((resolve) => this.sent.push({ op, answer: resolve }));
  }
  pendingBasis(key: string) {
    return this.pending.get(key);
  }
  setEditing(widgetId: string | null) {
    this.editing = widgetId;
  }
  /** Acknowledges save `i` as committed at `rev`, with the text the server committed. */
  ack(i: number, rev: number, text?: string) {
    const { op, answer } = this.sent[i]!;
    const committedOp = { ...op, ...(text !== undefined ? { text } : {}) } as BoardOp;
    const entry: CommittedOp = { rev, opId: `op${i}`, op: committedOp, by: "alice", at: rev };
    answer({ ok: true, entry });
  }
}

const flushPromises = () => new Promise<void>((r) => queueMicrotask(r)).then(() => Promise.resolve());

describe("NoteEditor", () => {
  let host: Host;
  beforeEach(() => {
    vi.useFakeTimers();
    host = new Host();
  });
  afterEach(() => vi.useRealTimers());

  const withNote = (text: string) =>
    board(
      { type: "widget.add", widget: { id: "n1", type: "note", title: "", layout, data: { text: "" } } },
      { type: "note.text", widgetId: "n1", text, baseRev: 1 },
    );

  it("saves typing once it pauses, based on the text and revision it started from", () => {
    const doc = withNote("hello");
    const editor = new NoteEditor({ widgetId: "n1", host, saveDelayMs: 600 });
    editor.begin(doc, "hello");
    expect(host.editing).toBe("n1");
    expect(editor.getState()).toEqual({ draft: "hello", saveState: "idle" });
    editor.change("hello w");
    vi.advanceTimersByTime(300);
    editor.change("hello world");
    vi.advanceTimersByTime(599);
    expect(host.sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(host.sent.map((s) => s.op)).toEqual([
      { type: "note.text", widgetId: "n1", text: "hello world", baseRev: 2, baseText: "hello" },
    ]);
    expect(editor.getState().saveState).toBe("saving");
  });

  it("sends nothing when the text did not change, and saves at once when editing ends", () => {
    const editor = new NoteEditor({ widgetId: "n1", host });
    editor.begin(withNote("same"), "same");
    editor.flush();
    expect(host.sent).toHaveLength(0);
    editor.change("changed");
    editor.end();
    expect(host.sent.map((s) => s.op.type === "note.text" && s.op.text)).toEqual(["changed"]);
    expect(editor.getState().draft).toBeNull();
    expect(host.editing).toBeNull();
    vi.advanceTimersByTime(5_000);
    expect(host.sent).toHaveLength(1);
  });

  it("shows Saved after the ack and Not saved after a refusal", async () => {
    const editor = new NoteEditor({ widgetId: "n1", host });
    editor.begin(withNote("a"), "a");
    editor.change("ab");
    editor.flush();
    host.ack(0, 3);
    await flushPromises();
    expect(editor.getState().saveState).toBe("saved");
    editor.change("abc");
    editor.flush();
    host.sent[1]!.answer({ ok: false, error: { code: "UNAVAILABLE", message: "try again" } });
    await flushPromises();
    expect(editor.getState().saveState).toBe("failed");
  });

  it("takes someone else's merged words into the open editor, keeping what was typed since", async () => {
    const editor = new NoteEditor({ widgetId: "n1", host });
    editor.begin(withNote("one two three"), "one two three");
    editor.change("one 2 three");
    editor.flush();
    // Typed on while the save was on its way.
    editor.change("one 2 three four");
    // The server merged bob's edit of another word.
    host.ack(0, 5, "ONE 2 three");
    await flushPromises();
    expect(editor.getState().draft).toBe("ONE 2 three four");
    editor.flush();
    expect(host.sent[1]!.op).toMatchObject({ text: "ONE 2 three four", baseRev: 5, baseText: "ONE 2 three" });
  });

  it("lets only the newest save move the basis", async () => {
    const editor = new NoteEditor({ widgetId: "n1", host });
    editor.begin(withNote("a b"), "a b");
    editor.change("a b c");
    editor.flush();
    editor.change("a b c d");
    editor.flush();
    host.ack(0, 3, "X a b c");
    await flushPromises();
    expect(editor.getState().draft).toBe("a b c d");
  });

  it("bases an editor reopened over a pending save on that save's basis", () => {
    host.pending.set("w:n1:text", { baseRev: 2, baseText: "hello" });
    const editor = new NoteEditor({ widgetId: "n1", host });
    // The committed board has moved on (someone added words), but this user's save of "hello you" is pending.
    const doc = applyOp(
      withNote("hello"),
      { type: "note.text", widgetId: "n1", text: "hello there", baseRev: 2 },
      3,
      {
        by: "bob",
        at: 3,
      },
    );
    editor.begin(doc, "hello you");
    editor.change("hello you all");
    editor.flush();
    expect(host.sent[0]!.op).toMatchObject({ text: "hello you all", baseRev: 2, baseText: "hello" });
  });

  it("saves nothing while a conflict is open; Keep mine writes over theirs on purpose", () => {
    const editor = new NoteEditor({ widgetId: "n1", host });
    editor.begin(withNote("base"), "base");
    editor.setConflictOpen(true);
    editor.change("mine");
    vi.advanceTimersByTime(1_000);
    editor.flush();
    expect(host.sent).toHaveLength(0);
    editor.keepMine({ rev: 7, current: "theirs", mine: "ignored while the editor is open" }, "theirs");
    expect(host.sent.map((s) => s.op)).toEqual([
      { type: "note.text", widgetId: "n1", text: "mine", baseRev: 7, baseText: "theirs" },
    ]);
  });

  it("Use theirs puts their text in the editor and writes on from it", () => {
    const editor = new NoteEditor({ widgetId: "n1", host });
    editor.begin(withNote("base"), "base");
    editor.setConflictOpen(true);
    editor.change("mine");
    editor.useTheirs({ rev: 7, current: "theirs", mine: "mine" }, "theirs");
    expect(editor.getState()).toEqual({ draft: "theirs", saveState: "idle" });
    editor.flush();
    expect(host.sent).toHaveLength(0);
    editor.change("theirs and more");
    editor.flush();
    expect(host.sent[0]!.op).toMatchObject({ text: "theirs and more", baseRev: 7, baseText: "theirs" });
  });

  it("Keep mine from a closed editor sends the text of the refused save", () => {
    const editor = new NoteEditor({ widgetId: "n1", host });
    editor.keepMine({ rev: 4, current: "theirs", mine: "my refused text" }, "theirs");
    expect(host.sent[0]!.op).toMatchObject({ text: "my refused text", baseRev: 4, baseText: "theirs" });
  });

  it("sends a pending save and clears the editing badge when the widget goes away", () => {
    const editor = new NoteEditor({ widgetId: "n1", host });
    editor.begin(withNote("a"), "a");
    editor.change("a!");
    editor.dispose();
    expect(host.sent).toHaveLength(1);
    expect(host.editing).toBeNull();
  });
});

describe("KpiEditor", () => {
  const doc = board(
    {
      type: "widget.add",
      widget: { id: "k1", type: "kpi", title: "", layout, data: { value: 10, label: "Sales", unit: "€" } },
    },
    { type: "kpi.value", widgetId: "k1", value: 12, baseRev: 1 },
  );
  const kpi = doc.widgets.k1 as KpiWidget;

  it("opens on the shown values and bases each field on the revision it had then", async () => {
    const host = new Host();
    const editor = new KpiEditor("k1", host);
    editor.begin(doc, kpi);
    expect(editor.getState().draft).toEqual({ value: "12", label: "Sales", unit: "€" });
    expect(host.editing).toBe("k1");
    editor.edit({ value: "15", unit: "$" });
    const saved = editor.save(kpi);
    expect(host.sent.map((s) => s.op)).toEqual([
      { type: "kpi.value", widgetId: "k1", value: 15, baseRev: 2 },
      { type: "kpi.label", widgetId: "k1", label: "Sales", unit: "$", baseRev: 1 },
    ]);
    expect(editor.getState()).toMatchObject({ draft: null, saving: true });
    expect(host.editing).toBeNull();
    host.ack(0, 3);
    host.ack(1, 4);
    await saved;
    expect(editor.getState().saving).toBe(false);
  });

  it("keeps the form open with a message for a value that is not a number, and sends nothing unchanged", async () => {
    const host = new Host();
    const editor = new KpiEditor("k1", host);
    editor.begin(doc, kpi);
    editor.edit({ value: "twelve" });
    await editor.save(kpi);
    expect(editor.getState()).toMatchObject({ error: "Enter a number, or leave it empty." });
    expect(editor.getState().draft).not.toBeNull();
    editor.edit({ value: " 12 " });
    await editor.save(kpi);
    expect(host.sent).toHaveLength(0);
    expect(editor.getState().draft).toBeNull();
  });

  it("clears the value when the field is left empty", () => {
    const host = new Host();
    const editor = new KpiEditor("k1", host);
    editor.begin(doc, kpi);
    editor.edit({ value: "" });
    void editor.save(kpi);
    expect(host.sent[0]!.op).toEqual({ type: "kpi.value", widgetId: "k1", value: null, baseRev: 2 });
  });
});

describe("basesOf", () => {
  it("gives each widget's field revision as the board has it when a gesture starts", () => {
    const doc = board(
      { type: "widget.add", widget: { id: "a", type: "note", title: "", layout, data: { text: "" } } },
      { type: "widget.add", widget: { id: "b", type: "note", title: "", layout, data: { text: "" } } },
      { type: "widget.layout", widgetId: "a", layout: { ...layout, x: 4 }, baseRev: 1 },
    );
    expect(basesOf(doc, ["a", "b", "constructor"], "layout")).toEqual(
      new Map([
        ["a", 3],
        ["b", 2],
        ["constructor", 0],
      ]),
    );
  });
});
