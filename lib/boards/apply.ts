import { AppError } from "../protocol/errors";
import type { BoardOp } from "../protocol/boards";
import { LIMITS } from "./limits";
import { mergeText } from "./merge-text";
import { withOwn, withoutOwn } from "../util/own";
import {
  roleOf,
  widgetIn,
  type BoardDoc,
  type BoardRole,
  type ChartPoint,
  type ChecklistItem,
  type Widget,
} from "./types";

/**
 * The one definition of what an op does, shared by the server (which checks and commits) and every client (which
 * replays committed ops in revision order). Pure and deterministic: the same doc and op give the same result
 * everywhere, which is what lets all replicas converge.
 */

export interface OpContext {
  by: string;
  /** Server clock at commit, epoch ms. */
  at: number;
}

const EDIT: ReadonlySet<BoardRole> = new Set(["owner", "editor"]);

function widgetOf(doc: BoardDoc, id: string): Widget {
  const w = widgetIn(doc, id);
  if (!w)
    throw new AppError("NOT_FOUND", "that widget no longer exists; someone removed it", { widgetId: id });
  return w;
}

function expectType<T extends Widget["type"]>(w: Widget, type: T): Extract<Widget, { type: T }> {
  if (w.type !== type) throw new AppError("VALIDATION", `widget ${w.id} is a ${w.type}, not a ${type}`);
  return w as Extract<Widget, { type: T }>;
}

function itemOf(w: Extract<Widget, { type: "checklist" }>, itemId: string): ChecklistItem {
  const item = w.data.items.find((i) => i.id === itemId);
  if (!item)
    throw new AppError("NOT_FOUND", "that checklist item no longer exists", { widgetId: w.id, itemId });
  return item;
}

/** Refuses an unseen overwrite: the field changed after the revision the editor based this change on. */
function guard(
  field: string,
  fieldRev: number,
  baseRev: number,
  current: unknown,
  next: unknown,
  where: Record<string, unknown>,
) {
  if (fieldRev <= baseRev) return;
  if (JSON.stringify(current) === JSON.stringify(next)) return;
  throw conflict(field, fieldRev, current, where);
}

function conflict(
  field: string,
  fieldRev: number,
  current: unknown,
  where: Record<string, unknown>,
): AppError {
  return new AppError("CONFLICT", `someone else changed this ${field} first`, {
    ...where,
    field,
    current,
    rev: fieldRev,
  });
}

/**
 * The op to check and commit in place of `op`. A note edit that says which text it started from (`baseText`) is
 * merged with whatever changed that text since, when the two touch different words: it becomes an edit of the
 * current text carrying both. When they touch the same words it is refused with CONFLICT and the current text,
 * whatever its `baseRev`, and so is one whose merge does not fit in what is left of `budget` (which it spends).
 * `baseText` never reaches the log. Runs on the server only.
 */
export function mergeConcurrentEdit(
  doc: BoardDoc,
  op: BoardOp,
  role: BoardRole | undefined,
  budget: { ms: number } = { ms: 20 },
): BoardOp {
  if (op.type !== "note.text" || op.baseText === undefined) return op;
  const { baseText, ...plain } = op;
  const w = widgetIn(doc, op.widgetId);
  // Only an editor's edit of an existing note merges; checkOp refuses the rest, without showing any text.
  if (!role || !EDIT.has(role) || w?.type !== "note") return plain;
  const fieldRev = w.revs.text ?? 0;
  // Written from exactly the text there now: nothing unseen is overwritten, whatever revision that text has.
  if (w.data.text === baseText) return { ...plain, baseRev: Math.max(fieldRev, plain.baseRev) };
  const started = performance.now();
  const merged = mergeText(baseText, op.text, w.data.text, Math.max(0, budget.ms));
  budget.ms -= performance.now() - started;
  if (merged === undefined || merged.length > LIMITS.noteText)
    throw conflict("text", fieldRev, w.data.text, { widgetId: w.id });
  return { ...plain, text: merged, baseRev: Math.max(fieldRev, plain.baseRev) };
}

/**
 * Throws AppError (FORBIDDEN, NOT_FOUND, CONFLICT, VALIDATION) when `op` may not be applied to `doc` by a user
 * with `role`. Runs on the server only, before `applyOp`.
 */
