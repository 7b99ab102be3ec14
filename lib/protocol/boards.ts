import { z } from "zod";
import { LIMITS } from "../boards/limits";
import type { BoardDoc, BoardRole, BoardSummary } from "../boards/types";
import { clientEvent } from "./define";

const idMsg = { error: "expected 1-64 letters, digits, _ or -" };
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, idMsg);
/** Client-made, unique per change; resending the same opId returns the original ack. */
export const opIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, { error: "expected 8-64 letters, digits, _ or -" });
const userName = z.string().regex(/^[a-z0-9][a-z0-9_-]{1,31}$/, { error: "expected a user name" });
const rev = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string().max(max, { error: `at most ${max} characters` });
const finite = z.number().finite();

export const layoutSchema = z.strictObject({
  x: z
    .number()
    .int()
    .min(0)
    .max(LIMITS.gridColumns - 1),
  y: z.number().int().min(0).max(10_000),
  w: z.number().int().min(1).max(LIMITS.gridColumns),
  h: z.number().int().min(1).max(40),
});

const pointSchema = z.tuple([z.number().int().min(0).max(8.64e15), finite]);
export const pointsSchema = z
  .array(pointSchema)
  .min(1, { error: "at least one point" })
  .max(LIMITS.chartPointsPerOp, { error: `at most ${LIMITS.chartPointsPerOp} points at once` });

const widgetCommon = {
  id: idSchema,
  title: text(LIMITS.widgetTitle).default(""),
  layout: layoutSchema,
};

export const newWidgetSchema = z.discriminatedUnion("type", [
  z.strictObject({
    ...widgetCommon,
    type: z.literal("note"),
    data: z.strictObject({ text: text(LIMITS.noteText) }).default({ text: "" }),
  }),
  z.strictObject({
    ...widgetCommon,
    type: z.literal("kpi"),
    data: z
      .strictObject({ value: finite.nullable(), label: text(LIMITS.kpiLabel), unit: text(LIMITS.kpiUnit) })
      .default({ value: null, label: "", unit: "" }),
  }),
  z.strictObject({
    ...widgetCommon,
    type: z.literal("checklist"),
    data: z
      .strictObject({
        items: z
          .array(
            z.strictObject({
              id: idSchema,
              text: text(LIMITS.checklistItemText),
              done: z.boolean().default(false),
            }),
          )
          .max(LIMITS.checklistItems),
      })
      .default({ items: [] }),
  }),
  z.strictObject({
    ...widgetCommon,
    type: z.literal("chart"),
    data: z
      .strictObject({
        points: z.array(pointSchema).max(LIMITS.chartPointsPerOp).default([]),
        /** Pulseboard's own metrics, appended every second while someone views the board. */
        feed: z.enum(["connections", "events"]).optional(),
      })
      .default({ points: [] }),
  }),
]);

const target = { widgetId: idSchema };
const guarded = { baseRev: rev };

/**
 * Every change to a board. Ops that set a field carry `baseRev`: the revision of that field the editor saw. If the
 * field changed since, the op is refused with CONFLICT instead of overwriting the unseen change. Ops that add,
 * remove or append merge with concurrent ones and carry no baseRev.
 */
