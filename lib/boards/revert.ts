import type { BoardOpInput } from "../protocol/boards";
import { own } from "../util/own";
import { widgetPhrase } from "./history";
import type { BoardDoc, Widget } from "./types";
import { builtInWidgets } from "./widgets";
import type { AnyWidgetModule } from "./widgets/define";

export interface RevertScope {
  /** Only these widgets, and nothing of the board itself; the whole board when absent. */
  widgetIds?: Iterable<string>;
  /** Whether members are put back too (only an owner may share); default true. */
  members?: boolean;
}

/**
 * The ops that turn board `from` into board `to`, each guarded by `from`'s revision of the field it sets: what an
 * undo (from the board after a change to the board before it) and a restore (from now to a past revision) send.
 * Never a rewrite of history: new ops, applied and checked like any edit. Widgets are re-added under their own
 * ids; a chart's points, which are only ever appended, are not taken back.
 */
export function revertOps(from: BoardDoc, to: BoardDoc, scope: RevertScope = {}): BoardOpInput[] {
  const ops: BoardOpInput[] = [];
  if (scope.widgetIds !== undefined) {
    for (const id of new Set(scope.widgetIds)) revertWidget(ops, own(from.widgets, id), own(to.widgets, id));
    return ops;
  }
  if (from.title !== to.title)
    ops.push({ type: "board.rename", title: to.title, baseRev: from.revs.title ?? 0 });
  if (scope.members !== false) {
    const users = new Set([...Object.keys(from.members), ...Object.keys(to.members)]);
    for (const user of [...users].sort()) {
      const role = own(to.members, user) ?? null;
      if ((own(from.members, user) ?? null) !== role && user !== from.owner)
        ops.push({ type: "member.set", user, role });
    }
  }
  const ids = new Set([...Object.keys(from.widgets), ...Object.keys(to.widgets)]);
  for (const id of ids) revertWidget(ops, own(from.widgets, id), own(to.widgets, id));
  return ops;
}

function revertWidget(ops: BoardOpInput[], from: Widget | undefined, to: Widget | undefined): void {
  if (!from && !to) return;
  if (from && !to) {
    ops.push({ type: "widget.remove", widgetId: from.id });
    return;
  }
  const m: AnyWidgetModule | undefined = builtInWidgets.module(to!.type);
  if (!m) return;
  if (!from || from.type !== to!.type) {
    if (from) ops.push({ type: "widget.remove", widgetId: from.id });
    const t = to!;
    const data: unknown = m.addData ? m.addData(t.data) : t.data;
    ops.push({
      type: "widget.add",
      widget: { id: t.id, type: t.type, title: t.title, layout: t.layout, data },
    } as BoardOpInput);
    return;
  }
  const t = to!;
  if (from.title !== t.title)
    ops.push({ type: "widget.title", widgetId: from.id, title: t.title, baseRev: from.revs.title ?? 0 });
  if (JSON.stringify(from.layout) !== JSON.stringify(t.layout))
    ops.push({ type: "widget.layout", widgetId: from.id, layout: t.layout, baseRev: from.revs.layout ?? 0 });
  if (m.revert) ops.push(...(m.revert(from, t) as BoardOpInput[]));
}

/** The revisions at which a widget's fields, and its items' fields, last changed. */
export function changeRevsOf(w: Widget): number[] {
  const revs = Object.values(w.revs);
  const items: unknown = (w.data as { items?: unknown }).items;
  if (Array.isArray(items)) {
    for (const item of items as unknown[]) {
      const r: unknown = item && typeof item === "object" && "revs" in item ? item.revs : undefined;
      if (r && typeof r === "object") revs.push(...Object.values(r).filter((v) => typeof v === "number"));
    }
  }
  return revs;
}

/** The widget's phrase for people ("the note “Plan”", "a chart"). */
export function phraseOf(w: Widget | undefined): string {
  return widgetPhrase({ widget: w && { type: w.type, title: w.title } });
}

/** What a restore of the board (or of one widget) to an earlier revision sends, and what it says first. */
export interface RestorePlan {
  ops: BoardOpInput[];
  /** What is restored: "the board", or the widget's phrase. */
  what: string;
  /** Widgets the restore removes (they did not exist then), with every change made to them since. */
  removes: Widget[];
}

/**
 * The restore of board `now` to `past` (the same board at an earlier revision): of widget `widgetId`, or of the
 * whole board's title and widgets. Members are never part of it: who may open the board is changed in sharing
 * only, so a restore cannot take anyone's access away or give it back.
 */
export function restorePlan(now: BoardDoc, past: BoardDoc, widgetId?: string): RestorePlan {
  const ops = revertOps(now, past, widgetId === undefined ? { members: false } : { widgetIds: [widgetId] });
  const removes = ops
    .filter((op) => op.type === "widget.remove")
    .map((op) => own(now.widgets, op.widgetId))
    .filter((w): w is Widget => w !== undefined && own(past.widgets, w.id) === undefined);
  const w = widgetId === undefined ? undefined : (own(past.widgets, widgetId) ?? own(now.widgets, widgetId));
  return { ops, what: widgetId === undefined ? "the board" : phraseOf(w), removes };
}