export function checkOp(doc: BoardDoc, op: BoardOp, role: BoardRole | undefined): void {
  if (!role) throw new AppError("FORBIDDEN", "you are not a member of this board");
  if (op.type === "member.set") {
    if (role !== "owner") throw new AppError("FORBIDDEN", "only the owner can share this board");
    if (op.user === doc.owner) throw new AppError("VALIDATION", "the owner's role cannot change");
    if (op.role && !roleOf(doc, op.user) && Object.keys(doc.members).length >= LIMITS.membersPerBoard) {
      throw new AppError("VALIDATION", `a board has at most ${LIMITS.membersPerBoard} members`);
    }
    return;
  }
  if (!EDIT.has(role)) throw new AppError("FORBIDDEN", "viewers cannot change this board");
  switch (op.type) {
    case "board.rename":
      return guard("title", doc.revs.title ?? 0, op.baseRev, doc.title, op.title, {});
    case "widget.add":
      if (widgetIn(doc, op.widget.id))
        throw new AppError("CONFLICT", "a widget with this id already exists", { widgetId: op.widget.id });
      if (Object.keys(doc.widgets).length >= LIMITS.widgetsPerBoard) {
        throw new AppError("VALIDATION", `a board holds at most ${LIMITS.widgetsPerBoard} widgets`);
      }
      if (op.widget.layout.x + op.widget.layout.w > LIMITS.gridColumns)
        throw new AppError("VALIDATION", "the widget does not fit the grid");
      return;
    case "widget.remove":
      widgetOf(doc, op.widgetId);
      return;
    case "widget.title": {
      const w = widgetOf(doc, op.widgetId);
      return guard("title", w.revs.title ?? 0, op.baseRev, w.title, op.title, { widgetId: w.id });
    }
    case "widget.layout": {
      const w = widgetOf(doc, op.widgetId);
      if (op.layout.x + op.layout.w > LIMITS.gridColumns)
        throw new AppError("VALIDATION", "the widget does not fit the grid");
      return guard("layout", w.revs.layout ?? 0, op.baseRev, w.layout, op.layout, { widgetId: w.id });
    }
    case "note.text": {
      const w = expectType(widgetOf(doc, op.widgetId), "note");
      return guard("text", w.revs.text ?? 0, op.baseRev, w.data.text, op.text, { widgetId: w.id });
    }
    case "kpi.value": {
      const w = expectType(widgetOf(doc, op.widgetId), "kpi");
      return guard("value", w.revs.value ?? 0, op.baseRev, w.data.value, op.value, { widgetId: w.id });
    }
    case "kpi.label": {
      const w = expectType(widgetOf(doc, op.widgetId), "kpi");
      const current = { label: w.data.label, unit: w.data.unit };
      return guard(
        "label",
        w.revs.label ?? 0,
        op.baseRev,
        current,
        { label: op.label, unit: op.unit },
        { widgetId: w.id },
      );
    }
    case "kpi.stats":
      expectType(widgetOf(doc, op.widgetId), "kpi");
      return;
    case "checklist.add": {
      const w = expectType(widgetOf(doc, op.widgetId), "checklist");
      if (w.data.items.some((i) => i.id === op.item.id))
        throw new AppError("CONFLICT", "an item with this id already exists");
      if (w.data.items.length >= LIMITS.checklistItems)
        throw new AppError("VALIDATION", `a checklist holds at most ${LIMITS.checklistItems} items`);
      return;
    }
    case "checklist.text": {
      const item = itemOf(expectType(widgetOf(doc, op.widgetId), "checklist"), op.itemId);
      return guard("item", item.revs.text, op.baseRev, item.text, op.text, {
        widgetId: op.widgetId,
        itemId: item.id,
      });
    }
    case "checklist.done": {
      const item = itemOf(expectType(widgetOf(doc, op.widgetId), "checklist"), op.itemId);
      return guard("item", item.revs.done, op.baseRev, item.done, op.done, {
        widgetId: op.widgetId,
        itemId: item.id,
      });
    }
    case "checklist.remove":
      itemOf(expectType(widgetOf(doc, op.widgetId), "checklist"), op.itemId);
      return;
    case "chart.append":
      expectType(widgetOf(doc, op.widgetId), "chart");
      return;
  }
}

/** Merges by time, keeping order for equal times, and keeps the newest `LIMITS.chartPointsRetained`. */
export function mergePoints(existing: ChartPoint[], incoming: ChartPoint[]): ChartPoint[] {
  const sorted = [...incoming].sort((a, b) => a[0] - b[0]);
  const last = existing[existing.length - 1];
  let merged: ChartPoint[];
  if (!last || sorted[0]![0] >= last[0]) merged = existing.concat(sorted);
  else {
    merged = [];
    let i = 0;
    let j = 0;
    while (i < existing.length || j < sorted.length) {
      if (j >= sorted.length || (i < existing.length && existing[i]![0] <= sorted[j]![0]))
        merged.push(existing[i++]!);
      else merged.push(sorted[j++]!);
    }
  }
  return merged.length > LIMITS.chartPointsRetained
    ? merged.slice(merged.length - LIMITS.chartPointsRetained)
    : merged;
}

function setWidget(doc: BoardDoc, w: Widget): BoardDoc {
  return { ...doc, widgets: withOwn(doc.widgets, w.id, w) };
}

function updateItem(
  w: Extract<Widget, { type: "checklist" }>,
  itemId: string,
  change: (i: ChecklistItem) => ChecklistItem,
): Widget {
  return { ...w, data: { items: w.data.items.map((i) => (i.id === itemId ? change(i) : i)) } };
}

