import { describe, expect, it } from "vitest";
import { AppError } from "../protocol/errors";
import type { BoardOp } from "../protocol/boards";
import { boardOpSchema } from "../protocol/boards";
import { applyOp, checkOp, mergeConcurrentEdit, mergePoints, newBoard } from "./apply";
import { mentionsIn, newMentions } from "./mentions";
import { BoardReplica } from "./replica";
import type { BoardDoc } from "./types";
import { CHART_LIMITS } from "./widgets/chart";

const layout = { x: 0, y: 0, w: 4, h: 2 };
const parse = (op: unknown) => boardOpSchema.parse(op);

function run(doc: BoardDoc, ops: unknown[], by = "alice"): BoardDoc {
  return ops.reduce<BoardDoc>((d, raw) => {
    const op = parse(raw);
    checkOp(d, op, d.owner === by ? "owner" : d.members[by]);
    return applyOp(d, op, d.rev + 1, { by, at: d.rev + 1 });
  }, doc);
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return undefined;
}

describe("applyOp and checkOp", () => {
  const base = () =>
    run(newBoard({ id: "b", title: "T", owner: "alice", at: 0 }), [
      { type: "member.set", user: "bob", role: "editor" },
      { type: "member.set", user: "vic", role: "viewer" },
      { type: "widget.add", widget: { id: "n", type: "note", layout } },
      {
        type: "widget.add",
        widget: { id: "k", type: "kpi", layout, data: { value: 10, label: "Sales", unit: "€" } },
      },
      {
        type: "widget.add",
        widget: { id: "c", type: "checklist", layout, data: { items: [{ id: "i1", text: "one" }] } },
      },
      { type: "widget.add", widget: { id: "g", type: "chart", layout } },
    ]);

  it("gives every op the next revision and records field revisions", () => {
    const doc = base();
    expect(doc.rev).toBe(6);
    expect(doc.members).toEqual({ bob: "editor", vic: "viewer" });
    const next = run(doc, [{ type: "kpi.value", widgetId: "k", value: 12, baseRev: 4 }], "bob");
    expect(next.widgets.k).toMatchObject({ data: { value: 12, previous: 10 }, revs: { value: 7 } });
    expect(next.rev).toBe(7);
    expect(doc.widgets.k).toMatchObject({ data: { value: 10 } });
  });

  it("refuses an unseen overwrite, but not a change to an unchanged field or a repeat of the same value", () => {
    const doc = run(base(), [{ type: "note.text", widgetId: "n", text: "bob wrote", baseRev: 3 }], "bob");
    const stale = parse({ type: "note.text", widgetId: "n", text: "alice wrote", baseRev: 3 });
    expect(codeOf(() => checkOp(doc, stale, "owner"))).toBe("CONFLICT");
    expect(
      codeOf(() =>
        checkOp(doc, parse({ type: "note.text", widgetId: "n", text: "bob wrote", baseRev: 3 }), "owner"),
      ),
    ).toBeUndefined();
    expect(
      codeOf(() =>
        checkOp(doc, parse({ type: "widget.title", widgetId: "n", title: "x", baseRev: 3 }), "owner"),
      ),
    ).toBeUndefined();
    expect(
      codeOf(() =>
        checkOp(doc, parse({ type: "note.text", widgetId: "n", text: "alice", baseRev: 7 }), "owner"),
      ),
    ).toBeUndefined();
  });

  it("merges checklist adds and toggles of different items, and guards each item", () => {
    let doc = run(base(), [
      { type: "checklist.add", widgetId: "c", item: { id: "i2", text: "two" } },
      { type: "checklist.done", widgetId: "c", itemId: "i1", done: true, baseRev: 5 },
    ]);
    expect(doc.widgets.c).toMatchObject({
      data: {
        items: [
          { id: "i1", done: true },
          { id: "i2", done: false },
        ],
      },
    });
    expect(
      codeOf(() =>
        checkOp(
          doc,
          parse({ type: "checklist.done", widgetId: "c", itemId: "i1", done: false, baseRev: 5 }),
          "editor",
        ),
      ),
    ).toBe("CONFLICT");
    doc = run(doc, [{ type: "checklist.remove", widgetId: "c", itemId: "i1" }]);
    expect(
      codeOf(() =>
        checkOp(
          doc,
          parse({ type: "checklist.text", widgetId: "c", itemId: "i1", text: "x", baseRev: 99 }),
          "editor",
        ),
      ),
    ).toBe("NOT_FOUND");
  });

  it("enforces roles", () => {
    const doc = base();
    const rename = parse({ type: "board.rename", title: "x", baseRev: 0 });
    expect(codeOf(() => checkOp(doc, rename, "viewer"))).toBe("FORBIDDEN");
    expect(codeOf(() => checkOp(doc, rename, undefined))).toBe("FORBIDDEN");
    expect(
      codeOf(() => checkOp(doc, parse({ type: "member.set", user: "eve", role: "viewer" }), "editor")),
    ).toBe("FORBIDDEN");
    expect(
      codeOf(() => checkOp(doc, parse({ type: "member.set", user: "alice", role: "viewer" }), "owner")),
    ).toBe("VALIDATION");
  });

  it("keeps a chart's feed when points are appended", () => {
    const doc = run(newBoard({ id: "b", title: "T", owner: "alice", at: 0 }), [
      { type: "widget.add", widget: { id: "f", type: "chart", layout, data: { feed: "connections" } } },
      { type: "chart.append", widgetId: "f", points: [[1000, 3]] },
    ]);
    expect(doc.widgets.f).toMatchObject({ data: { feed: "connections", points: [[1000, 3]] } });
  });

  it("keeps chart points sorted and bounded", () => {
    expect(
      mergePoints(
        [
          [1, 1],
          [3, 3],
        ],
        [
          [2, 2],
          [4, 4],
        ],
      ),
    ).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    const many = Array.from({ length: CHART_LIMITS.pointsRetained }, (_, i) => [i, i] as [number, number]);
    const merged = mergePoints(many, [[CHART_LIMITS.pointsRetained, 0]]);
    expect(merged).toHaveLength(CHART_LIMITS.pointsRetained);
    expect(merged[0]).toEqual([1, 1]);
  });

  it("refuses what does not fit: widgets off the grid, too many items", () => {
    const doc = base();
    expect(
      codeOf(() =>
        checkOp(
          doc,
          parse({
            type: "widget.add",
            widget: { id: "z", type: "note", layout: { x: 10, y: 0, w: 4, h: 1 } },
          }),
          "owner",
        ),
      ),
    ).toBe("VALIDATION");
    expect(
      codeOf(() =>
        checkOp(doc, parse({ type: "widget.add", widget: { id: "n", type: "note", layout } }), "owner"),
      ),
    ).toBe("CONFLICT");
  });
});

