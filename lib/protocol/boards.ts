import { z } from "zod";
import { LIMITS } from "../boards/limits";
import type { BoardDoc, BoardRole, BoardSummary, GridLayout, MemberRole } from "../boards/types";
import { builtInWidgets, type BuiltInWidgetModule } from "../boards/widgets";
import type { AnyWidgetModule, OpOfModule, WidgetModule, WidgetOpSchema } from "../boards/widgets/define";
import type { WidgetRegistry } from "../boards/widgets/registry";
import type { HistoryEntry } from "../boards/history";
import { clientEvent } from "./define";
import {
  guarded,
  idSchema,
  layoutSchema,
  opIdSchema,
  revSchema,
  textSchema,
  userNameSchema,
  widgetTarget,
} from "./schemas";

export { idSchema, layoutSchema, opIdSchema } from "./schemas";
export { pointsSchema } from "../boards/widgets/chart";

const widgetCommon = {
  id: idSchema,
  title: textSchema(LIMITS.widgetTitle).default(""),
  layout: layoutSchema,
};

/** The ops that are not about one widget type, but `widget.add`, which the types make. */
const commonOps = [
  z.strictObject({
    type: z.literal("board.rename"),
    title: textSchema(LIMITS.boardTitle).min(1),
    ...guarded,
  }),
  z.strictObject({
    type: z.literal("member.set"),
    user: userNameSchema,
    role: z.enum(["editor", "viewer"]).nullable(),
  }),
  z.strictObject({ type: z.literal("widget.remove"), ...widgetTarget }),
  z.strictObject({
    type: z.literal("widget.title"),
    ...widgetTarget,
    title: textSchema(LIMITS.widgetTitle),
    ...guarded,
  }),
  z.strictObject({ type: z.literal("widget.layout"), ...widgetTarget, layout: layoutSchema, ...guarded }),
] as const;

/** The ops on the board itself and on any widget, whatever its type; `widget.add` aside. */
export type CommonOp = z.output<(typeof commonOps)[number]>;
type CommonOpInput = z.input<(typeof commonOps)[number]>;
type Common = { id: string; title: string; layout: GridLayout };
type CommonInput = { id: string; title?: string | undefined; layout: GridLayout };

/** A new widget of one of the types in `M`, as `widget.add` carries it. */
export type NewWidgetOf<M> =
  M extends WidgetModule<infer T, unknown, infer S, readonly WidgetOpSchema[]>
    ? Common & { type: T; data: z.output<S> }
    : never;
export type NewWidgetInputOf<M> =
  M extends WidgetModule<infer T, unknown, infer S, readonly WidgetOpSchema[]>
    ? CommonInput & { type: T; data?: z.input<S> }
    : never;
/** Every op on a board whose widget types are `M`. */
export type BoardOpOf<M> = CommonOp | { type: "widget.add"; widget: NewWidgetOf<M> } | OpOfModule<M>;
export type BoardOpInputOf<M> =
  | CommonOpInput
  | { type: "widget.add"; widget: NewWidgetInputOf<M> }
  | (M extends WidgetModule<string, unknown, z.ZodType, infer Ops> ? z.input<Ops[number]> : never);

/**
 * The schemas of a board whose widget types are those of `registry`: a new widget is a union tagged by `type` of
 * the modules' data, and an op a union tagged by `type` of the common ops and the modules' ops.
 */
export function boardSchemasFor<M extends AnyWidgetModule>(registry: WidgetRegistry<M>) {
  const widgets = registry.modules.map((m) =>
    z.strictObject({ ...widgetCommon, type: z.literal(m.type), data: m.data }),
  );
  const [first, ...rest] = widgets;
  if (!first) throw new Error("a board needs at least one widget type");
  const newWidget = z.discriminatedUnion("type", [first, ...rest]);
  const ops = [
    ...commonOps,
    z.strictObject({ type: z.literal("widget.add"), widget: newWidget }),
    ...registry.modules.flatMap((m) => m.ops),
  ] as const;
  return {
    newWidgetSchema: newWidget as unknown as z.ZodType<NewWidgetOf<M>, NewWidgetInputOf<M>>,
    /**
     * Every change to a board. Ops that set a field carry `baseRev`: the revision of that field the editor saw.
     * If the field changed since, the op is refused with CONFLICT instead of overwriting the unseen change. Ops
     * that add, remove or append merge with concurrent ones and carry no baseRev.
     */
    boardOpSchema: z.discriminatedUnion("type", ops) as unknown as z.ZodType<BoardOpOf<M>, BoardOpInputOf<M>>,
  };
}

export const { newWidgetSchema, boardOpSchema } = boardSchemasFor(builtInWidgets);

export type BoardOp = BoardOpOf<BuiltInWidgetModule>;
export type BoardOpInput = BoardOpInputOf<BuiltInWidgetModule>;
export type BoardOpType = BoardOp["type"];

