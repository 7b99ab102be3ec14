import { own } from "../util/own";
import type { Widget } from "./widgets";

/** A board as every client and the server see it. Plain JSON: it is persisted and sent as is. */
export type BoardRole = "owner" | "editor" | "viewer";
export type MemberRole = Exclude<BoardRole, "owner">;
export type { BuiltInWidgetModule, Widget, WidgetType } from "./widgets";
export type { GridLayout, WidgetOf } from "./widgets/define";
export type { NoteData } from "./widgets/note";
export type { KpiData, KpiStats, SeriesStats } from "./widgets/kpi";
export type { ChecklistData, ChecklistItem } from "./widgets/checklist";
export type { ChartData, ChartFeed, ChartPoint } from "./widgets/chart";

export type NoteWidget = Extract<Widget, { type: "note" }>;
export type KpiWidget = Extract<Widget, { type: "kpi" }>;
export type ChecklistWidget = Extract<Widget, { type: "checklist" }>;
export type ChartWidget = Extract<Widget, { type: "chart" }>;

/** A board whose widgets are `W`: the built-in types unless a test registers its own. */
export interface BoardDoc<W = Widget> {
  id: string;
  title: string;
  owner: string;
  members: Record<string, MemberRole>;
  /** Number of ops applied; every op gets the next one. */
  rev: number;
  /** Revision of the last change per board field (`title`). */
  revs: Record<string, number>;
  widgets: Record<string, W>;
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
export function widgetIn<W = Widget>(board: Pick<BoardDoc<W>, "widgets">, widgetId: string): W | undefined {
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
