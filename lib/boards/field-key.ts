import type { BoardDoc } from "./types";
import type { AnyWidgetModule, WidgetField, WidgetOf } from "./widgets/define";
import type { WidgetRegistry } from "./widgets/registry";
import { own } from "../util/own";

/**
 * A field with its own revision, named by one string: the key an editor, the outbox and the conflict UI share.
 * Two ops with the same key race for the same value. Built and read here only:
 * `board:title`, `w:<widgetId>:<field>`, `w:<widgetId>:item:<itemId>:<field>` (ids never contain `:`).
 */
export type FieldRef = { readonly board: "title" } | ({ readonly widgetId: string } & WidgetField);

export function encodeFieldKey(ref: FieldRef): string {
  if ("board" in ref) return "board:title";
  return ref.item === undefined
    ? `w:${ref.widgetId}:${ref.field}`
    : `w:${ref.widgetId}:item:${ref.item}:${ref.field}`;
}

/** The field a key names, or undefined for a string that is not a field key. */
export function decodeFieldKey(key: string): FieldRef | undefined {
  if (key === "board:title") return { board: "title" };
  const parts = key.split(":");
  if (parts[0] !== "w" || !parts[1] || !parts[2]) return undefined;
  if (parts.length === 3) return { widgetId: parts[1], field: parts[2] };
  if (parts.length === 5 && parts[2] === "item" && parts[3] && parts[4])
    return { widgetId: parts[1], item: parts[3], field: parts[4] };
  return undefined;
}

/** An op as the field rules see it. */
type AnyOp = { type: string; widgetId?: string; widget?: { id: string; type: string; data?: unknown } };
type WidgetOp = { type: string; widgetId: string };

/** The field an op sets, for the ops guarded by `baseRev`; undefined for ops that merge (adds, appends, shares). */
export function fieldOfOp(registry: WidgetRegistry, op: AnyOp): FieldRef | undefined {
  if (op.type === "board.rename") return { board: "title" };
  if (op.widgetId === undefined) return undefined;
  if (op.type === "widget.title") return { widgetId: op.widgetId, field: "title" };
  if (op.type === "widget.layout") return { widgetId: op.widgetId, field: "layout" };
  const field = registry.moduleOfOp(op.type)?.fieldOf(op as WidgetOp);
  return field && { widgetId: op.widgetId, ...field };
}

/** The fields an op creates, each committed at the op's revision (a widget's, an added item's). */
export function fieldsCreatedBy(registry: WidgetRegistry, op: AnyOp): FieldRef[] {
  if (op.type === "widget.add" && op.widget) {
    const { id, type, data } = op.widget;
    const m = registry.module(type);
    const fields: WidgetField[] = [{ field: "title" }, { field: "layout" }];
    if (m) fields.push(...m.fields.map((field) => ({ field })), ...(m.createdItems?.(data) ?? []));
    return fields.map((f) => ({ widgetId: id, ...f }));
  }
  const m = registry.moduleOfOp(op.type);
  const widgetId = op.widgetId;
  if (!m?.createdBy || widgetId === undefined) return [];
  return m.createdBy(op as WidgetOp).map((f) => ({ widgetId, ...f }));
}

/** The revision at which `ref` last changed in `doc`: what a new edit of that field uses as `baseRev`. */
export function revOfField(
  registry: WidgetRegistry,
  doc: BoardDoc<WidgetOf<string, unknown>>,
  ref: FieldRef,
): number {
  if ("board" in ref) return doc.revs.title ?? 0;
  const w = own(doc.widgets, ref.widgetId);
  if (!w) return 0;
  if (ref.item === undefined) return own(w.revs, ref.field) ?? 0;
  const m: AnyWidgetModule | undefined = registry.module(w.type);
  return m?.itemRev?.(w, ref) ?? 0;
}
