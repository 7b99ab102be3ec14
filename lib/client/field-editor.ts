import { mergeText } from "../boards/merge-text";
import type { BoardDoc, KpiWidget } from "../boards/types";
import type { BoardOpInput } from "../protocol/boards";
import { own } from "../util/own";
import { fieldRev, widgetKey } from "./field-keys";
import type { OpOutcome } from "./outbox";

/**
 * Editing one widget's fields, without React: what the editor was based on (the revision and, for notes, the
 * text), debounced saves, and the choice after a conflict. Components render `getState()` through
 * `useSyncExternalStore` and forward the user's actions; everything that decides what is sent lives here.
 */

/** What an editor needs of the board session. */
export interface EditorHost {
  submit(op: BoardOpInput): Promise<OpOutcome>;
  /** The basis of this user's unacknowledged save of `key`, if one is on its way. */
  pendingBasis(key: string): { baseRev: number; baseText?: string } | undefined;
  setEditing(widgetId: string | null): void;
}

abstract class Observable<S> {
  private readonly listeners = new Set<() => void>();
  protected abstract state: S;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): S => this.state;

  protected set(patch: Partial<S>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}

export type SaveState = "idle" | "saving" | "saved" | "failed";

export interface NoteEditorState {
  /** The text in the editor; null when not editing. */
  draft: string | null;
  saveState: SaveState;
}

export interface NoteEditorOptions {
  widgetId: string;
  host: EditorHost;
  /** How long typing may pause before the text is saved. */
  saveDelayMs?: number;
}

/** A conflict on the note's text, as the board reports it. */
export interface TextConflict {
  /** The revision of their text. */
  rev: number;
  /** Their text, when the server sent it. */
  current: unknown;
  /** The text this user tried to save. */
  mine: string;
}

/**
 * A note's text editor. Saves are debounced and carry `baseText`, the committed text the draft was written from,
 * so the server merges someone else's edit of other words; the merged text comes back into an open editor.
 */
export class NoteEditor extends Observable<NoteEditorState> {
  protected state: NoteEditorState = { draft: null, saveState: "idle" };
  readonly key: string;
  private base = 0;
  /** The committed text at `base`: what the draft was written from. */
  private baseText = "";
  private lastSent = "";
  private latest = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private conflictOpen = false;
  private readonly saveDelayMs: number;

  constructor(private readonly opts: NoteEditorOptions) {
    super();
    this.key = widgetKey(opts.widgetId, "text");
    this.saveDelayMs = opts.saveDelayMs ?? 600;
  }

  get editing(): boolean {
    return this.state.draft !== null;
  }

  /** While a conflict is open, nothing is saved until the user chooses. */
  setConflictOpen(open: boolean): void {
    this.conflictOpen = open;
  }

  /**
   * Opens the editor on `shown`, the text on screen (this user's unacknowledged save included). Its basis is that
   * save's, not the committed text's, or the server would take words someone else added since for words this
   * user removed.
   */
  begin(committed: BoardDoc, shown: string): void {
    const seen = own(committed.widgets, this.opts.widgetId);
    const committedText = seen?.type === "note" ? seen.data.text : "";
    const pending = this.opts.host.pendingBasis(this.key);
    this.base = pending?.baseRev ?? fieldRev(committed, this.key);
    this.baseText = pending ? (pending.baseText ?? committedText) : committedText;
    this.lastSent = shown;
    this.set({ draft: shown, saveState: "idle" });
    this.opts.host.setEditing(this.opts.widgetId);
  }

  change(text: string): void {
    if (this.state.draft === null) return;
    this.set({ draft: text });
    this.clearTimer();
    this.timer = setTimeout(() => this.flush(), this.saveDelayMs);
  }

  /** Saves the draft now if it changed since the last save. */
  flush(): void {
    this.clearTimer();
    const text = this.state.draft;
    if (text !== null && text !== this.lastSent && !this.conflictOpen) this.send(text, this.base);
  }

  end(): void {
    this.flush();
    this.set({ draft: null });
    this.opts.host.setEditing(null);
  }

  /** The component goes away: a pending save is sent, and the editing badge cleared. */
  dispose(): void {
    if (this.state.draft === null) return;
    this.flush();
    this.opts.host.setEditing(null);
  }

  /** After a conflict: write this user's text over theirs, on purpose, based on theirs. */
  keepMine(conflict: TextConflict, shownText: string): void {
    this.conflictOpen = false;
    const mine = this.state.draft ?? conflict.mine;
    this.base = conflict.rev;
    this.baseText = typeof conflict.current === "string" ? conflict.current : shownText;
    this.send(mine, conflict.rev);
  }