describe("BoardReplica", () => {
  const doc0 = newBoard({ id: "b", title: "T", owner: "alice", at: 0 });
  const entry = (rev: number, title: string) => ({
    rev,
    opId: `op${rev}xxxxx`,
    op: { type: "board.rename", title, baseRev: rev - 1 } as BoardOp,
    by: "alice",
    at: rev,
  });

  it("applies in order, holds early ops until the gap fills, and drops duplicates", () => {
    const r = new BoardReplica(doc0);
    expect(r.receive(entry(1, "a"))).toBe("applied");
    expect(r.receive(entry(3, "c"))).toBe("gap");
    expect(r.hasGap).toBe(true);
    expect(r.doc.title).toBe("a");
    expect(r.receive(entry(2, "b"))).toBe("applied");
    expect(r.rev).toBe(3);
    expect(r.doc.title).toBe("c");
    expect(r.receive(entry(2, "b"))).toBe("duplicate");
    expect(r.hasGap).toBe(false);
  });

  it("fills a gap from a sync, by entries or by snapshot", () => {
    const r = new BoardReplica(doc0);
    r.receive(entry(4, "d"));
    r.applySync({ rev: 3, entries: [entry(1, "a"), entry(2, "b"), entry(3, "c")] });
    expect(r.rev).toBe(4);
    expect(r.doc.title).toBe("d");
    r.applySync({ rev: 9, snapshot: { ...doc0, rev: 9, title: "snap" } });
    expect(r.doc.title).toBe("snap");
    r.applySync({ rev: 2, snapshot: { ...doc0, rev: 2, title: "old" } });
    expect(r.doc.title).toBe("snap");
  });
});

