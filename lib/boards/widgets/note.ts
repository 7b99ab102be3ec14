import { z } from "zod";
import { guarded, textSchema, widgetTarget } from "../../protocol/schemas";
import { mergeText } from "../merge-text";
import { conflict, defineWidget, guard } from "./define";

/** Formatted text, with @mentions. */
export interface NoteData {
  text: string;
}

export const NOTE_LIMITS = { text: 20_000 } as const;

const noteText = z.strictObject({
  type: z.literal("note.text"),
  ...widgetTarget,
  text: textSchema(NOTE_LIMITS.text),
  ...guarded,
  /**
   * The text at `baseRev`, as the editor started from. With it, a concurrent edit of other words is merged into
   * this one instead of refused; the committed op carries the merged text and no `baseText`.
   */
  baseText: textSchema(NOTE_LIMITS.text).optional(),
});

export const note = defineWidget<NoteData>()({
  type: "note",
  data: z.strictObject({ text: textSchema(NOTE_LIMITS.text) }).default({ text: "" }),
  ops: [noteText],
  limits: NOTE_LIMITS,
  size: { initial: { w: 4, h: 6 }, min: { w: 2, h: 3 } },
  fields: ["text"],
  create: (data) => ({ text: data.text }),
  fieldOf: () => ({ field: "text" }),
  check(w, op) {
    guard("text", w.revs.text ?? 0, op.baseRev, w.data.text, op.text, { widgetId: w.id });
  },
  apply: (w, op, rev) => ({ ...w, data: { text: op.text }, revs: { ...w.revs, text: rev } }),
  addData: (data) => ({ text: data.text }),
  revert: (from, to) =>
    from.data.text === to.data.text
      ? []
      : [{ type: "note.text" as const, widgetId: from.id, text: to.data.text, baseRev: from.revs.text ?? 0 }],
  /**
   * A note edit that says which text it started from (`baseText`) is merged with whatever changed that text
   * since, when the two touch different words: it becomes an edit of the current text carrying both. When they
   * touch the same words it is refused with CONFLICT and the current text, whatever its `baseRev`, and so is one
   * whose merge does not fit in what is left of the budget. `baseText` never reaches the log.
   */
  merge(op, { widget: w, canEdit, budget }) {
    if (op.baseText === undefined) return op;
    const { baseText, ...plain } = op;
    // Only an editor's edit of an existing note merges; checkOp refuses the rest, without showing any text.
    if (!canEdit || !w) return plain;
    const fieldRev = w.revs.text ?? 0;
    // Written from exactly the text there now: nothing unseen is overwritten, whatever revision that text has.
    if (w.data.text === baseText) return { ...plain, baseRev: Math.max(fieldRev, plain.baseRev) };
    const started = performance.now();
    const merged = mergeText(baseText, op.text, w.data.text, Math.max(0, budget.ms));
    budget.ms -= performance.now() - started;
    if (merged === undefined || merged.length > NOTE_LIMITS.text)
      throw conflict("text", fieldRev, w.data.text, { widgetId: w.id });
    return { ...plain, text: merged, baseRev: Math.max(fieldRev, plain.baseRev) };
  },
});