  /** After a conflict: take their text, in the editor too if it is open. */
  useTheirs(conflict: TextConflict, shownText: string): void {
    this.conflictOpen = false;
    const theirs = typeof conflict.current === "string" ? conflict.current : shownText;
    this.base = conflict.rev;
    this.baseText = theirs;
    this.lastSent = theirs;
    this.set(this.state.draft !== null ? { draft: theirs, saveState: "idle" } : { saveState: "idle" });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private send(text: string, baseRev: number): void {
    this.lastSent = text;
    const n = ++this.latest;
    this.set({ saveState: "saving" });
    const op: BoardOpInput = {
      type: "note.text",
      widgetId: this.opts.widgetId,
      text,
      baseRev,
      baseText: this.baseText,
    };
    void this.opts.host.submit(op).then((outcome) => {
      if (n === this.latest) this.set({ saveState: outcome.ok ? "saved" : "failed" });
      if (!outcome.ok || outcome.entry.op.type !== "note.text") return;
      const merged = outcome.entry.op.text;
      // Only the newest save moves the editor's basis: an older one's later saves are still on their way, and the
      // outbox bases them on the text this client sent.
      const draft = this.state.draft;
      if (merged === text || draft === null || n !== this.latest) return;
      if (this.opts.host.pendingBasis(this.key)) return;
      // The server merged someone else's words into this save: show them in the draft, keeping what was typed
      // since, and write on from the merged text.
      const draftNow = mergeText(text, draft, merged);
      if (draftNow === undefined) return;
      this.base = outcome.entry.rev;
      this.baseText = merged;
      this.lastSent = merged;
      this.set({ draft: draftNow });
    });
  }
}

export interface KpiDraft {
  value: string;
  label: string;
  unit: string;
}

export interface KpiEditorState {
  draft: KpiDraft | null;
  saving: boolean;
  error: string | null;
}

/**
 * A KPI's form: the value, and the label with its unit. Each is guarded by the revision it had when the form
 * opened, so a change someone made meanwhile comes back as a conflict instead of being overwritten.
 */
export class KpiEditor extends Observable<KpiEditorState> {
  protected state: KpiEditorState = { draft: null, saving: false, error: null };
  private bases = { value: 0, label: 0 };

  constructor(
    private readonly widgetId: string,
    private readonly host: EditorHost,
  ) {
    super();
  }

  begin(committed: BoardDoc, widget: KpiWidget): void {
    this.bases = {
      value: fieldRev(committed, widgetKey(this.widgetId, "value")),
      label: fieldRev(committed, widgetKey(this.widgetId, "label")),
    };
    const { value, label, unit } = widget.data;
    this.set({ draft: { value: value === null ? "" : String(value), label, unit }, error: null });
    this.host.setEditing(this.widgetId);
  }

  edit(patch: Partial<KpiDraft>): void {
    if (this.state.draft) this.set({ draft: { ...this.state.draft, ...patch } });
  }

  close(): void {
    this.set({ draft: null });
    this.host.setEditing(null);
  }

  /** Sends what changed against `widget` as it is shown now; a value that is not a number keeps the form open. */
  async save(widget: KpiWidget): Promise<void> {
    const draft = this.state.draft;
    if (!draft) return;
    const next = draft.value.trim() === "" ? null : Number(draft.value);
    if (next !== null && !Number.isFinite(next)) {
      this.set({ error: "Enter a number, or leave it empty." });
      return;
    }
    const { value, label, unit } = widget.data;
    const ops: Promise<OpOutcome>[] = [];
    if (next !== value)
      ops.push(
        this.host.submit({
          type: "kpi.value",
          widgetId: this.widgetId,
          value: next,
          baseRev: this.bases.value,
        }),
      );
    if (draft.label.trim() !== label || draft.unit.trim() !== unit)
      ops.push(
        this.host.submit({
          type: "kpi.label",
          widgetId: this.widgetId,
          label: draft.label.trim(),
          unit: draft.unit.trim(),
          baseRev: this.bases.label,
        }),
      );
    this.close();
    if (ops.length === 0) return;
    this.set({ saving: true });
    await Promise.all(ops);
    this.set({ saving: false });
  }
}

/**
 * The revision that `field` of each widget has in `committed` now: the basis of every change a gesture that
 * starts now makes (a drag or resize of the grid moves several widgets' layouts).
 */
export function basesOf(
  committed: BoardDoc,
  widgetIds: Iterable<string>,
  field: Parameters<typeof widgetKey>[1],
): Map<string, number> {
  return new Map([...widgetIds].map((id) => [id, fieldRev(committed, widgetKey(id, field))]));
}
