import type { BoardOp } from "../protocol/boards";
import type { BoardDoc } from "../boards/types";
import { decodeFieldKey, encodeFieldKey, fieldOfOp, fieldsCreatedBy, revOfField } from "../boards/field-key";
import { builtInWidgets } from "../boards/widgets";

/**
 * Field keys of the built-in widget types, as the client uses them (see `lib/boards/field-key.ts`, which builds
 * and reads every key). Two ops with the same key race for the same value.
 */

/** The key of the field an op sets, for the ops guarded by `baseRev`; undefined for ops that merge. */
export function fieldKeyOf(op: BoardOp): string | undefined {
  const ref = fieldOfOp(builtInWidgets, op);
  return ref && encodeFieldKey(ref);
}

/** The keys of the fields an op creates (a widget's, an added checklist item's). */
export function createdKeysOf(op: BoardOp): string[] {
  return fieldsCreatedBy(builtInWidgets, op).map(encodeFieldKey);
}

/** The revision at which `key` last changed in `doc`, the value a new edit of that field uses as `baseRev`. */
export function fieldRev(doc: BoardDoc, key: string): number {
  const ref = decodeFieldKey(key);
  return ref ? revOfField(builtInWidgets, doc, ref) : 0;
}

/** The key of a widget field, for components that edit one (`widgetKey("n1", "text")`). */
export const widgetKey = (widgetId: string, field: string) => encodeFieldKey({ widgetId, field });

/** The key of a field of one item of a widget (a checklist item's `done`). */
export const itemKey = (widgetId: string, itemId: string, field: string) =>
  encodeFieldKey({ widgetId, item: itemId, field });

export const boardTitleKey = encodeFieldKey({ board: "title" });
