import { diffWords } from "diff";
import type { BoardOp, CommittedOp } from "../protocol/boards";
import { own } from "../util/own";
import type { BoardDoc, Widget } from "./types";

/** What an op replaced, as the history shows it: the widget it was about, and the value before it. */
export interface OpPrior {
  /** The widget the op is about, as it was before the op (for `widget.add`, taken from the op). */
  widget?: { type: string; title: string };
  /** The value the op replaced: a title, a note's text, a KPI's value or label, an item, a member's role. */
  value?: unknown;
}

/** A logged op with what it replaced, when the server could tell (see `board:history`). */
export interface HistoryEntry extends CommittedOp {
  prior?: OpPrior;
}

/** The widget an op is about, if any. */
export function widgetIdOf(op: BoardOp): string | undefined {
  if (op.type === "widget.add") return op.widget.id;
  return "widgetId" in op ? op.widgetId : undefined;
}

/** Who other than `me` changed one of `widgetIds` after revision `since`, per `entries` (the log), in order. */
export function othersWhoChanged(
  entries: readonly CommittedOp[],
  widgetIds: readonly string[],
  since: number,
  me: string,
): string[] {
  const ids = new Set(widgetIds);
  const names = entries
    .filter((e) => e.rev > since && e.by !== me)
    .filter((e) => {
      const id = widgetIdOf(e.op);
      return id !== undefined && ids.has(id);
    })
    .sort((a, b) => a.rev - b.rev)
    .map((e) => e.by);
  return [...new Set(names)];
}

const widgetInfo = (w: Widget | undefined) => w && { type: w.type, title: w.title };

/** What `op` replaces in `doc`, the board just before it. */
export function priorOf(doc: BoardDoc, op: BoardOp): OpPrior {
  switch (op.type) {
    case "board.rename":
      return { value: doc.title };
    case "member.set":
      return { value: own(doc.members, op.user) ?? null };
    case "widget.add":
      return { widget: { type: op.widget.type, title: op.widget.title } };
  }
  const w = own(doc.widgets, op.widgetId);
  const widget = widgetInfo(w);
  if (!w) return {};
  switch (op.type) {
    case "widget.remove":
    case "checklist.add":
    case "chart.append":
    case "kpi.stats":
      return { widget };
    case "widget.title":
      return { widget, value: w.title };
    case "widget.layout":
      return { widget, value: w.layout };
    case "note.text":
      return { widget, value: w.type === "note" ? w.data.text : undefined };
    case "kpi.value":
      return { widget, value: w.type === "kpi" ? w.data.value : undefined };
    case "kpi.label":
      return { widget, value: w.type === "kpi" ? { label: w.data.label, unit: w.data.unit } : undefined };
    case "checklist.text":
    case "checklist.done":
    case "checklist.remove": {
      const item = w.type === "checklist" ? w.data.items.find((i) => i.id === op.itemId) : undefined;
      return { widget, value: item && { text: item.text, done: item.done } };
    }
  }
}

/** Short type names are acronyms (`kpi` is a KPI). */
const typeName = (type: string) => (type.length <= 3 ? type.toUpperCase() : type);

const quote = (text: string, max = 60) => `“${text.length > max ? `${text.slice(0, max - 1)}…` : text}”`;

/** "the note “Plan”", or "a note" when it has no title, or "a widget" when the history does not know it. */
export function widgetPhrase(prior: OpPrior | undefined): string {
  const w = prior?.widget;
  if (!w) return "a widget";
  return w.title ? `the ${typeName(w.type)} ${quote(w.title)}` : `a ${typeName(w.type)}`;
}

const itemText = (value: unknown) =>
  value && typeof value === "object" && "text" in value && typeof value.text === "string"
    ? quote(value.text)
    : "an item";

const shown = (value: unknown) => (value === null || value === undefined ? "empty" : String(value));

/** One op in words, without its author: "renamed the note “Plan” to “Q3 plan”". */
export function describeOp(op: BoardOp, prior?: OpPrior): string {
  const w = widgetPhrase(prior);
  const before = prior?.value;
  switch (op.type) {
    case "board.rename":
      return typeof before === "string"
        ? `renamed the board from ${quote(before)} to ${quote(op.title)}`
        : `renamed the board to ${quote(op.title)}`;
    case "member.set":
      if (op.role === null) return `removed ${op.user} from the board`;
      return before
        ? `made ${op.user} ${op.role === "editor" ? "an editor" : "a viewer"}`
        : `shared the board with ${op.user} as ${op.role}`;
    case "widget.add":
      return `added ${widgetPhrase({ widget: { type: op.widget.type, title: op.widget.title } })}`;
    case "widget.remove":
      return `removed ${w}`;
    case "widget.title":
      return typeof before === "string" && before
        ? `renamed ${w} to ${quote(op.title)}`
        : `named ${w} ${quote(op.title)}`;
    case "widget.layout":
      return `moved or resized ${w}`;
    case "note.text":
      return `edited the text of ${w}`;
    case "kpi.value":
      return before === undefined
        ? `set ${w} to ${shown(op.value)}`
        : `set ${w} to ${shown(op.value)} (was ${shown(before)})`;
    case "kpi.label":
      return `labelled ${w} ${quote(`${op.label}${op.unit ? ` (${op.unit})` : ""}`)}`;
    case "kpi.stats":
      return `summarized a chart into ${w}`;
    case "checklist.add":
      return `added ${quote(op.item.text)} to ${w}`;
    case "checklist.text":
      return `reworded ${itemText(before)} to ${quote(op.text)} in ${w}`;
    case "checklist.done":
      return `${op.done ? "checked" : "unchecked"} ${itemText(before)} in ${w}`;
    case "checklist.remove":
      return `removed ${itemText(before)} from ${w}`;
    case "chart.append":
      return `added ${op.points.length} ${op.points.length === 1 ? "point" : "points"} to ${w}`;
  }
}

