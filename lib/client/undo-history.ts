import { applyOp } from "../boards/apply";
import { mergeText } from "../boards/merge-text";
import { changeRevsOf, revertOps } from "../boards/revert";
import type { BoardDoc, Widget } from "../boards/types";
import { boardOpSchema, type BoardOp, type BoardOpInput } from "../protocol/boards";
import type { ErrorBody } from "../protocol/errors";
import { own } from "../util/own";
import { Emitter } from "./emitter";
import { fieldKeyOf, fieldRev } from "./field-keys";
import type { OpOutcome } from "./outbox";

/**
 * Revisions at or above this mark, in an undo op's `baseRev`, stand for "the revision at which the n-th op of the
 * step committed" (mark + n) until that op's ack arrives. Never sent: a step's ops are resolved before undoing it.
 */
const PENDING_REV = 2 ** 52;

/** Time an undo of a note edit may spend merging it with what others wrote since (see `ownTextOnly`). */
const UNDO_MERGE_MS = 50;

export interface UndoHistoryDeps {
  /** Sends a change, as the board session does; resolves when it is committed or refused. */
  submit(op: BoardOpInput): Promise<OpOutcome>;
  /** The board as this tab shows it (committed with its pending changes), or null before it opened. */
  view(): BoardDoc | null;
  /** Steps kept; the oldest is forgotten past it. */
  limit?: number;
  /**
   * Asked before an undo removes widgets that someone else changed after the user's own change (undoing an add
   * would drop their edits): resolves true to remove them anyway. Without it, such an undo is refused.
   */
  confirmRemoval?(widgets: readonly Widget[], label: string, since: number): Promise<boolean>;
}

/** One change of this user's, as undo and redo see it. */
export interface UndoStep {
  readonly id: number;
  /** What the step did, for the buttons' titles and toasts ("remove the note “Plan”"). */
  readonly label: string;
  /** The ops that take the step back, computed from the board before it. */
  readonly inverse: readonly BoardOpInput[];
  /** The outcomes of the step's ops, in order. */
  readonly outcomes: Promise<OpOutcome[]>;
  /** How many ops the step sent. */
  readonly size: number;
  /**
   * For a step of one guarded op: its field and the revision it was based on. The next op of the same field on
   * the same basis (the same editing session, saved in several goes) joins this step.
   */
  readonly basis?: { key: string; baseRev: number };
}

export interface UndoState {
  canUndo: boolean;
  canRedo: boolean;
  undoLabel: string | null;
  redoLabel: string | null;
}

export type UndoResult =
  | { ok: true; step: UndoStep | null }
  /** Nothing to undo (or redo), or the change could not be taken back; `error` says why (CONFLICT: see the board). */
  | { ok: false; error: ErrorBody | null };

/** What an all-or-nothing restore did (see `restore`). */
export type RestoreResult =
  | { ok: true; step: UndoStep | null }
  /** A change was refused; `rolledBack` says whether the changes already made were taken back. */
  | { ok: false; error: ErrorBody; rolledBack: boolean };

/** The revision of a step's first commit (Infinity when none of its ops committed). */
function firstCommit(done: readonly OpOutcome[]): number {
  return Math.min(...done.map((o) => (o.ok ? o.entry.rev : Infinity)));
}

/** The error of an undo the user chose not to make. */
const KEPT: ErrorBody = { code: "CONFLICT", message: "Someone else changed it since: it was kept." };

/** The field and basis of a lone guarded op (see `UndoStep.basis`). */
function basisOf(ops: readonly BoardOpInput[]): UndoStep["basis"] {
  const op = ops.length === 1 ? boardOpSchema.safeParse(ops[0]) : undefined;
  if (!op?.success || !("baseRev" in op.data)) return undefined;
  const key = fieldKeyOf(op.data);
  return key === undefined ? undefined : { key, baseRev: op.data.baseRev };
}

/** The widgets an op touches, or undefined for an op on the board itself. */
function widgetOf(op: BoardOp): string | undefined {
  if (op.type === "widget.add") return op.widget.id;
  return "widgetId" in op ? op.widgetId : undefined;
}

