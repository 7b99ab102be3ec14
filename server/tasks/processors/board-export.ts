import type { BoardDoc } from "@/lib/boards/types";
import type { TaskRequest, TaskResult } from "@/lib/protocol/tasks";
import type { TaskContext } from "../queue";
import { openAsOwner, type ProcessorDeps } from "./deps";

export const EXPORT_TTL_S = 24 * 3600;
export const exportKey = (taskId: string, format: "json" | "csv") => `export-${taskId}.${format}`;

function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  // Quote when needed, and defuse cells a spreadsheet would run as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row per value: widget, field, time (for chart points) and value. */
export function boardToCsv(doc: BoardDoc): string {
  const rows: unknown[][] = [["widget_id", "widget_type", "widget_title", "field", "time", "value"]];
  for (const w of Object.values(doc.widgets).sort(
    (a, b) => a.layout.y - b.layout.y || a.layout.x - b.layout.x,
  )) {
    const row = (field: string, value: unknown, time: unknown = "") =>
      rows.push([w.id, w.type, w.title, field, time, value]);
    if (w.type === "note") row("text", w.data.text);
    if (w.type === "kpi") {
      row("value", w.data.value);
      row("label", w.data.label);
      row("unit", w.data.unit);
    }
    if (w.type === "checklist")
      for (const item of w.data.items) row(`item:${item.done ? "done" : "open"}`, item.text);
    if (w.type === "chart") for (const [t, v] of w.data.points) row("point", v, new Date(t).toISOString());
  }
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** Writes the board as JSON and as CSV, kept for a day for download. */
export async function exportBoard(
  ctx: TaskContext,
  req: Extract<TaskRequest, { kind: "board-export" }>,
  deps: ProcessorDeps,
): Promise<TaskResult> {
  await ctx.progress(10, "reading the board");
  const { doc } = await openAsOwner(deps, ctx.task.owner, req.boardId);
  await ctx.checkCancelled();
  const json = Buffer.from(JSON.stringify({ exportedAt: new Date().toISOString(), board: doc }, null, 2));
  await deps.blobs.put(exportKey(ctx.task.id, "json"), json, EXPORT_TTL_S, ctx.task.owner);
  await ctx.progress(60, "writing CSV");
  const csv = Buffer.from(boardToCsv(doc));
  await deps.blobs.put(exportKey(ctx.task.id, "csv"), csv, EXPORT_TTL_S, ctx.task.owner);
  await ctx.progress(100, "done");
  const path = (format: string) => `/api/tasks/${ctx.task.id}/download?format=${format}`;
  return {
    kind: "board-export",
    files: [
      { format: "json", bytes: json.length, path: path("json") },
      { format: "csv", bytes: csv.length, path: path("csv") },
    ],
  };
}
