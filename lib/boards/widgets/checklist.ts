import { z } from "zod";
import { AppError } from "../../protocol/errors";
import { guarded, idSchema, textSchema, widgetTarget } from "../../protocol/schemas";
import { defineWidget, guard, type WidgetOf } from "./define";

export interface ChecklistItem {
  id: string;
  text: string;
  done: boolean;
  /** The board revision at which each field last changed, for conflict detection. */
  revs: { text: number; done: number };
}

/** Items to tick off together. */
export interface ChecklistData {
  items: ChecklistItem[];
}

export const CHECKLIST_LIMITS = { items: 200, itemText: 500 } as const;

const item = { itemId: idSchema };
const itemText = textSchema(CHECKLIST_LIMITS.itemText);

const checklistAdd = z.strictObject({
  type: z.literal("checklist.add"),
  ...widgetTarget,
  item: z.strictObject({ id: idSchema, text: itemText }),
});
const checklistText = z.strictObject({
  type: z.literal("checklist.text"),
  ...widgetTarget,
  ...item,
  text: itemText,
  ...guarded,
});
const checklistDone = z.strictObject({
  type: z.literal("checklist.done"),
  ...widgetTarget,
  ...item,
  done: z.boolean(),
  ...guarded,
});
const checklistRemove = z.strictObject({ type: z.literal("checklist.remove"), ...widgetTarget, ...item });

type Checklist = WidgetOf<"checklist", ChecklistData>;

function itemOf(w: Checklist, itemId: string): ChecklistItem {
  const found = w.data.items.find((i) => i.id === itemId);
  if (!found)
    throw new AppError("NOT_FOUND", "that checklist item no longer exists", { widgetId: w.id, itemId });
  return found;
}

function updateItem(w: Checklist, itemId: string, change: (i: ChecklistItem) => ChecklistItem): Checklist {
  return { ...w, data: { items: w.data.items.map((i) => (i.id === itemId ? change(i) : i)) } };
}

const itemFields = (itemId: string) => [
  { item: itemId, field: "text" },
  { item: itemId, field: "done" },
];

export const checklist = defineWidget<ChecklistData>()({
  type: "checklist",
  data: z
    .strictObject({
      items: z
        .array(z.strictObject({ id: idSchema, text: itemText, done: z.boolean().default(false) }))
        .max(CHECKLIST_LIMITS.items),
    })
    .default({ items: [] }),
  ops: [checklistAdd, checklistText, checklistDone, checklistRemove],
  limits: CHECKLIST_LIMITS,
  size: { initial: { w: 4, h: 7 }, min: { w: 3, h: 4 } },
  fields: [],
  create: (data, rev) => ({ items: data.items.map((i) => ({ ...i, revs: { text: rev, done: rev } })) }),
  createdItems: (data) => data.items.flatMap((i) => itemFields(i.id)),
  fieldOf(op) {
    if (op.type === "checklist.text") return { item: op.itemId, field: "text" };
    if (op.type === "checklist.done") return { item: op.itemId, field: "done" };
    return undefined;
  },
  createdBy: (op) => (op.type === "checklist.add" ? itemFields(op.item.id) : []),
  itemRev(w, { item: itemId, field }) {
    const found = w.data.items.find((i) => i.id === itemId);
    return found ? (field === "done" ? found.revs.done : found.revs.text) : 0;
  },
  check(w, op) {
    switch (op.type) {
      case "checklist.add":
        if (w.data.items.some((i) => i.id === op.item.id))
          throw new AppError("CONFLICT", "an item with this id already exists");
        if (w.data.items.length >= CHECKLIST_LIMITS.items)
          throw new AppError("VALIDATION", `a checklist holds at most ${CHECKLIST_LIMITS.items} items`);
        return;
      case "checklist.text": {
        const i = itemOf(w, op.itemId);
        return guard("item", i.revs.text, op.baseRev, i.text, op.text, { widgetId: w.id, itemId: i.id });
      }
      case "checklist.done": {
        const i = itemOf(w, op.itemId);
        return guard("item", i.revs.done, op.baseRev, i.done, op.done, { widgetId: w.id, itemId: i.id });
      }
      case "checklist.remove":
        itemOf(w, op.itemId);
        return;
    }
  },
  addData: (data) => ({ items: data.items.map(({ id, text, done }) => ({ id, text, done })) }),
  revert(from, to) {
    const widgetId = from.id;
    const ops: z.input<
      typeof checklistAdd | typeof checklistText | typeof checklistDone | typeof checklistRemove
    >[] = [];
    const wanted = new Map(to.data.items.map((i) => [i.id, i]));
    const present = new Map(from.data.items.map((i) => [i.id, i]));
    for (const i of from.data.items)
      if (!wanted.has(i.id)) ops.push({ type: "checklist.remove", widgetId, itemId: i.id });
    for (const i of to.data.items) {
      const now = present.get(i.id);
      if (!now) {
        // The add carries no position: an item brought back goes to the end of the list.
        ops.push({ type: "checklist.add", widgetId, item: { id: i.id, text: i.text } });
        // Based on nothing: the client rebases it on its own add, which creates the field.
        if (i.done) ops.push({ type: "checklist.done", widgetId, itemId: i.id, done: true, baseRev: 0 });
        continue;
      }
      if (now.text !== i.text)
        ops.push({ type: "checklist.text", widgetId, itemId: i.id, text: i.text, baseRev: now.revs.text });
      if (now.done !== i.done)
        ops.push({ type: "checklist.done", widgetId, itemId: i.id, done: i.done, baseRev: now.revs.done });
    }
    return ops;
  },
  apply(w, op, rev) {
    switch (op.type) {
      case "checklist.add":
        if (w.data.items.some((i) => i.id === op.item.id)) return w;
        return {
          ...w,
          data: {
            items: [
              ...w.data.items,
              { id: op.item.id, text: op.item.text, done: false, revs: { text: rev, done: rev } },
            ],
          },
        };
      case "checklist.text":
        return updateItem(w, op.itemId, (i) => ({ ...i, text: op.text, revs: { ...i.revs, text: rev } }));
      case "checklist.done":
        return updateItem(w, op.itemId, (i) => ({ ...i, done: op.done, revs: { ...i.revs, done: rev } }));
      case "checklist.remove":
        return { ...w, data: { items: w.data.items.filter((i) => i.id !== op.itemId) } };
    }
  },
});