export const boardOpSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("board.rename"), title: text(LIMITS.boardTitle).min(1), ...guarded }),
  z.strictObject({
    type: z.literal("member.set"),
    user: userName,
    role: z.enum(["editor", "viewer"]).nullable(),
  }),
  z.strictObject({ type: z.literal("widget.add"), widget: newWidgetSchema }),
  z.strictObject({ type: z.literal("widget.remove"), ...target }),
  z.strictObject({ type: z.literal("widget.title"), ...target, title: text(LIMITS.widgetTitle), ...guarded }),
  z.strictObject({ type: z.literal("widget.layout"), ...target, layout: layoutSchema, ...guarded }),
  z.strictObject({
    type: z.literal("note.text"),
    ...target,
    text: text(LIMITS.noteText),
    ...guarded,
    /**
     * The text at `baseRev`, as the editor started from. With it, a concurrent edit of other words is merged into
     * this one instead of refused; the committed op carries the merged text and no `baseText`.
     */
    baseText: text(LIMITS.noteText).optional(),
  }),
  z.strictObject({ type: z.literal("kpi.value"), ...target, value: finite.nullable(), ...guarded }),
  z.strictObject({
    type: z.literal("kpi.label"),
    ...target,
    label: text(LIMITS.kpiLabel),
    unit: text(LIMITS.kpiUnit),
    ...guarded,
  }),
  z.strictObject({
    type: z.literal("kpi.stats"),
    ...target,
    stats: z.strictObject({
      count: z.number().int().min(0),
      min: finite,
      max: finite,
      mean: finite,
      p50: finite,
      p95: finite,
      p99: finite,
      source: idSchema,
      at: z.number().int().min(0),
    }),
  }),
  z.strictObject({
    type: z.literal("checklist.add"),
    ...target,
    item: z.strictObject({ id: idSchema, text: text(LIMITS.checklistItemText) }),
  }),
  z.strictObject({
    type: z.literal("checklist.text"),
    ...target,
    itemId: idSchema,
    text: text(LIMITS.checklistItemText),
    ...guarded,
  }),
  z.strictObject({
    type: z.literal("checklist.done"),
    ...target,
    itemId: idSchema,
    done: z.boolean(),
    ...guarded,
  }),
  z.strictObject({ type: z.literal("checklist.remove"), ...target, itemId: idSchema }),
  z.strictObject({ type: z.literal("chart.append"), ...target, points: pointsSchema }),
]);

export type BoardOp = z.output<typeof boardOpSchema>;
export type BoardOpInput = z.input<typeof boardOpSchema>;
export type BoardOpType = BoardOp["type"];

/** An op as the board's log keeps it: applied at `rev` by `by` at `at` (server clock, epoch ms). */
export interface CommittedOp {
  rev: number;
  opId: string;
  op: BoardOp;
  by: string;
  at: number;
}

export interface PresenceViewer {
  user: string;
  /** How many of this user's connections view the board. */
  connections: number;
  /** Widgets this user is editing right now. */
  editing: string[];
}

export type SyncResult = { rev: number; entries: CommittedOp[] } | { rev: number; snapshot: BoardDoc };

const boardRef = z.strictObject({ boardId: idSchema });

export const boardClientEvents = {
  "board:list": clientEvent<{ boards: BoardSummary[] }>()(z.strictObject({}).optional().default({})),
  "board:create": clientEvent<{ board: BoardSummary }>()(
    z.strictObject({ title: text(LIMITS.boardTitle).trim().min(1, { error: "a board needs a title" }) }),
  ),
  "board:delete": clientEvent()(boardRef),
  "board:join": clientEvent<{ board: BoardDoc; role: BoardRole; presence: PresenceViewer[] }>()(boardRef),
  "board:leave": clientEvent()(boardRef),
  "board:sync": clientEvent<SyncResult>()(z.strictObject({ boardId: idSchema, sinceRev: rev })),
  "board:op": clientEvent<{ entry: CommittedOp }>()(
    z.strictObject({ boardId: idSchema, opId: opIdSchema, op: boardOpSchema }),
  ),
  "board:editing": clientEvent()(z.strictObject({ boardId: idSchema, widgetId: idSchema.nullable() })),
  "board:cursor": clientEvent()(
    z.strictObject({ boardId: idSchema, x: z.number().min(0).max(1), y: z.number().min(0).max(100_000) }),
  ),
};

export interface BoardServerEvents {
  /** A committed op, in revision order per board. Not sent back to the socket that made it (it has the ack). */
  "board:op": (msg: { boardId: string; entry: CommittedOp }) => void;
  "board:presence": (msg: { boardId: string; viewers: PresenceViewer[] }) => void;
  "board:cursor": (msg: { boardId: string; user: string; x: number; y: number }) => void;
  /** Broadcasts may have been lost (e.g. Redis reconnected): fetch what is missing with board:sync. */
  "board:resync": (msg: { boardId?: string }) => void;
  /** The board was deleted, or this user's access was revoked: leave the page. */
  "board:closed": (msg: { boardId: string; reason: "deleted" | "access-revoked"; by: string }) => void;
}