/**
 * Undo and redo of this user's own changes on one board, in one tab. Framework-free; React binds it with
 * `useUndo`.
 *
 * A change is recorded with the ops that take it back, computed from the board as the user saw it just before;
 * undoing sends those as new ops (never a rewrite of history), each guarded by the revision at which the user's
 * own change committed. So an undo restores a field only while nobody else changed it since: otherwise the
 * server refuses it with CONFLICT and the board offers the usual choice. Undoing a step records the opposite
 * step for redo; a new change forgets what could be redone.
 */
export class UndoHistory {
  private readonly undoStack: UndoStep[] = [];
  private readonly redoStack: UndoStep[] = [];
  private readonly events = new Emitter<{ change: (state: UndoState) => void }>();
  private nextId = 1;
  /** Per field, the revisions this history committed it at and the revision each was based on. */
  private readonly ownBases = new Map<string, Map<number, number>>();
  /** The revisions this history's ops committed at. */
  private readonly ownRevs = new Set<number>();
  private tail: Promise<unknown> = Promise.resolve();
  private state: UndoState = { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };

  constructor(private readonly deps: UndoHistoryDeps) {}

  getState(): UndoState {
    return this.state;
  }

  subscribe(fn: () => void): () => void {
    return this.events.on("change", fn);
  }

  /**
   * Sends a change of the user's and records it as one step; or as part of the newest step when it edits the same
   * field on the same basis (one editing session, saved in several goes).
   */
  async submit(op: BoardOpInput, label = "the last change"): Promise<OpOutcome> {
    return (await this.submitAll([op], label).outcomes)[0]!;
  }

  /** Sends several ops as one step (a restore): one undo takes them all back. */
  submitAll(
    ops: readonly BoardOpInput[],
    label: string,
  ): { step: UndoStep | null; outcomes: Promise<OpOutcome[]> } {
    const joined = this.join(ops);
    if (joined) return joined;
    const result = this.perform(ops, label, "undo");
    if (result.step) this.clearRedo();
    return result;
  }

  /**
   * Sends several ops as one step, all or nothing: when one is refused, the ops already committed are taken back
   * (one undo of the step), and the result says whether that worked.
   */
  async restore(ops: readonly BoardOpInput[], label: string): Promise<RestoreResult> {
    const { step, outcomes } = this.submitAll(ops, label);
    const done = await outcomes;
    const failed = done.find((o) => !o.ok);
    if (!failed || failed.ok) return { ok: true, step };
    if (!step || !done.some((o) => o.ok)) return { ok: false, error: failed.error, rolledBack: true };
    const back = await this.undo(step.id);
    // Taking back a half restore is not a step of its own to redo.
    if (back.ok && back.step) this.drop(this.redoStack, back.step.id);
    return { ok: false, error: failed.error, rolledBack: back.ok };
  }

  /** Sends `ops` as part of the newest step when they continue it (see `UndoStep.basis`). */
  private join(ops: readonly BoardOpInput[]): { step: UndoStep; outcomes: Promise<OpOutcome[]> } | undefined {
    const top = this.undoStack.at(-1);
    const basis = basisOf(ops);
    if (!top?.basis || !basis || top.basis.key !== basis.key || top.basis.baseRev !== basis.baseRev) return;
    const outcome = this.send(ops[0]!);
    // The step's undo waits for this op too, and is based on its commit: the newest of the field.
    const index = top.size;
    // The session's text is now what this op writes: the undo takes back the user's words up to it.
    const written = ops[0]!.type === "note.text" ? ops[0] : undefined;
    const inverse = top.inverse.map((op) => {
      if (!("baseRev" in op) || op.baseRev < PENDING_REV) return op;
      const next = { ...op, baseRev: PENDING_REV + index } as BoardOpInput;
      return next.type === "note.text" && written?.widgetId === next.widgetId
        ? { ...next, baseText: written.text }
        : next;
    });
    const outcomes = Promise.all([top.outcomes, outcome]).then(([done, last]) => [...done, last]);
    const step: UndoStep = { ...top, inverse, outcomes, size: index + 1 };
    this.undoStack[this.undoStack.length - 1] = step;
    return { step, outcomes: outcome.then((o) => [o]) };
  }