describe("mentions", () => {
  it("finds @names and only the new ones", () => {
    expect([...mentionsIn("hi @Bob and @carol, mail x@y.com")]).toEqual(["bob", "carol"]);
    expect(newMentions("hi @bob", "hi @bob and @carol")).toEqual(["carol"]);
  });
});

describe("mergeConcurrentEdit", () => {
  const start = "Agenda: budget, hiring and the roadmap.";
  // Alice wrote the note at rev 3; Bob then changed one word at rev 4.
  const board = () => {
    let doc = newBoard({ id: "b", title: "T", owner: "alice", at: 0 });
    const ops: BoardOp[] = [
      { type: "member.set", user: "bob", role: "editor" },
      { type: "member.set", user: "vic", role: "viewer" },
      {
        type: "widget.add",
        widget: { id: "n", type: "note", layout: { x: 0, y: 0, w: 4, h: 2 }, title: "", data: { text: "" } },
      },
    ];
    for (const op of [...ops, { type: "note.text", widgetId: "n", text: start, baseRev: 3 } as const])
      doc = applyOp(doc, op, doc.rev + 1, { by: "alice", at: 1 });
    return applyOp(
      doc,
      { type: "note.text", widgetId: "n", text: start.replace("budget", "travel budget"), baseRev: 4 },
      5,
      { by: "bob", at: 2 },
    );
  };

  it("merges an edit of other words made from an older text, and leaves baseText out of what is committed", () => {
    const doc = board();
    const op = mergeConcurrentEdit(
      doc,
      {
        type: "note.text",
        widgetId: "n",
        text: start.replace("roadmap", "Q3 roadmap"),
        baseRev: 4,
        baseText: start,
      },
      "owner",
    );
    expect(op).toEqual({
      type: "note.text",
      widgetId: "n",
      text: "Agenda: travel budget, hiring and the Q3 roadmap.",
      baseRev: 5,
    });
    expect(() => checkOp(doc, op, "owner")).not.toThrow();
  });

  it("refuses an edit of the same words with CONFLICT and the current text, even when its baseRev is current", () => {
    const doc = board();
    for (const baseRev of [4, 5]) {
      try {
        mergeConcurrentEdit(
          doc,
          {
            type: "note.text",
            widgetId: "n",
            text: start.replace("budget", "costs"),
            baseRev,
            baseText: start,
          },
          "editor",
        );
        expect.unreachable();
      } catch (err) {
        expect(err).toMatchObject({
          code: "CONFLICT",
          details: {
            widgetId: "n",
            field: "text",
            current: doc.widgets.n!.type === "note" && doc.widgets.n!.data.text,
            rev: 5,
          },
        });
      }
    }
  });

  it("merges nothing for a viewer or a non-member, and takes an edit written from the current text as it is", () => {
    const doc = board();
    const edit = { type: "note.text" as const, widgetId: "n", text: "x", baseRev: 4, baseText: start };
    const plain = { type: "note.text", widgetId: "n", text: "x", baseRev: 4 };
    expect(mergeConcurrentEdit(doc, edit, "viewer")).toEqual(plain);
    expect(mergeConcurrentEdit(doc, edit, undefined)).toEqual(plain);
    expect(codeOf(() => checkOp(doc, mergeConcurrentEdit(doc, edit, "viewer"), "viewer"))).toBe("FORBIDDEN");
    const current = doc.widgets.n!.type === "note" ? doc.widgets.n!.data.text : "";
    expect(mergeConcurrentEdit(doc, { ...edit, baseRev: 4, baseText: current }, "editor")).toEqual({
      ...plain,
      baseRev: 5,
    });
  });
});