/** An op as the board's log keeps it: applied at `rev` by `by` at `at` (server clock, epoch ms). */
export interface CommittedOp<Op = BoardOp> {
  rev: number;
  opId: string;
  op: Op;
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

/** A board in its owner's trash ("Recently deleted"), restorable until `purgeAt`. */
export interface DeletedBoard {
  id: string;
  title: string;
  widgets: number;
  deletedAt: number;
  purgeAt: number;
}

/** Entries per `board:history` page, at most. */
export const HISTORY_PAGE_MAX = 100;

export type { HistoryEntry, OpPrior } from "../boards/history";

/** At most this many names come back from `users:suggest`. */
export const SUGGEST_LIMIT = 8;

/** A name to offer when sharing; `colleague`: someone who shares a board with the caller already. */
export interface UserSuggestion {
  name: string;
  colleague: boolean;
}

export type SyncResult = { rev: number; entries: CommittedOp[] } | { rev: number; snapshot: BoardDoc };

/** A `board:ops` frame holds at most this many ops; more committed within one window go out in several frames. */
export const OP_BATCH_MAX_ENTRIES = 256;

const boardRef = z.strictObject({ boardId: idSchema });

export const boardClientEvents = {
  "board:list": clientEvent<{ boards: BoardSummary[] }>()(z.strictObject({}).optional().default({})),
  "board:create": clientEvent<{ board: BoardSummary }>()(
    z.strictObject({
      title: textSchema(LIMITS.boardTitle).trim().min(1, { error: "a board needs a title" }),
    }),
  ),
  "board:delete": clientEvent()(boardRef),
  "board:deleted": clientEvent<{ boards: DeletedBoard[] }>()(z.strictObject({}).optional().default({})),
  "board:restore": clientEvent<{ board: BoardSummary }>()(boardRef),
  "board:history": clientEvent<{ entries: HistoryEntry[]; nextBeforeRev: number | null }>()(
    z.strictObject({
      boardId: idSchema,
      beforeRev: revSchema.optional(),
      limit: z.number().int().min(1).max(HISTORY_PAGE_MAX).default(50),
    }),
  ),
  "board:revision": clientEvent<{ board: BoardDoc }>()(z.strictObject({ boardId: idSchema, rev: revSchema })),
  "board:join": clientEvent<{ board: BoardDoc; role: BoardRole; presence: PresenceViewer[] }>()(boardRef),
  "board:leave": clientEvent()(boardRef),
  "board:sync": clientEvent<SyncResult>()(z.strictObject({ boardId: idSchema, sinceRev: revSchema })),
  "board:op": clientEvent<{ entry: CommittedOp }>()(
    z.strictObject({ boardId: idSchema, opId: opIdSchema, op: boardOpSchema }),
  ),
  /**
   * Names to offer in the share dialog as the user types: first the people the caller already shares a board with,
   * then, for two characters or more, any user whose name starts with them. At most `SUGGEST_LIMIT`.
   */
  "users:suggest": clientEvent<{ users: UserSuggestion[] }>()(
    z.strictObject({
      prefix: z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z0-9_-]{1,32}$/, { error: "type 1-32 letters, digits, _ or -" }),
    }),
  ),
  "board:editing": clientEvent()(z.strictObject({ boardId: idSchema, widgetId: idSchema.nullable() })),
  "board:cursor": clientEvent()(
    z.strictObject({ boardId: idSchema, x: z.number().min(0).max(1), y: z.number().min(0).max(100_000) }),
  ),
};

export interface BoardServerEvents {
  /** A committed op, in revision order per board. Not sent back to the socket that made it (it has the ack). */
  "board:op": (msg: { boardId: string; entry: CommittedOp }) => void;
  /**
   * Two or more committed ops of one board that the server coalesced into one frame (`BOARD_OP_BATCH_MS`), in
   * ascending revision order, at most `OP_BATCH_MAX_ENTRIES`. Apply them one after another exactly as consecutive
   * `board:op`s. Unlike `board:op`, it may hold an op the receiving socket sent itself: treat that as its ack.
   */
  "board:ops": (msg: { boardId: string; entries: CommittedOp[] }) => void;
  "board:presence": (msg: { boardId: string; viewers: PresenceViewer[] }) => void;
  "board:cursor": (msg: { boardId: string; user: string; x: number; y: number }) => void;
  /** Broadcasts may have been lost (e.g. Redis reconnected): fetch what is missing with board:sync. */
  "board:resync": (msg: { boardId?: string }) => void;
  /** The board was deleted, or this user's access was revoked: leave the page. */
  "board:closed": (msg: { boardId: string; reason: "deleted" | "access-revoked"; by: string }) => void;
  /** The owner changed this user's role on a board (`role`), or removed them (`role: null`). To the user's sockets. */
  "board:access": (msg: { boardId: string; title: string; role: MemberRole | null; by: string }) => void;
}
