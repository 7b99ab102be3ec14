import { describe, expect, it } from "vitest";
import type { BoardOp } from "../protocol/boards";
import { applyOp, newBoard } from "./apply";
import {
  describeOp,
  groupHistory,
  othersWhoChanged,
  priorOf,
  withNewest,
  withOlder,
  wordDiff,
  type HistoryEntry,
  type HistoryPage,
} from "./history";
import type { BoardDoc } from "./types";

const layout = { x: 0, y: 0, w: 4, h: 3 };
const MIN = 60_000;

function play(ops: BoardOp[]): { doc: BoardDoc; entries: HistoryEntry[] } {
  let doc = newBoard({ id: "b", title: "Ops", owner: "alice", at: 0 });
  const entries: HistoryEntry[] = [];
  ops.forEach((op, i) => {
    const rev = i + 1;
    entries.push({ rev, opId: `o${rev}`, op, by: "alice", at: rev, prior: priorOf(doc, op) });
    doc = applyOp(doc, op, rev, { by: "alice", at: rev });
  });
  return { doc, entries };
}

describe("history descriptions", () => {
  const { entries } = play([
    { type: "widget.add", widget: { id: "n1", type: "note", title: "Plan", layout, data: { text: "a b" } } },
    { type: "note.text", widgetId: "n1", text: "a c", baseRev: 1 },
    { type: "widget.title", widgetId: "n1", title: "Q3 plan", baseRev: 1 },
    {
      type: "widget.add",
      widget: { id: "k1", type: "kpi", title: "", layout, data: { value: 3, label: "", unit: "" } },
    },
    { type: "kpi.value", widgetId: "k1", value: 5, baseRev: 4 },
    {
      type: "widget.add",
      widget: {
        id: "c1",
        type: "checklist",
        title: "Launch",
        layout,
        data: { items: [{ id: "i1", text: "ship", done: false }] },
      },
    },
    { type: "checklist.done", widgetId: "c1", itemId: "i1", done: true, baseRev: 6 },
    { type: "checklist.text", widgetId: "c1", itemId: "i1", text: "ship it", baseRev: 6 },
    { type: "checklist.remove", widgetId: "c1", itemId: "i1" },
    { type: "member.set", user: "bob", role: "editor" },
    { type: "member.set", user: "bob", role: "viewer" },
    { type: "member.set", user: "bob", role: null },
    { type: "board.rename", title: "Ops 2", baseRev: 0 },
    { type: "widget.remove", widgetId: "n1" },
    { type: "widget.add", widget: { id: "ch", type: "chart", title: "Load", layout, data: { points: [] } } },
    { type: "chart.append", widgetId: "ch", points: [[1, 2]] },
    { type: "widget.layout", widgetId: "ch", layout: { ...layout, x: 4 }, baseRev: 15 },
  ]);

  it("tells each op in words, with what it replaced", () => {
    expect(entries.map((e) => describeOp(e.op, e.prior))).toEqual([
      "added the note “Plan”",
      "edited the text of the note “Plan”",
      "renamed the note “Plan” to “Q3 plan”",
      "added a KPI",
      "set a KPI to 5 (was 3)",
      "added the checklist “Launch”",
      "checked “ship” in the checklist “Launch”",
      "reworded “ship” to “ship it” in the checklist “Launch”",
      "removed “ship it” from the checklist “Launch”",
      "shared the board with bob as editor",
      "made bob a viewer",
      "removed bob from the board",
      "renamed the board from “Ops” to “Ops 2”",
      "removed the note “Q3 plan”",
      "added the chart “Load”",
      "added 1 point to the chart “Load”",
      "moved or resized the chart “Load”",
    ]);
  });

  it("says less, never wrong, without the prior values", () => {
    expect(describeOp({ type: "note.text", widgetId: "n1", text: "x", baseRev: 0 })).toBe(
      "edited the text of a widget",
    );
    expect(describeOp({ type: "board.rename", title: "New", baseRev: 0 })).toBe("renamed the board to “New”");
  });

  it("groups consecutive changes by person and minute, newest first", () => {
    const at = (rev: number, by: string, minute: number, op: BoardOp): HistoryEntry => ({
      rev,
      opId: `o${rev}`,
      by,
      at: minute * MIN + rev,
      op,
    });
    const title = (id: string): BoardOp => ({ type: "widget.title", widgetId: id, title: "t", baseRev: 0 });
    const groups = groupHistory([
      at(6, "alice", 10, title("a")),
      at(5, "alice", 10, title("b")),
      at(4, "alice", 10, title("c")),
      at(3, "bob", 10, title("a")),
      at(2, "alice", 9, title("a")),
      at(1, "alice", 9, title("a")),
    ]);
    expect(groups.map((g) => [g.by, g.minute, g.entries.map((e) => e.rev), g.summary])).toEqual([
      ["alice", 10 * MIN, [6, 5, 4], "changed 3 widgets"],
      ["bob", 10 * MIN, [3], "named a widget “t”"],
      ["alice", 9 * MIN, [2, 1], "made 2 changes to a widget"],
    ]);
  });

  it("diffs text word by word", () => {
    expect(wordDiff("the quick fox", "the slow fox")).toEqual([
      { text: "the ", kind: "same" },
      { text: "quick", kind: "removed" },
      { text: "slow", kind: "added" },
      { text: " fox", kind: "same" },
    ]);
    expect(wordDiff("same", "same")).toEqual([{ text: "same", kind: "same" }]);
  });

  it("puts new changes on top of the pages loaded so far, keeping the older pages, one entry per revision", () => {
    const { entries: all } = play(
      Array.from({ length: 12 }, (_, i): BoardOp => ({ type: "board.rename", title: `t${i}`, baseRev: i })),
    );
    const newestFirst = [...all].reverse();
    // A page of `limit` entries below `beforeRev`, as board:history answers.
    const page = (limit: number, upTo: number, beforeRev = Infinity): HistoryPage => {
      const entries = newestFirst.filter((e) => e.rev <= upTo && e.rev < beforeRev).slice(0, limit);
      const oldest = entries.at(-1)?.rev;
      return { entries, nextBeforeRev: oldest !== undefined && oldest > 1 ? oldest : null };
    };
    const revs = (p: { entries: readonly HistoryEntry[] } | undefined) => p?.entries.map((e) => e.rev);

    // Revisions 1-8 existed: two pages of 4 are loaded.
    let loaded = withNewest({ entries: [], next: null }, page(4, 8))!;
    expect(loaded.next).toBe(5);
    loaded = withOlder(loaded, 5, page(4, 8, 5));
    expect(revs(loaded)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(loaded.next).toBeNull();
    // A page for a cursor no longer current changes nothing.
    expect(withOlder(loaded, 5, page(4, 8, 5))).toBe(loaded);

    // Two more changes: the newest page overlaps what is loaded, and nothing older is dropped.
    const merged = withNewest(loaded, page(4, 10));
    expect(revs(merged)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(merged!.next).toBeNull();

    // Four more than a page holds: not enough to join them; with the next page it is.
    expect(withNewest(merged!, page(1, 12))).toBeUndefined();
    const two = { entries: newestFirst.filter((e) => e.rev > 10), nextBeforeRev: 11 };
    expect(revs(withNewest(merged!, two))).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });
});

describe("othersWhoChanged", () => {
  it("names, oldest first and once each, the others who changed the widgets after a revision", () => {
    const e = (rev: number, by: string, op: BoardOp) => ({ rev, opId: `op-${rev}-xxxx`, op, by, at: rev });
    const text = (widgetId: string): BoardOp => ({ type: "note.text", widgetId, text: "x", baseRev: 0 });
    const entries = [
      e(6, "carol", text("constructor")),
      e(5, "bob", text("n2")),
      e(4, "alice", text("constructor")),
      e(3, "bob", text("constructor")),
      e(2, "dave", text("constructor")),
    ];
    expect(othersWhoChanged(entries, ["constructor"], 2, "alice")).toEqual(["bob", "carol"]);
    expect(othersWhoChanged(entries, ["toString"], 0, "alice")).toEqual([]);
  });
});
