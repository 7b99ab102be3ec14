import type { BoardOp } from "../protocol/boards";
import { widgetIn, type BoardDoc } from "../boards/types";

/**
 * The field an op sets, as one string, for the ops guarded by `baseRev`; undefined for ops that merge (adds,
 * removes, appends, shares). Two ops with the same key race for the same value.
 */
export function fieldKeyOf(op: BoardOp): string | undefined {
  switch (op.type) {
    case "board.rename":
      return "board:title";
    case "widget.title":
      return `w:${op.widgetId}:title`;
    case "widget.layout":
      return `w:${op.widgetId}:layout`;
    case "note.text":
      return `w:${op.widgetId}:text`;
    case "kpi.value":
      return `w:${op.widgetId}:value`;
    case "kpi.label":
      return `w:${op.widgetId}:label`;
    case "checklist.text":
      return `w:${op.widgetId}:item:${op.itemId}:text`;
    case "checklist.done":
      return `w:${op.widgetId}:item:${op.itemId}:done`;
    default:
      return undefined;
  }
}

/** The revision at which `key` last changed in `doc`, the value a new edit of that field uses as `baseRev`. */
export function fieldRev(doc: BoardDoc, key: string): number {
  if (key === "board:title") return doc.revs.title ?? 0;
  const [, widgetId, field, itemId, itemField] = key.split(":");
  const w = widgetId === undefined ? undefined : widgetIn(doc, widgetId);
  if (!w || field === undefined) return 0;
  if (field === "item") {
    if (w.type !== "checklist") return 0;
    const item = w.data.items.find((i) => i.id === itemId);
    return item ? (itemField === "done" ? item.revs.done : item.revs.text) : 0;
  }
  return w.revs[field] ?? 0;
}

/** The key of a widget field, for components that edit one (`widgetKey("n1", "text")`). */
export const widgetKey = (widgetId: string, field: "title" | "layout" | "text" | "value" | "label") =>
  `w:${widgetId}:${field}`;

export const itemKey = (widgetId: string, itemId: string, field: "text" | "done") =>
  `w:${widgetId}:item:${itemId}:${field}`;