/** The pages of a board's history loaded so far, newest first, and where the next older page begins. */
export interface HistoryPages {
  entries: HistoryEntry[];
  /** The `beforeRev` of the next older page; null when the oldest change is loaded. */
  next: number | null;
}

/** One answer of `board:history`. */
export interface HistoryPage {
  entries: readonly HistoryEntry[];
  nextBeforeRev: number | null;
}

/** `a` and `b` together, one entry per revision, newest first. */
function union(a: readonly HistoryEntry[], b: readonly HistoryEntry[]): HistoryEntry[] {
  const byRev = new Map<number, HistoryEntry>();
  for (const e of [...a, ...b]) if (!byRev.has(e.rev)) byRev.set(e.rev, e);
  return [...byRev.values()].sort((x, y) => y.rev - x.rev);
}

/**
 * The loaded pages with the newest page (or pages, newest first, read one after another) on top, keeping the
 * older pages already loaded. Undefined when the newest pages do not reach the newest loaded change: more
 * changes came than they hold, and the caller reads one more page (or starts over from them).
 */
export function withNewest(loaded: HistoryPages, newest: HistoryPage): HistoryPages | undefined {
  const top = loaded.entries[0]?.rev;
  if (top === undefined) return { entries: [...newest.entries], next: newest.nextBeforeRev };
  if (newest.nextBeforeRev !== null && newest.nextBeforeRev > top + 1) return undefined;
  return { entries: union(newest.entries, loaded.entries), next: loaded.next };
}

/** The loaded pages with the page read before `beforeRev` below them; a page for an old cursor changes nothing. */
export function withOlder(loaded: HistoryPages, beforeRev: number, page: HistoryPage): HistoryPages {
  if (loaded.next !== beforeRev) return loaded;
  return { entries: union(loaded.entries, page.entries), next: page.nextBeforeRev };
}

/** Consecutive changes of one person within one minute, as the history panel lists them. */
export interface HistoryGroup {
  by: string;
  /** The start of the minute, epoch ms. */
  minute: number;
  /** Newest first, as the entries came. */
  entries: HistoryEntry[];
  /** "changed 3 widgets", "edited the text of the note “Plan”": the group in words, without its author. */
  summary: string;
}

const MINUTE = 60_000;

/** Groups entries (newest first) by person and minute; a group holds consecutive entries only. */
export function groupHistory(entries: readonly HistoryEntry[]): HistoryGroup[] {
  const groups: HistoryGroup[] = [];
  for (const entry of entries) {
    const minute = Math.floor(entry.at / MINUTE) * MINUTE;
    const last = groups.at(-1);
    if (last && last.by === entry.by && last.minute === minute) last.entries.push(entry);
    else groups.push({ by: entry.by, minute, entries: [entry], summary: "" });
  }
  for (const g of groups) g.summary = summarize(g.entries);
  return groups;
}

function summarize(entries: readonly HistoryEntry[]): string {
  if (entries.length === 1) return describeOp(entries[0]!.op, entries[0]!.prior);
  const widgets = new Set<string>();
  for (const { op } of entries) {
    if (op.type === "widget.add") widgets.add(op.widget.id);
    else if ("widgetId" in op) widgets.add(op.widgetId);
  }
  const boardLevel = entries.some(({ op }) => !("widgetId" in op) && op.type !== "widget.add");
  if (widgets.size > 1) return `changed ${widgets.size} widgets${boardLevel ? " and the board" : ""}`;
  if (widgets.size === 1 && !boardLevel) {
    const prior = entries.find((e) => e.prior?.widget)?.prior;
    return `made ${entries.length} changes to ${widgetPhrase(prior)}`;
  }
  return `made ${entries.length} changes to the board`;
}

export interface DiffPart {
  text: string;
  kind: "same" | "added" | "removed";
}

/**
 * The words that differ between two texts, for showing a note edit. Gives up (undefined) on texts so different
 * that the diff would take more than `timeoutMs`.
 */
export function wordDiff(before: string, after: string, timeoutMs = 50): DiffPart[] | undefined {
  const changes = diffWords(before, after, { timeout: timeoutMs });
  if (!changes) return undefined;
  return changes.map((c) => ({
    text: c.value,
    kind: c.added ? "added" : c.removed ? "removed" : "same",
  }));
}