/**
 * Returns the doc after `op` at revision `rev`. The op must have passed `checkOp` (on the server); clients only
 * replay committed ops, so a missing widget here means it was removed by an earlier op and the op is a no-op.
 */
export function applyOp(doc: BoardDoc, op: BoardOp, rev: number, ctx: OpContext): BoardDoc {
  const next = applyInner(doc, op, rev, ctx);
  return { ...next, rev, updatedAt: ctx.at };
}

function applyInner(doc: BoardDoc, op: BoardOp, rev: number, ctx: OpContext): BoardDoc {
  if (op.type === "board.rename") return { ...doc, title: op.title, revs: { ...doc.revs, title: rev } };
  if (op.type === "member.set") {
    const members = op.role ? withOwn(doc.members, op.user, op.role) : withoutOwn(doc.members, op.user);
    return { ...doc, members };
  }
  if (op.type === "widget.add") return setWidget(doc, createWidget(op.widget, rev, ctx.by));
  const w = widgetIn(doc, op.widgetId);
  if (!w) return doc;
  switch (op.type) {
    case "widget.remove": {
      return { ...doc, widgets: withoutOwn(doc.widgets, op.widgetId) };
    }
    case "widget.title":
      return setWidget(doc, { ...w, title: op.title, revs: { ...w.revs, title: rev } });
    case "widget.layout":
      return setWidget(doc, { ...w, layout: op.layout, revs: { ...w.revs, layout: rev } });
    case "note.text":
      if (w.type !== "note") return doc;
      return setWidget(doc, { ...w, data: { text: op.text }, revs: { ...w.revs, text: rev } });
    case "kpi.value":
      if (w.type !== "kpi") return doc;
      if (w.data.value === op.value) return setWidget(doc, { ...w, revs: { ...w.revs, value: rev } });
      return setWidget(doc, {
        ...w,
        data: { ...w.data, value: op.value, previous: w.data.value },
        revs: { ...w.revs, value: rev },
      });
    case "kpi.label":
      if (w.type !== "kpi") return doc;
      return setWidget(doc, {
        ...w,
        data: { ...w.data, label: op.label, unit: op.unit },
        revs: { ...w.revs, label: rev },
      });
    case "kpi.stats":
      if (w.type !== "kpi") return doc;
      return setWidget(doc, { ...w, data: { ...w.data, stats: op.stats } });
    case "checklist.add":
      if (w.type !== "checklist" || w.data.items.some((i) => i.id === op.item.id)) return doc;
      return setWidget(doc, {
        ...w,
        data: {
          items: [
            ...w.data.items,
            { id: op.item.id, text: op.item.text, done: false, revs: { text: rev, done: rev } },
          ],
        },
      });
    case "checklist.text":
      if (w.type !== "checklist") return doc;
      return setWidget(
        doc,
        updateItem(w, op.itemId, (i) => ({ ...i, text: op.text, revs: { ...i.revs, text: rev } })),
      );
    case "checklist.done":
      if (w.type !== "checklist") return doc;
      return setWidget(
        doc,
        updateItem(w, op.itemId, (i) => ({ ...i, done: op.done, revs: { ...i.revs, done: rev } })),
      );
    case "checklist.remove":
      if (w.type !== "checklist") return doc;
      return setWidget(doc, { ...w, data: { items: w.data.items.filter((i) => i.id !== op.itemId) } });
    case "chart.append":
      if (w.type !== "chart") return doc;
      return setWidget(doc, { ...w, data: { ...w.data, points: mergePoints(w.data.points, op.points) } });
  }
}

function createWidget(
  input: Extract<BoardOp, { type: "widget.add" }>["widget"],
  rev: number,
  by: string,
): Widget {
  const base = {
    id: input.id,
    title: input.title,
    layout: input.layout,
    revs: { title: rev, layout: rev, text: rev, value: rev, label: rev },
    createdBy: by,
  };
  switch (input.type) {
    case "note":
      return { ...base, type: "note", data: { text: input.data.text } };
    case "kpi":
      return { ...base, type: "kpi", data: { ...input.data, previous: null } };
    case "checklist":
      return {
        ...base,
        type: "checklist",
        data: { items: input.data.items.map((i) => ({ ...i, revs: { text: rev, done: rev } })) },
      };
    case "chart":
      return {
        ...base,
        type: "chart",
        data: {
          points: input.data.points.length ? mergePoints([], input.data.points) : [],
          ...(input.data.feed ? { feed: input.data.feed } : {}),
        },
      };
  }
}

export function newBoard(input: { id: string; title: string; owner: string; at: number }): BoardDoc {
  return {
    id: input.id,
    title: input.title,
    owner: input.owner,
    members: {},
    rev: 0,
    revs: { title: 0 },
    widgets: {},
    createdAt: input.at,
    updatedAt: input.at,
  };
}