  /** Takes back the newest step, or the step `id` wherever it is in the undo stack (a toast's Undo). */
  undo(id?: number): Promise<UndoResult> {
    return this.serially(() => this.move(this.undoStack, "redo", id));
  }

  redo(): Promise<UndoResult> {
    return this.serially(() => this.move(this.redoStack, "undo"));
  }

  /** Whether step `id` can still be undone. */
  has(id: number): boolean {
    return this.undoStack.some((s) => s.id === id);
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async move(from: UndoStep[], to: "undo" | "redo", id?: number): Promise<UndoResult> {
    const index = id === undefined ? from.length - 1 : from.findIndex((s) => s.id === id);
    const step = from[index];
    if (!step) return { ok: false, error: null };
    from.splice(index, 1);
    this.publish();
    const done = await step.outcomes;
    const ops = step.inverse.flatMap((op) => {
      const resolved = this.resolveBaseRev(op, done);
      return resolved ? this.ownTextOnly(resolved) : [];
    });
    if (ops.length === 0) return { ok: false, error: null };
    const label = step.label;
    const since = firstCommit(done);
    const changed = this.changedByOthers(ops, since);
    if (changed.length > 0 && !(await this.deps.confirmRemoval?.(changed, label, since))) {
      from.splice(Math.min(index, from.length), 0, step);
      this.publish();
      return { ok: false, error: KEPT };
    }
    const next = this.perform(ops, label, to);
    const outcomes = await next.outcomes;
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) return { ok: false, error: failed.error };
    return { ok: true, step: next.step };
  }

  /**
   * The widgets that `ops` remove and that someone else changed after the step committed: a field of theirs (or
   * of an item) changed at a revision past the step's first commit that is not one of this history's own.
   */
  private changedByOthers(ops: readonly BoardOpInput[], since: number): Widget[] {
    const view = this.deps.view();
    if (!view || !Number.isFinite(since)) return [];
    return ops.flatMap((op) => {
      const w = op.type === "widget.remove" ? own(view.widgets, op.widgetId) : undefined;
      return w && changeRevsOf(w).some((rev) => rev > since && !this.ownRevs.has(rev)) ? [w] : [];
    });
  }

  private drop(stack: UndoStep[], id: number): void {
    const i = stack.findIndex((s) => s.id === id);
    if (i < 0) return;
    stack.splice(i, 1);
    this.publish();
  }

  /**
   * Submits `ops` in order and, when they can be taken back, records the step on `stack`. The step is recorded
   * at once, so that an undo pressed before the ack waits for it; it is dropped if every op is refused.
   */
  private perform(
    ops: readonly BoardOpInput[],
    label: string,
    stack: "undo" | "redo",
  ): { step: UndoStep | null; outcomes: Promise<OpOutcome[]> } {
    const before = this.deps.view();
    const inverse = before ? this.inverseOf(before, ops) : [];
    const outcomes = Promise.all(ops.map((op) => this.send(op)));
    if (inverse.length === 0) return { step: null, outcomes };
    const basis = stack === "undo" ? basisOf(ops) : undefined;
    const step: UndoStep = { id: this.nextId++, label, inverse, outcomes, size: ops.length, basis };
    const target = stack === "undo" ? this.undoStack : this.redoStack;
    target.push(step);
    if (target.length > (this.deps.limit ?? 100)) target.shift();
    this.publish();
    void outcomes.then((done) => {
      if (!done.some((o) => o.ok)) this.drop(target, step.id);
    });
    return { step, outcomes };
  }

