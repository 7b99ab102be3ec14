import type { z } from "zod";
import { AppError } from "../../protocol/errors";

/**
 * What a widget type is: one module per type (`note.ts`, `kpi.ts`, ...) made with `defineWidget`, listed once in
 * `index.ts`. The protocol builds its schemas from the modules, and `apply.ts` dispatches each widget's ops to its
 * module; nothing else names a widget type.
 */

export interface GridLayout {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A widget of type `T` whose data is `D`, as every client and the server see it. Plain JSON. */
export interface WidgetOf<T extends string, D> {
  id: string;
  type: T;
  title: string;
  layout: GridLayout;
  data: D;
  /** Revision of the last change per field (`title`, `layout`, and the type's own `fields`). */
  revs: Record<string, number>;
  createdBy: string;
}

/**
 * A field of one widget that an op sets and that has its own revision: a widget field (`text`), or a field of
 * one of its items (`{ item: "i1", field: "done" }`). See `field-key.ts` for its key.
 */
export interface WidgetField {
  readonly field: string;
  readonly item?: string;
}

export interface GridSize {
  w: number;
  h: number;
}

/** The schema of one op on a widget: its `type` is `<widget type>.<verb>`, and it names the widget. */
export type WidgetOpSchema = z.ZodObject<
  { type: z.ZodLiteral<string>; widgetId: z.ZodString },
  z.core.$strict
>;

/** Server-side: what `mergeConcurrentEdit` gives a module whose ops can merge with concurrent ones. */
export interface MergeContext<W> {
  /** The widget the op targets, when it exists and is of this type. */
  widget: W | undefined;
  /** Whether the user may edit the board; the op is checked afterwards either way. */
  canEdit: boolean;
  /** Milliseconds the merge may still spend; spend them. */
  budget: { ms: number };
}

export interface WidgetModule<
  T extends string = string,
  D = unknown,
  DataSchema extends z.ZodType = z.ZodType,
  Ops extends readonly WidgetOpSchema[] = readonly WidgetOpSchema[],
> {
  readonly type: T;
  /** The data a new widget carries in `widget.add`, with its defaults (an empty one is valid). */
  readonly data: DataSchema;
  /** The ops on this type, each typed `<type>.<verb>`. */
  readonly ops: Ops;
  /** The caps its schemas use, for the UI (counters) and the server. */
  readonly limits: Readonly<Record<string, number>>;
  /** Grid cells: the size a new one starts with, and the smallest it can be resized to. */
  readonly size: { readonly initial: GridSize; readonly min: GridSize };
  /** Its own widget fields with a revision, besides `title` and `layout` (`["text"]`). */
  readonly fields: readonly string[];
  /** The widget data for the data of `widget.add`, committed at `rev`. */
  create(data: z.output<DataSchema>, rev: number): D;
  /** Item fields created with the widget (`fields` are created too), committed with it. */
  createdItems?(data: z.output<DataSchema>): WidgetField[];
  /** The field an op sets, for ops guarded by `baseRev`; undefined for ops that merge. */
  fieldOf(op: z.output<Ops[number]>): WidgetField | undefined;
  /** Item fields an op creates (an added item's fields). */
  createdBy?(op: z.output<Ops[number]>): WidgetField[];
  /** The revision of an item field; widget fields are read from `revs`. */
  itemRev?(widget: WidgetOf<T, D>, field: WidgetField): number;
  /** Throws AppError (NOT_FOUND, CONFLICT, VALIDATION) when `op` may not be applied. Server only. */
  check(widget: WidgetOf<T, D>, op: z.output<Ops[number]>): void;
  /** The widget after `op`, committed at `rev`. Pure: every replica computes the same. */
  apply(widget: WidgetOf<T, D>, op: z.output<Ops[number]>, rev: number): WidgetOf<T, D>;
  /** The op to check and commit in place of `op`, merged with concurrent edits. Server only. */
  merge?(op: z.output<Ops[number]>, ctx: MergeContext<WidgetOf<T, D>>): z.output<Ops[number]>;
  /**
   * The data of a `widget.add` that makes this widget again (undoing its removal, restoring it). Without it, the
   * widget's data is sent as it is.
   */
  addData?(data: D): z.input<DataSchema>;
  /**
   * The ops that turn `from` into `to` (the same widget at two moments), each guarded by `from`'s revision of the
   * field it sets: what undo and restore send. Without it, the type's own data cannot be reverted.
   */
  revert?(from: WidgetOf<T, D>, to: WidgetOf<T, D>): z.input<Ops[number]>[];
}

/** Any widget module, as a registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWidgetModule = WidgetModule<string, any, z.ZodType, readonly WidgetOpSchema[]>;

/** The widget a module describes. */
export type WidgetOfModule<M> =
  M extends WidgetModule<infer T, infer D, z.ZodType, readonly WidgetOpSchema[]> ? WidgetOf<T, D> : never;

/** The ops a module defines. */
export type OpOfModule<M> =
  M extends WidgetModule<string, unknown, z.ZodType, infer Ops> ? z.output<Ops[number]> : never;

/**
 * Defines a widget type whose data is `D`: `defineWidget<NoteData>()({ type: "note", ... })`. The schemas are
 * inferred, and every function is typed from them.
 */
export function defineWidget<D>() {
  return <const T extends string, DataSchema extends z.ZodType, const Ops extends readonly WidgetOpSchema[]>(
    module: WidgetModule<T, D, DataSchema, Ops>,
  ): WidgetModule<T, D, DataSchema, Ops> => module;
}

/** CONFLICT on `field`, with the value and revision that won, so the editor can offer both. */
export function conflict(
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

/** Refuses an unseen overwrite: the field changed after the revision the editor based this change on. */
export function guard(
  field: string,
  fieldRev: number,
  baseRev: number,
  current: unknown,
  next: unknown,
  where: Record<string, unknown>,
): void {
  if (fieldRev <= baseRev) return;
  if (JSON.stringify(current) === JSON.stringify(next)) return;
  throw conflict(field, fieldRev, current, where);
}
