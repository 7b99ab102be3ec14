import { own } from "../util/own";

/** A board as every client and the server see it. Plain JSON: it is persisted and sent as is. */
export type BoardRole = "owner" | "editor" | "viewer";
export type MemberRole = Exclude<BoardRole, "owner">;
export type WidgetType = "note" | "kpi" | "checklist" | "chart";

export interface GridLayout {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ChecklistItem {
  id: string;
  text: string;
  done: boolean;
  /** The board revision at which each field last changed, for conflict detection. */
  revs: { text: number; done: number };
}

export interface NoteData {
  text: string;
}

/** A series summarized: what the chart-summary task computes. */
export interface SeriesStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface KpiStats extends SeriesStats {
  /** The chart widget they summarize, and when. */
  source: string;
  at: number;
}

export interface KpiData {
  value: number | null;
  /** The value before the last change, so the change can be shown. */
  previous: number | null;
  label: string;
  unit: string;
  /** Set by the "summarize chart" task. */
  stats?: KpiStats;
}

export interface ChecklistData {
  items: ChecklistItem[];
}

/** Points as `[epochMs, value]`, sorted by time. */
export type ChartPoint = [number, number];

/** Pulseboard's own metrics, pushed into the chart every second while someone views it. */
export type ChartFeed = "connections" | "events";

export interface ChartData {
  points: ChartPoint[];
  feed?: ChartFeed;
}

interface WidgetBase<T extends WidgetType, D> {
  id: string;
  type: T;
  title: string;
  layout: GridLayout;
  data: D;
  /** Revision of the last change per field (`title`, `layout`, `text`, `value`, ...). */
  revs: Record<string, number>;
  createdBy: string;
}

export type NoteWidget = WidgetBase<"note", NoteData>;
export type KpiWidget = WidgetBase<"kpi", KpiData>;
export type ChecklistWidget = WidgetBase<"checklist", ChecklistData>;
export type ChartWidget = WidgetBase<"chart", ChartData>;
export type Widget = NoteWidget | KpiWidget | ChecklistWidget | ChartWidget;

export interface BoardDoc {
  id: string;
  title: string;
  owner: string;
  members: Record<string, MemberRole>;
  /** Number of ops applied; every op gets the next one. */
  rev: number;
  /** Revision of the last change per board field (`title`). */
  revs: Record<string, number>;
  widgets: Record<string, Widget>;
  createdAt: number;
  updatedAt: number;
}

export interface BoardSummary {
  id: string;
  title: string;
  owner: string;
  role: BoardRole;
  rev: number;
  widgets: number;
  updatedAt: number;
}

export function roleOf(board: Pick<BoardDoc, "owner" | "members">, user: string): BoardRole | undefined {
  if (board.owner === user) return "owner";
  return own(board.members, user);
}

/** The widget with this id, if the board has one. */
export function widgetIn(board: Pick<BoardDoc, "widgets">, widgetId: string): Widget | undefined {
  return own(board.widgets, widgetId);
}

export function summarize(board: BoardDoc, user: string): BoardSummary | undefined {
  const role = roleOf(board, user);
  if (!role) return undefined;
  return {
    id: board.id,
    title: board.title,
    owner: board.owner,
    role,
    rev: board.rev,
    widgets: Object.keys(board.widgets).length,
    updatedAt: board.updatedAt,
  };
}