  /** The ops that turn the board after `ops` back into `before`, their `baseRev`s pending on the ops' acks. */
  private inverseOf(before: BoardDoc, ops: readonly BoardOpInput[]): BoardOpInput[] {
    let after = before;
    const widgets = new Set<string>();
    let boardLevel = false;
    for (const [i, input] of ops.entries()) {
      const parsed = boardOpSchema.safeParse(input);
      if (!parsed.success) return [];
      const op = parsed.data;
      const widget = widgetOf(op);
      if (widget === undefined) boardLevel = true;
      else widgets.add(widget);
      try {
        after = applyOp(after, op, PENDING_REV + i, { by: "", at: after.updatedAt });
      } catch {
        return [];
      }
    }
    // A note's text is taken back as an edit written from the text the user's change produced (`baseText`):
    // only the user's own words are undone, and words someone else wrote since, or that the server merged into
    // the change, stay (see `ownTextOnly`).
    return revertOps(after, before, boardLevel ? {} : { widgetIds: widgets }).map((op) => {
      if (op.type !== "note.text") return op;
      const written = own(after.widgets, op.widgetId);
      return written?.type === "note" ? { ...op, baseText: written.data.text } : op;
    });
  }

  /**
   * A note edit of an undo (or a redo) that inverts only the user's own change: the words the user's change
   * wrote (from its `baseText` to its text) are taken out of the text as it is now, word by word, keeping
   * whatever someone else wrote meanwhile. When the two touch the same words, the op goes as it is and the
   * server, which runs the same merge, refuses it with CONFLICT: the board offers the usual choice.
   */
  private ownTextOnly(op: BoardOpInput): BoardOpInput {
    if (op.type !== "note.text" || op.baseText === undefined) return op;
    const w = own(this.deps.view()?.widgets, op.widgetId);
    if (w?.type !== "note" || w.data.text === op.baseText) return op;
    const current = w.data.text;
    const text = mergeText(op.baseText, op.text, current, UNDO_MERGE_MS);
    return text === undefined ? op : { ...op, text, baseText: current };
  }

  /** Submits one op, noting what the commit of a field was based on (see `ownBases`). */
  private async send(op: BoardOpInput): Promise<OpOutcome> {
    const outcome = await this.deps.submit(op);
    if (outcome.ok) {
      this.ownRevs.add(outcome.entry.rev);
      const committed = outcome.entry.op;
      const key = fieldKeyOf(committed);
      if (key !== undefined && "baseRev" in committed) {
        let bases = this.ownBases.get(key);
        if (!bases) this.ownBases.set(key, (bases = new Map()));
        bases.set(outcome.entry.rev, committed.baseRev);
      }
    }
    return outcome;
  }

  /**
   * An inverse op with its pending `baseRev` resolved: the revision at which the step's op committed, or the
   * field's current revision when every change of the field since was this tab's own (an undo of the step above
   * it, a redo), each based on the one before. Undefined when the step's op was refused.
   */
  private resolveBaseRev(op: BoardOpInput, outcomes: readonly OpOutcome[]): BoardOpInput | undefined {
    if (!("baseRev" in op) || op.baseRev < PENDING_REV) return op;
    const outcome = outcomes[op.baseRev - PENDING_REV];
    if (!outcome?.ok) return undefined;
    const since = outcome.entry.rev;
    const parsed = boardOpSchema.safeParse(op);
    const key = parsed.success ? fieldKeyOf(parsed.data) : undefined;
    const view = this.deps.view();
    let baseRev = since;
    if (key !== undefined && view) {
      const current = fieldRev(view, key);
      const bases = this.ownBases.get(key);
      let rev = current;
      while (rev > since) {
        const base = bases?.get(rev);
        if (base === undefined || base >= rev) break;
        rev = base;
      }
      if (rev === since) baseRev = current;
    }
    return { ...op, baseRev } as BoardOpInput;
  }

  private clearRedo(): void {
    if (this.redoStack.length === 0) return;
    this.redoStack.length = 0;
    this.publish();
  }

  private publish(): void {
    const u = this.undoStack.at(-1);
    const r = this.redoStack.at(-1);
    this.state = { canUndo: !!u, canRedo: !!r, undoLabel: u?.label ?? null, redoLabel: r?.label ?? null };
    this.events.emit("change", this.state);
  }
}
