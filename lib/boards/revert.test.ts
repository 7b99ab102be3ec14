import { describe, expect, it } from "vitest";
import type { BoardOp } from "../protocol/boards";
import { applyOp, newBoard } from "./apply";
import { own } from "../util/own";
import { changeRevsOf, restorePlan, revertOps } from "./revert";
import type { BoardDoc } from "./types";

const layout = { x: 0, y: 0, w: 4, h: 3 };

function play(doc: BoardDoc, ops: BoardOp[]): BoardDoc {
  return ops.reduce((d, op) => applyOp(d, op, d.rev + 1, { by: "alice", at: d.rev + 1 }), doc);
}

describe("revertOps", () => {
  const start = play(newBoard({ id: "b", title: "Ops", owner: "alice", at: 0 }), [
    { type: "widget.add", widget: { id: "n1", type: "note", title: "Plan", layout, data: { text: "v1" } } },
    {
      type: "widget.add",
      widget: { id: "k1", type: "kpi", title: "", layout, data: { value: 1, label: "a", unit: "" } },
    },
    {
      type: "widget.add",
      widget: {
        id: "c1",
        type: "checklist",
        title: "",
        layout,
        data: { items: [{ id: "i1", text: "x", done: true }] },
      },
    },
    { type: "member.set", user: "bob", role: "editor" },
  ]);
  const later = play(start, [
    { type: "note.text", widgetId: "n1", text: "v2", baseRev: 1 },
    { type: "widget.title", widgetId: "n1", title: "Plan 2", baseRev: 1 },
    { type: "kpi.value", widgetId: "k1", value: 2, baseRev: 2 },
    { type: "checklist.remove", widgetId: "c1", itemId: "i1" },
    { type: "checklist.add", widgetId: "c1", item: { id: "i2", text: "y" } },
    { type: "widget.remove", widgetId: "k1" },
    { type: "member.set", user: "bob", role: null },
    { type: "board.rename", title: "Ops 2", baseRev: 0 },
  ]);

  it("turns a board back into an earlier one with new ops, each based on the field's current revision", () => {
    const ops = revertOps(later, start);
    expect(ops).toEqual([
      { type: "board.rename", title: "Ops", baseRev: 12 },
      { type: "member.set", user: "bob", role: "editor" },
      { type: "widget.title", widgetId: "n1", title: "Plan", baseRev: 6 },
      { type: "note.text", widgetId: "n1", text: "v1", baseRev: 5 },
      { type: "checklist.remove", widgetId: "c1", itemId: "i2" },
      { type: "checklist.add", widgetId: "c1", item: { id: "i1", text: "x" } },
      { type: "checklist.done", widgetId: "c1", itemId: "i1", done: true, baseRev: 0 },
      {
        type: "widget.add",
        widget: { id: "k1", type: "kpi", title: "", layout, data: { value: 1, label: "a", unit: "" } },
      },
    ]);
    // Applied in order, they give the earlier board's content back.
    const back = play(
      later,
      ops.map((op) => op as BoardOp),
    );
    expect(back.title).toBe(start.title);
    expect(back.members).toEqual(start.members);
    expect(back.widgets.n1).toMatchObject({ title: "Plan", data: { text: "v1" } });
    expect(back.widgets.k1?.data).toMatchObject({ value: 1, label: "a" });
  });

  it("limits itself to chosen widgets, and leaves members out on request", () => {
    expect(revertOps(later, start, { widgetIds: ["n1"] }).map((o) => o.type)).toEqual([
      "widget.title",
      "note.text",
    ]);
    expect(revertOps(later, start, { members: false }).some((o) => o.type === "member.set")).toBe(false);
    expect(revertOps(start, start)).toEqual([]);
  });

  it("restores the whole board without touching who has access", () => {
    const plan = restorePlan(later, start);
    expect(plan.what).toBe("the board");
    expect(plan.ops.some((o) => o.type === "member.set")).toBe(false);
    expect(plan.ops.map((o) => o.type)).toContain("board.rename");
    expect(plan.removes).toEqual([]);
  });

  it("names the widgets a restore removes, whatever their ids (constructor included)", () => {
    const now = play(later, [
      {
        type: "widget.add",
        widget: { id: "constructor", type: "note", title: "Ctor", layout, data: { text: "" } },
      },
      { type: "note.text", widgetId: "constructor", text: "bob's words", baseRev: later.rev + 1 },
    ]);
    const one = restorePlan(now, later, "constructor");
    expect(one.ops).toEqual([{ type: "widget.remove", widgetId: "constructor" }]);
    expect(one.what).toBe("the note “Ctor”");
    expect(one.removes.map((w) => w.id)).toEqual(["constructor"]);
    expect(restorePlan(now, later).removes.map((w) => w.id)).toEqual(["constructor"]);
    expect(Math.max(...changeRevsOf(own(now.widgets, "constructor")!))).toBe(now.rev);
  });

  it("counts a checklist item's changes as the widget's", () => {
    const ticked = play(start, [
      { type: "checklist.done", widgetId: "c1", itemId: "i1", done: false, baseRev: 3 },
    ]);
    expect(Math.max(...changeRevsOf(ticked.widgets.c1!))).toBe(ticked.rev);
  });
});
